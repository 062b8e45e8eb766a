import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NodeNetworkTuningSpec } from "../../api/v1alpha1/node-network-tuning.ts";
import { enact, revertAll } from "../src/engine/enact.ts";
import type { HostPaths } from "../src/host/paths.ts";
import { buildTwoSocketHost, ixgbeEthtool, twoSocket } from "./fixtures/two-socket-host.ts";

let root: string;
let paths: HostPaths;

beforeEach(async () => {
  ({ root, paths } = await buildTwoSocketHost());
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const spec = (
  irqAffinity: NonNullable<NonNullable<NodeNetworkTuningSpec["interfaces"]>[number]["irqAffinity"]>,
): NodeNetworkTuningSpec => ({
  interfaces: [{ match: { names: ["eth0"] }, irqAffinity }],
});

async function affinity(irq: number): Promise<string> {
  return (await readFile(path.join(paths.proc, `irq/${irq}/smp_affinity_list`), "utf8")).trim();
}

const queueIRQ = (queue: number): number => twoSocket.firstIRQ + queue;

describe("IRQ affinity on a 2-socket host with a 16-queue NIC (fixture tree)", () => {
  it.each([
    {
      name: "spreads 16 queue IRQs over the 8 local physical cores, then the 8 remote ones, siblings last",
      irqAffinity: { policy: "Spread" as const },
      want: [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7].map(String),
    },
    {
      name: "uses siblings of local cores before remote cores when siblings are not put last",
      irqAffinity: { policy: "Spread" as const, siblingsLast: false },
      want: [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31].map(String),
    },
    {
      name: "spreads in CPU order when NUMA locality is off",
      irqAffinity: { policy: "Spread" as const, numaLocalFirst: false },
      want: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map(String),
    },
    {
      name: "cycles over a CPU list smaller than the queue count",
      irqAffinity: { policy: "Spread" as const, cpus: "8-11" },
      want: Array.from({ length: 16 }, (_, q) => String(8 + (q % 4))),
    },
    {
      name: "pins every queue IRQ to the whole list",
      irqAffinity: { policy: "Pin" as const, cpus: "24-31" },
      want: Array.from({ length: 16 }, () => "24-31"),
    },
  ])("$name", async ({ irqAffinity, want }) => {
    const outcome = await enact(spec(irqAffinity), { paths, run: ixgbeEthtool });
    expect(outcome.results.every((r) => r.state === "Applied")).toBe(true);
    const got = await Promise.all(
      Array.from({ length: twoSocket.queues }, (_, q) => affinity(queueIRQ(q))),
    );
    expect(got).toEqual(want);
  });

  it("finds queue vectors through msi_irqs and /proc/interrupts and leaves the link vector alone", async () => {
    const outcome = await enact(spec({ policy: "Spread" }), { paths, run: ixgbeEthtool });
    expect(outcome.results).toHaveLength(16);
    expect(outcome.results[0]).toMatchObject({
      name: "eth0/irq/98",
      desired: "8",
      original: "0-31",
      state: "Applied",
    });
    expect(await affinity(twoSocket.linkIRQ)).toBe("0-31");
    expect(outcome.facts.interfaces[0]).toMatchObject({
      driver: "ixgbe",
      numaNode: 1,
      defaultRoute: true,
      physical: true,
    });
  });

  it("restores every IRQ's original affinity on revert", async () => {
    await enact(spec({ policy: "Spread" }), { paths, run: ixgbeEthtool });
    const reverted = await revertAll({ paths, run: ixgbeEthtool });
    expect(reverted).toHaveLength(16);
    for (let q = 0; q < twoSocket.queues; q++) expect(await affinity(queueIRQ(q))).toBe("0-31");
  });

  it("spreads RPS and XPS masks over the NIC's 16 queues in the kernel's hex format", async () => {
    await enact(
      {
        interfaces: [
          {
            match: { names: ["eth0"] },
            rps: { cpus: "numa-local" },
            xps: { spread: "numa-local" },
          },
        ],
      },
      { paths, run: ixgbeEthtool },
    );
    const read = (file: string): Promise<string> =>
      readFile(path.join(paths.sys, "class/net/eth0/queues", file), "utf8");
    expect((await read("rx-0/rps_cpus")).trim()).toBe("ff00ff00");
    expect((await read("tx-0/xps_cpus")).trim()).toBe("100");
    expect((await read("tx-15/xps_cpus")).trim()).toBe("80000000");
  });
});
