// Rows about the agent's own state: the originals file, its previous
// generation, the boot id, the run directory and the side files.
import path from "node:path";
import { expect } from "vitest";
import type { HostileContext } from "./hostile-state.host.test.ts";
import { failed, type HostileRow } from "./hostile-state.kit.ts";

const stateFile = (c: HostileContext): string => path.join(c.host.runDir, "originals.json");

interface Entry {
  key: string;
  target: Record<string, unknown>;
  original: string;
}

async function entries(c: HostileContext): Promise<Entry[]> {
  return (JSON.parse(await c.readFile(stateFile(c), "utf8")) as { entries: Entry[] }).entries;
}

/** Rewrites the state as an earlier agent wrote it (version 1, no checksum), this boot's. */
async function writeV1(c: HostileContext, list: unknown[]): Promise<void> {
  const bootId = (await c.readFile(c.host.at("proc/sys/kernel/random/boot_id"), "utf8")).trim();
  await c.writeFile(stateFile(c), JSON.stringify({ version: 1, bootId, entries: list }));
}

const bootId = "proc/sys/kernel/random/boot_id";

/** The rows about the agent's own state. */
export function stateRows(): HostileRow[] {
  return [
    {
      name: "an originals file that is a FIFO is refused without waiting on it",
      first: "apply",
      plant: (c) => c.host.fifo("run/nettune/originals.json"),
      refuses: /is not a regular file/,
    },
    {
      name: "an originals file that is a link to /dev/zero is refused without reading it",
      first: "apply",
      plant: (c) => c.host.link("run/nettune/originals.json", "/dev/zero"),
      refuses: /is a symlink/,
    },
    {
      name: "an originals file of 20 MB is refused without reading it all",
      first: "apply",
      plant: (c) => c.writeFile(stateFile(c), `{"entries":[]${" ".repeat(20_000_000)}}`),
      refuses: /larger than/,
    },
    {
      name: "a truncated originals file is refused and left as it is",
      first: "apply",
      plant: async (c) =>
        c.writeFile(stateFile(c), (await c.readFile(stateFile(c), "utf8")).slice(0, 80)),
      refuses: /is not JSON/,
    },
    {
      name: "an unparsable originals file never writes through a link planted at its .corrupt name",
      first: "apply",
      plant: async (c) => {
        await c.writeFile(stateFile(c), "{ not json");
        await c.symlink(await c.host.decoy("corrupt-victim"), `${stateFile(c)}.corrupt`);
      },
      refuses: /is not JSON/,
    },
    {
      name: "an originals file that is a directory is refused",
      plant: async (c) => {
        await c.rm(stateFile(c), { force: true });
        await (await import("node:fs/promises")).mkdir(stateFile(c), { recursive: true });
      },
      refuses: /is not a regular file/,
    },
    {
      name: "an originals file that is a link to a state file outside is refused",
      first: "apply",
      plant: async (c) => {
        const outside = await c.host.decoy("originals.json");
        await c.writeFile(outside, await c.readFile(stateFile(c), "utf8"));
        await c.host.link("run/nettune/originals.json", outside);
      },
      refuses: /is a symlink/,
    },
    {
      name: "an originals entry of a target kind the agent does not know is refused, not dropped",
      first: "apply",
      plant: async (c) =>
        writeV1(c, [
          ...(await entries(c)),
          { key: "x", target: { kind: "mystery" }, original: "1" },
        ]),
      refuses: /not a target NetTune may change/,
    },
    {
      name: "an originals entry outside the allowlist is refused, not dropped",
      first: "apply",
      plant: async (c) =>
        writeV1(c, [
          ...(await entries(c)),
          {
            key: "/proc/sys/kernel/panic",
            target: { kind: "proc", path: "sys/kernel/panic" },
            original: "0",
          },
        ]),
      refuses: /not a target NetTune may change/,
    },
    {
      name: "a revert refuses an originals file with an entry it does not know instead of skipping it",
      first: "apply",
      command: "revert",
      plant: async (c) =>
        writeV1(c, [
          { key: "x", target: { kind: "mystery" }, original: "1" },
          ...(await entries(c)),
        ]),
      refuses: /not a target NetTune may change/,
    },
    {
      name: "an originals file whose checksum fails (an original changed by hand) is refused",
      first: "apply",
      plant: async (c) => {
        const text = await c.readFile(stateFile(c), "utf8");
        await c.writeFile(stateFile(c), text.replace('"original": "4096"', '"original": "1"'));
      },
      refuses: /fails its checksum/,
    },
    {
      name: "an originals file of an unknown version is refused",
      first: "apply",
      plant: async (c) =>
        c.writeFile(stateFile(c), JSON.stringify({ version: 3, bootId: "x", entries: [] })),
      refuses: /unknown version/,
    },
    {
      name: "an originals file that is a JSON array is refused, not taken for no originals",
      first: "apply",
      plant: (c) => c.writeFile(stateFile(c), "[]"),
      refuses: /not a NetTune state file|unknown version/,
    },
    {
      name: "an originals file that records one target twice is refused",
      first: "apply",
      plant: async (c) => {
        const list = await entries(c);
        await writeV1(c, [...list, list[0]]);
      },
      refuses: /one target twice/,
    },
    {
      name: "originals.json removed while the previous generation holds originals is refused",
      first: "apply",
      plant: async (c) => {
        await c.cli("apply");
        const text = await c.readFile(stateFile(c), "utf8");
        await c.writeFile(path.join(c.host.runDir, "originals.previous.json"), text);
        await c.rm(stateFile(c));
      },
      refuses: /is missing while originals\.previous\.json exists/,
    },
    {
      name: "a boot id that is gone voids no original: the node refuses",
      first: "apply",
      plant: (c) => c.rm(c.host.at(bootId)),
      refuses: /boot id cannot be read/,
    },
    {
      name: "a boot id that is a FIFO voids no original: the node refuses",
      first: "apply",
      plant: (c) => c.host.fifo(bootId),
      refuses: /boot id cannot be read/,
    },
    {
      name: "a boot id of garbage voids no original: the node refuses",
      first: "apply",
      plant: (c) => c.host.put(bootId, "\u0000\u0001 not an id\n"),
      refuses: /boot id cannot be read/,
    },
    {
      name: "a boot id of megabytes voids no original: the node refuses",
      first: "apply",
      plant: (c) => c.host.put(bootId, "f".repeat(5_000_000)),
      refuses: /boot id cannot be read/,
    },
    {
      name: "a link planted at the originals' old temporary name is never followed",
      plant: async (c) => {
        await (await import("node:fs/promises")).mkdir(c.host.runDir, { recursive: true });
        await c.symlink(await c.host.decoy("tmp-victim"), `${stateFile(c)}.${process.pid}.tmp`);
      },
    },
    {
      name: "a link planted at the resolver's old temporary name is never followed",
      plant: async (c) =>
        c.symlink(
          await c.host.decoy("resolv-victim"),
          c.host.at(`etc/.resolv.conf.nettune.${process.pid}`),
        ),
    },
    {
      name: "a full run directory refuses the apply in one line before any host write",
      plant: (c) => c.host.fullFilesystem("run/nettune", "16k"),
      refuses: /cannot be saved \(ENOSPC\)/,
    },
    {
      name: "a run directory that is a file refuses the apply in one line",
      plant: async (c) => {
        await c.rm(c.host.at("run"), { recursive: true, force: true });
        await c.host.put("run/nettune", "not a directory\n");
      },
      refuses: /cannot be saved/,
    },
    {
      name: "a revert restores every other original when one recorded original cannot be parsed",
      first: "apply",
      command: "revert",
      tampersOriginals: true,
      plant: async (c) => {
        const list = await entries(c);
        const bad = list.find((e) => e.key.endsWith("rx-0/rps_cpus"));
        // Newest first: the bad entry, recorded last, is the first a revert meets.
        await writeV1(c, [...list.filter((e) => e !== bad), { ...bad, original: "zz-not-a-mask" }]);
      },
      check: async (result, { pristine, context }) => {
        failed("rx-0/rps_cpus")(result);
        const somaxconn = await context.readFile(
          context.host.at("proc/sys/net/core/somaxconn"),
          "utf8",
        );
        expect(somaxconn.trim()).toBe(pristine["proc/sys/net/core/somaxconn"]?.trim());
        expect(result.code).toBe(1);
      },
    },
    {
      name: "a /proc/interrupts over the read cap fails IRQ affinity instead of finding no queue IRQs",
      plant: (c) => c.host.put("proc/interrupts", "x".repeat(5 * 1024 * 1024)),
      check: failed("irqAffinity"),
    },
    {
      name: "an unreadable online CPU list fails RPS instead of writing it for CPU 0",
      plant: (c) => c.rm(c.host.at("sys/devices/system/cpu/online")),
      check: (result) => {
        failed("rps")(result);
      },
    },
    {
      name: "an online CPU list that is a FIFO fails RPS instead of writing it for CPU 0",
      plant: (c) => c.host.fifo("sys/devices/system/cpu/online"),
      check: (result) => {
        failed("rps")(result);
      },
    },
    {
      name: "an interface name with terminal escapes is printed escaped",
      output: "table",
      spec: {
        interfaces: [{ match: { namePattern: "*", physicalOnly: false }, txQueueLength: 5000 }],
      },
      plant: (c) => c.host.put("sys/class/net/ev\u001b]0;owned\u0007il/tx_queue_len", "1000\n"),
      check: (result) => {
        expect(result.stdout).toContain("ev\\x1b]0;owned\\x07il");
      },
    },
  ];
}
