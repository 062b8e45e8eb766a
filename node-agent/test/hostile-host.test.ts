// What the agent reads from a host it cannot parse: each row plants one kind of
// garbage in a simulated host, runs a whole check, and requires that nothing
// throws, that the affected setting failed with the reason and was never
// written, and that the other settings were applied.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import type { NodeNetworkTuningSpec } from "../../api/v1alpha1/node-network-tuning.ts";
import { buildSimulatedHost } from "../../test/harness/simulated-host.ts";
import { enact } from "../src/engine/enact.ts";
import type { CommandRunner } from "../src/host/commands.ts";
import { hostPathsUnder } from "../src/host/paths.ts";
import type { Target } from "../src/model/targets.ts";
import { SettingReason } from "../../api/v1alpha1/reasons.ts";

const execFileAsync = promisify(execFile);
let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "nettune-hostile-"));
  await buildSimulatedHost(root, "boot-1");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const put = (file: string, text: string): Promise<void> => writeFile(path.join(root, file), text);

/** ethtool as a driver with 4 combined channels answers it; `garbage` replaces one answer. */
function ethtool(garbage: Record<string, string> = {}): CommandRunner {
  const answers: Record<string, string> = {
    "-i": "driver: ixgbe\nbus-info: 0000:00:03.0\n",
    "-l": "Channel parameters for sim0:\nPre-set maximums:\nRX:\t\tn/a\nTX:\t\tn/a\nOther:\t\tn/a\nCombined:\t8\nCurrent hardware settings:\nRX:\t\tn/a\nTX:\t\tn/a\nOther:\t\tn/a\nCombined:\t4\n",
    "--json -k": '[{"ifname":"sim0","gro":{"active":true,"fixed":false,"requested":true}}]',
    ...garbage,
  };
  return (_program, args) => {
    const flags = args.slice(0, -1).join(" ");
    const answer = answers[flags];
    return Promise.resolve(
      answer === undefined
        ? { code: 1, stdout: "", stderr: "Operation not supported" }
        : { code: 0, stdout: answer, stderr: "" },
    );
  };
}

const spec = (iface: Record<string, unknown>, dns = false): NodeNetworkTuningSpec => ({
  interfaces: [{ match: { names: ["sim0"], physicalOnly: false }, txQueueLength: 5000, ...iface }],
  sysctls: { "net.core.somaxconn": "8192" },
  ...(dns ? { dns: { node: { singleRequest: "single-request-reopen" } } } : {}),
});

async function check(garbage: Record<string, string>, iface: Record<string, unknown>, dns = false) {
  const written: string[] = [];
  const result = await enact(spec(iface, dns), {
    paths: hostPathsUnder(root, path.join(root, "run/nettune")),
    run: ethtool(garbage),
    observer: {
      beforeWrite: (target: Target) => {
        written.push(
          target.kind === "ethtool"
            ? `${target.device} ${target.group}.${target.param}`
            : "path" in target
              ? target.path
              : target.kind,
        );
      },
    },
  });
  return { result, written };
}

const mkdirUnder = (dir: string): Promise<string | undefined> =>
  mkdir(path.join(root, dir), { recursive: true });

/** Two queue IRQs for sim0, as a PCI NIC has them. */
async function withQueueIRQs(affinity: string): Promise<void> {
  await mkdirUnder("sys/class/net/sim0/device/msi_irqs");
  for (const irq of [40, 41]) {
    await put(`sys/class/net/sim0/device/msi_irqs/${irq}`, "msix\n");
    await mkdirUnder(`proc/irq/${irq}`);
    await put(`proc/irq/${irq}/smp_affinity_list`, irq === 41 ? affinity : "0-3\n");
  }
  await put(
    "proc/interrupts",
    "           CPU0       CPU1       CPU2       CPU3\n  40:   1 0 0 0  PCI-MSIX  sim0-TxRx-0\n  41:   1 0 0 0  PCI-MSIX  sim0-TxRx-1\n",
  );
}

interface Row {
  name: string;
  plant: () => Promise<unknown>;
  ethtool?: Record<string, string>;
  iface?: Record<string, unknown>;
  dns?: boolean;
  /** The setting that must fail, with its reason. */
  failed: string;
  reason: string;
  /** What must not have been written, when it differs from the failed setting's own target. */
  unwritten?: string;
}

