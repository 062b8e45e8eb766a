// Audit tunings checked beside the spec read the node the spec's check read,
// unless that check wrote to it: then each reads the node as the spec left it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NodeNetworkTuningSpec } from "../../api/v1alpha1/node-network-tuning.ts";
import { buildSimulatedHost } from "../../test/harness/simulated-host.ts";
import { enactWithAudits } from "../src/engine/audits.ts";
import type { CommandRunner } from "../src/host/commands.ts";
import { hostPathsUnder } from "../src/host/paths.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "nettune-audits-"));
  await buildSimulatedHost(root, "boot-1");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A runner that counts `ethtool -i`: one per reading of the node's interfaces. */
function countingRunner(): { run: CommandRunner; driverReads: () => number } {
  let reads = 0;
  const run: CommandRunner = (_program, args) => {
    if (args[0] === "-i") reads++;
    return Promise.resolve({ code: 1, stdout: "", stderr: "Operation not supported" });
  };
  return { run, driverReads: () => reads };
}

const withAudits = (somaxconn: string): NodeNetworkTuningSpec => ({
  sysctls: { "net.core.somaxconn": somaxconn },
  audits: [
    { name: "wider-backlog", settings: { sysctls: { "net.core.netdev_max_backlog": "4000" } } },
    {
      name: "sim-rings",
      settings: { interfaces: [{ match: { names: ["sim0"] }, rings: { rx: 512 } }] },
    },
  ],
});

// Reads of sim0: the spec's check reads it for the rings audit too; read again, only that audit
// names an interface.
const cases = [
  {
    sentence: "a spec that wrote nothing lends its reading to every audit",
    somaxconn: "4096",
    reads: 1,
  },
  { sentence: "a spec that wrote has each audit read the node again", somaxconn: "8192", reads: 2 },
];

describe("audits beside the spec", () => {
  it.each(cases)("$sentence", async ({ somaxconn, reads }) => {
    const { run, driverReads } = countingRunner();
    const paths = hostPathsUnder(root, path.join(root, "run/nettune"));
    const result = await enactWithAudits(withAudits(somaxconn), { paths, run }, () => undefined);
    expect(driverReads()).toBe(reads);
    const backlog = result.results.find(
      (r) => r.name === "audit/wider-backlog/sysctl/net.core.netdev_max_backlog",
    );
    expect(backlog?.state).toBe("WouldChange");
    expect(result.results.some((r) => r.name.startsWith("audit/sim-rings/"))).toBe(true);
  });
});
