// The CLI as the image ships it: started from a V8 startup snapshot built
// from the sources (scripts/build/cli-snapshot.ts), on a real kernel in a
// network namespace, next to the CLI run from its sources.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { SettingResult } from "../../api/v1alpha1/node-network-tuning.ts";
import { buildCLISnapshot } from "../../scripts/build/cli-snapshot.ts";
import { Sandbox, type ExecResult } from "../../test/harness/netns.ts";

const sysctls = {
  "net.core.somaxconn": "8192",
  "net.ipv4.tcp_fin_timeout": "15",
  "net.ipv4.tcp_rmem": "4096 131072 16777216",
};

let work: string;
let blob: string;
let sandbox: Sandbox;
let tuning: string;
let hostSomaxconn: string;

beforeAll(async () => {
  hostSomaxconn = await readFile("/proc/sys/net/core/somaxconn", "utf8");
  work = await mkdtemp(path.join(tmpdir(), "nettune-cli-snapshot-"));
  blob = await buildCLISnapshot(path.join(import.meta.dirname, "../src/cli-snapshot.ts"), work);
  sandbox = await Sandbox.create("ntsnap");
  tuning = path.join(work, "tuning.yaml");
  await writeFile(
    tuning,
    stringify({
      apiVersion: "nettune.io/v1alpha1",
      kind: "NetworkTuning",
      metadata: { name: "three-sysctls" },
      spec: {
        sysctls,
        interfaces: [{ match: { names: ["vA"], physicalOnly: false }, offloads: { gro: false } }],
      },
    }),
  );
}, 120_000);

afterAll(async () => {
  await sandbox.destroy();
  await rm(work, { recursive: true, force: true });
  expect(await readFile("/proc/sys/net/core/somaxconn", "utf8")).toBe(hostSomaxconn);
});

const options = (): string[] => ["--run-dir", path.join(work, "run"), "--output", "json"];
const fromSnapshot = (args: string[]): Promise<ExecResult> =>
  sandbox.exec(process.execPath, ["--snapshot-blob", blob, ...args, ...options()]);
const fromSources = (args: string[]): Promise<ExecResult> => sandbox.agent([...args, ...options()]);
const results = (run: ExecResult): Pick<SettingResult, "name" | "state" | "observed">[] =>
  (JSON.parse(run.stdout) as { results: SettingResult[] }).results.map(
    ({ name, state, observed }) => ({ name, state, observed }),
  );

describe("the CLI from its startup snapshot", () => {
  it("plans exactly what the CLI from its sources plans", async () => {
    const snapshot = await fromSnapshot(["plan", "--file", tuning]);
    expect(snapshot.code, snapshot.stderr).toBe(0);
    const sources = await fromSources(["plan", "--file", tuning]);
    expect(results(snapshot)).toEqual(results(sources));
    expect(results(snapshot)).toHaveLength(4);
  });

  it("applies and reverts on the kernel", async () => {
    const applied = await fromSnapshot(["apply", "--file", tuning]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(results(applied).every((r) => r.state === "Applied")).toBe(true);
    const read = await sandbox.exec("sysctl", ["-n", "net.core.somaxconn"]);
    expect(read.stdout.trim()).toBe("8192");
    const reverted = await fromSnapshot(["revert"]);
    expect(reverted.code, reverted.stderr).toBe(0);
    expect((await sandbox.exec("sysctl", ["-n", "net.core.somaxconn"])).stdout.trim()).not.toBe(
      "8192",
    );
  });

  it("refuses a bad file with the field named, exit 2", async () => {
    const bad = path.join(work, "bad.yaml");
    await writeFile(
      bad,
      stringify({
        apiVersion: "nettune.io/v1alpha1",
        kind: "NetworkTuning",
        spec: { sysctls: { "kernel.panic": "1" } },
      }),
    );
    const refused = await fromSnapshot(["plan", "--file", bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/spec\.sysctls/);
  });
});
