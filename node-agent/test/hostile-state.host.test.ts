// The agent's CLI on a host root that fights back: links out of the root at
// every level, FIFOs, devices, huge and garbage files, an unreadable boot id,
// a tampered or missing originals file, planted side-file names, a full run
// directory. Every row checks the same three promises: nothing outside the
// root changes; the originals are intact (each recorded original is the value
// the file held before) or the node refuses and its state file is left as it
// was; and what the CLI says about a problem is one line.
import { readFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { stringify } from "yaml";
import type { SettingResult } from "../../api/v1alpha1/node-network-tuning.ts";
import { HostileRoot } from "../../test/harness/hostile-root.ts";
import { runCLI } from "../src/cli-main.ts";
import type { HostileRow } from "./hostile-state.kit.ts";
import { hostileRows } from "./hostile-state.rows.ts";

let host: HostileRoot;
let specFile: string;

beforeEach(async () => {
  host = await HostileRoot.create();
  specFile = path.join(host.outside, "spec.yaml");
});
afterEach(async () => {
  await host.destroy();
});

export const baseSpec = {
  interfaces: [
    {
      match: { names: ["sim0"], physicalOnly: false },
      txQueueLength: 5000,
      rps: { cpus: "all" },
      xps: { spread: "all" },
      irqAffinity: { policy: "Spread" },
    },
  ],
  sysctls: { "net.core.somaxconn": "8192", "net.ipv4.tcp_fin_timeout": "30" },
  dns: { node: { singleRequest: "single-request-reopen" } },
};

interface CLIRun {
  code: number;
  stdout: string;
  stderr: string;
  results: SettingResult[];
}

/** The CLI in this process, its output captured. */
async function cli(
  command: "apply" | "revert",
  output = "json",
  extra: string[] = [],
): Promise<CLIRun> {
  const out: string[] = [];
  const err: string[] = [];
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const error = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    err.push(`${args.map(String).join(" ")}\n`);
  });
  try {
    const args = [command, "--root", host.root, "--output", output, ...extra];
    if (command === "apply") args.push("--file", specFile);
    const code = await runCLI(args);
    const stdout = out.join("");
    const results =
      output === "json" && stdout.trim().startsWith("{")
        ? (JSON.parse(stdout) as { results: SettingResult[] }).results
        : [];
    return { code, stdout, stderr: err.join(""), results };
  } finally {
    write.mockRestore();
    error.mockRestore();
  }
}

async function writeSpec(spec: Record<string, unknown>): Promise<void> {
  await writeFile(
    specFile,
    stringify({
      apiVersion: "nettune.io/v1alpha1",
      kind: "NetworkTuning",
      metadata: { name: "t" },
      spec,
    }),
  );
}

/** Every recorded original equals what its file held before the agent first wrote it. */
function expectOriginalsIntact(state: string | undefined, before: Record<string, string>): void {
  if (state === undefined) return;
  const { entries } = JSON.parse(state) as {
    entries: { target: { kind: string; path?: string }; original: string }[];
  };
  for (const { target, original } of entries) {
    if (target.kind !== "proc" && target.kind !== "sys") continue;
    const held = before[`${target.kind}/${target.path ?? ""}`];
    if (held !== undefined) expect([target.path, original]).toEqual([target.path, held.trim()]);
  }
}

const context = {
  get host() {
    return host;
  },
  cli,
  symlink,
  writeFile,
  readFile,
  rm,
};
export type HostileContext = typeof context;

describe("a hostile host root", () => {
  it.each(hostileRows())("$name", async (row: HostileRow) => {
    await writeSpec(row.spec ?? baseSpec);
    const pristine = await host.kernelFiles();
    if (row.first === "apply") expect((await cli("apply")).code).toBe(0);
    await row.plant(context);
    const outsideBefore = await host.outsideFiles();
    const kernelBefore = await host.kernelFiles();
    const stateBefore = await host.stateBytes();

    const result = await cli(row.command ?? "apply", row.output);

    expect(await host.outsideFiles()).toEqual(outsideBefore);
    const problemLines = result.stderr.split("\n").filter(Boolean);
    expect(problemLines.length, result.stderr).toBeLessThanOrEqual(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // eslint-disable-next-line no-control-regex -- raw control characters are what must not appear
    expect(result.stdout + result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    if (row.refuses) {
      expect([result.code, result.stderr]).toEqual([2, expect.stringMatching(row.refuses)]);
      expect(await host.stateBytes()).toBe(stateBefore);
      expect(await host.kernelFiles()).toEqual(kernelBefore);
    } else if (!row.tampersOriginals) {
      expectOriginalsIntact(await host.stateBytes(), pristine);
    }
    await row.check?.(result, { pristine, kernelBefore, context });
  });
});