const rows: Row[] = [
  {
    name: "a garbage rps_cpus fails RPS on that queue only",
    plant: () => put("sys/class/net/sim0/queues/rx-1/rps_cpus", "zz-not-a-mask\n"),
    iface: { rps: { cpus: "all" } },
    failed: "sim0/rx-1/rps_cpus",
    reason: SettingReason.UnreadableHostValue,
    unwritten: "class/net/sim0/queues/rx-1/rps_cpus",
  },
  {
    name: "a garbage smp_affinity_list fails that IRQ only",
    plant: () => withQueueIRQs("not,a-list\n"),
    iface: { irqAffinity: { policy: "Spread" } },
    failed: "sim0/irq/41",
    reason: SettingReason.UnreadableHostValue,
    unwritten: "irq/41/smp_affinity_list",
  },
  {
    name: "a backwards smp_affinity_list (1-0) fails that IRQ only",
    plant: () => withQueueIRQs("1-0\n"),
    iface: { irqAffinity: { policy: "Spread" } },
    failed: "sim0/irq/41",
    reason: SettingReason.UnreadableHostValue,
    unwritten: "irq/41/smp_affinity_list",
  },
  {
    name: "a backwards online CPU list (1-0) fails the CPU-placed settings",
    plant: () => put("sys/devices/system/cpu/online", "1-0\n"),
    iface: { rps: { cpus: "all" } },
    failed: "sim0/rps",
    reason: SettingReason.UnreadableHostValue,
    unwritten: "rps_cpus",
  },
  {
    name: "non-JSON from ethtool --json -k fails the offloads only",
    plant: () => Promise.resolve(),
    ethtool: { "--json -k": "this is { not json" },
    iface: { offloads: { gro: false } },
    failed: "sim0/offloads.gro",
    reason: SettingReason.UnreadableHostValue,
    unwritten: "features.gro",
  },
  {
    name: "an interface the kernel allows but NetTune cannot address (x@y) is refused",
    plant: async () => {
      await mkdirUnder("sys/class/net/x@y/queues/rx-0");
      await put("sys/class/net/x@y/tx_queue_len", "1000\n");
    },
    iface: { match: { namePattern: "*", physicalOnly: false } },
    failed: "x@y/txqueuelen",
    reason: SettingReason.Refused,
    unwritten: "x@y",
  },
  {
    name: "a FIFO at resolv.conf fails the DNS options without waiting on it",
    plant: async () => {
      await rm(path.join(root, "etc/resolv.conf"));
      await execFileAsync("mkfifo", [path.join(root, "etc/resolv.conf")]);
    },
    dns: true,
    failed: "dns.node.options",
    reason: SettingReason.UnreadableHostValue,
    unwritten: "resolvconf",
  },
  {
    name: "a resolv.conf of megabytes fails the DNS options without reading it all",
    plant: () => put("etc/resolv.conf", "# padding\n".repeat(500_000)),
    dns: true,
    failed: "dns.node.options",
    reason: SettingReason.UnreadableHostValue,
    unwritten: "resolvconf",
  },
];

describe("a host that answers garbage", () => {
  it.each(rows)("$name", async (row) => {
    await row.plant();
    const { result, written } = await check(row.ethtool ?? {}, row.iface ?? {}, row.dns);
    expect(result.results.find((r) => r.name === row.failed)).toMatchObject({
      state: "Failed",
      reason: row.reason,
    });
    expect(written.filter((w) => w.includes(row.unwritten ?? row.failed))).toEqual([]);
    // The rest of the plan went ahead.
    expect(result.results.find((r) => r.name.includes("somaxconn"))?.state).toBe("Applied");
    expect(await readFile(path.join(root, "proc/sys/net/core/somaxconn"), "utf8")).toBe("8192");
  });

  it("refuses two settings that write one kernel file different values, before any write", async () => {
    const written: string[] = [];
    const both: NodeNetworkTuningSpec = {
      interfaces: [
        {
          match: { names: ["sim0"], physicalOnly: false },
          rps: { cpus: "all", flowEntries: 4096 },
        },
      ],
      sysctls: { "net.core.rps_sock_flow_entries": "32768" },
    };
    await expect(
      enact(both, {
        paths: hostPathsUnder(root, path.join(root, "run/nettune")),
        run: ethtool(),
        observer: { beforeWrite: (target: Target) => written.push(target.kind) },
      }),
    ).rejects.toThrow(
      /=4096 and .*=32768 both write \/proc\/sys\/net\/core\/rps_sock_flow_entries/,
    );
    expect(written).toEqual([]);
  });

  it("never opens resolv.conf for a spec without node DNS settings", async () => {
    await rm(path.join(root, "etc/resolv.conf"));
    await execFileAsync("mkfifo", [path.join(root, "etc/resolv.conf")]);
    const { result } = await check({}, {});
    expect(result.results.map((r) => r.name)).not.toContain("dns.node.options");
  });

  it.each([
    { name: "an absolute symlink out of the root", link: (outside: string) => outside },
    {
      name: "a ../.. symlink out of the root",
      link: (outside: string) => `../${"../".repeat(12)}${outside.slice(1)}`,
    },
  ])("writes resolver options through $name only inside the root", async ({ link }) => {
    const elsewhere = await mkdtemp(path.join(tmpdir(), "nettune-outside-"));
    onTestFinished(() => rm(elsewhere, { recursive: true, force: true }));
    const outside = path.join(elsewhere, "resolv.conf");
    await writeFile(outside, "nameserver 192.0.2.1\n");
    await rm(path.join(root, "etc/resolv.conf"));
    await symlink(link(outside), path.join(root, "etc/resolv.conf"));
    const { result } = await check({}, {}, true);
    expect(await readFile(outside, "utf8")).toBe("nameserver 192.0.2.1\n");
    expect(result.results.find((r) => r.name === "dns.node.options")?.state).toBe("Skipped");
  });

  it("follows a systemd-resolved link that is absolute on the node to the node's own file", async () => {
    await mkdirUnder("run/systemd/resolve");
    await put("run/systemd/resolve/stub-resolv.conf", "nameserver 127.0.0.53\noptions edns0\n");
    await rm(path.join(root, "etc/resolv.conf"));
    await symlink("/run/systemd/resolve/stub-resolv.conf", path.join(root, "etc/resolv.conf"));
    const { result } = await check({}, {}, true);
    expect(result.results.find((r) => r.name === "dns.node.options")?.state).toBe("Applied");
    expect(await readFile(path.join(root, "run/systemd/resolve/stub-resolv.conf"), "utf8")).toBe(
      "nameserver 127.0.0.53\noptions edns0 single-request-reopen\n",
    );
  });
});
