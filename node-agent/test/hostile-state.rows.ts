// The rows of hostile-state.host.test.ts: each plants one hostile thing in the
// root (or around the agent's own files) and says what must follow besides
// the promises every row checks.
import path from "node:path";
import { notApplied, failed, type HostileRow } from "./hostile-state.kit.ts";
import { stateRows } from "./hostile-state.state-rows.ts";

const queues = "sys/class/net/sim0/queues";
const core = "proc/sys/net/core";

/** A link out of the root at `relative`, absolute or climbing with "..". */
function linkOut(relative: string, how: "absolute" | "climbing"): HostileRow["plant"] {
  return async ({ host, readFile }) => {
    // The decoy holds the value the file held: plausible enough for the agent to write.
    const decoy = await host.decoy(
      path.basename(relative),
      await readFile(host.at(relative), "utf8"),
    );
    await host.link(relative, how === "absolute" ? decoy : host.climbTo(relative, decoy));
  };
}

const linkRows: HostileRow[] = [
  ["tx_queue_len", "sys/class/net/sim0/tx_queue_len", "absolute", "txqueuelen"],
  ["an rps_cpus", `${queues}/rx-0/rps_cpus`, "absolute", "rx-0/rps_cpus"],
  ["an xps_cpus", `${queues}/tx-0/xps_cpus`, "climbing", "tx-0/xps_cpus"],
  ["another rps_cpus", `${queues}/rx-1/rps_cpus`, "climbing", "rx-1/rps_cpus"],
  ["a sysctl", `${core}/somaxconn`, "absolute", "somaxconn"],
  ["another sysctl", "proc/sys/net/ipv4/tcp_fin_timeout", "climbing", "tcp_fin_timeout"],
  ["an IRQ's smp_affinity_list", "proc/irq/41/smp_affinity_list", "absolute", "irq/41"],
].map(([what, relative, how, setting]) => ({
  name: `${what} that is a ${how} link out of the root is not written (${relative})`,
  plant: linkOut(relative as string, how as "absolute" | "climbing"),
  check: notApplied(setting as string),
}));

const dirRows: HostileRow[] = [
  [core, true, "somaxconn"],
  ["proc/sys/net", false, "somaxconn"],
  ["proc/sys/net/ipv4", true, "tcp_fin_timeout"],
  [queues, true, "rps_cpus"],
  [`${queues}/rx-0`, false, "rx-0/rps_cpus"],
  ["proc/irq/41", true, "irq/41"],
  ["proc/irq", false, "irq/40"],
  ["sys/class/net/sim0", true, undefined],
].map(([dir, absolute, setting]) => ({
  name: `a directory on the way that is ${absolute ? "an absolute" : "a climbing"} link out of the root is not written through (${dir as string})`,
  plant: ({ host }) => host.linkDirOut(dir as string, absolute as boolean),
  ...(setting === undefined ? {} : { check: notApplied(setting as string) }),
}));

/** After an apply, the file the revert would write is replaced by a link out. */
const revertRows: HostileRow[] = [
  [`${core}/somaxconn`, "absolute"],
  ["sys/class/net/sim0/tx_queue_len", "climbing"],
  [`${queues}/rx-0/rps_cpus`, "absolute"],
  ["proc/irq/41/smp_affinity_list", "climbing"],
].map(([relative, how]) => ({
  name: `a revert never writes through a ${how as string} link out of the root planted after the apply (${relative as string})`,
  first: "apply",
  command: "revert",
  plant: linkOut(relative as string, how as "absolute" | "climbing"),
}));

/** Every row of the hostile-host table. */
export function hostileRows(): HostileRow[] {
  return [
    ...linkRows,
    ...dirRows,
    ...revertRows,
    {
      name: "a revert never writes through a directory link planted after the apply (proc/sys/net/core)",
      first: "apply",
      command: "revert",
      plant: ({ host }) => host.linkDirOut(core, true),
    },
    {
      name: "a revert never writes through a queues directory link planted after the apply",
      first: "apply",
      command: "revert",
      plant: ({ host }) => host.linkDirOut(queues, false),
    },
    {
      name: "a link loop at a sysctl fails that sysctl as unreadable instead of skipping it",
      plant: async ({ host }) => {
        await host.link(`${core}/somaxconn`, "loop-b");
        await host.link(`${core}/loop-b`, "somaxconn");
      },
      check: failed("somaxconn"),
    },
    ...stateRows(),
  ];
}
