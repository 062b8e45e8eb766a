// node-agent plan|apply|revert|inventory --file tuning.yaml
// Runs the tuners on this host without a cluster, printing one row per setting.
import path from "node:path";
import type { parseArgs } from "node:util";
import { stringify } from "yaml";
import { enact, InvalidSpecError, revertAll, type EnactDeps } from "./engine/enact.ts";
import { StateError } from "./engine/state-error.ts";
import { escapeControl } from "./table.ts";
import { hostInventory } from "./facts/inventory.ts";
import { gatherNodeFacts } from "./facts/gather.ts";
import { execRunner } from "./host/commands.ts";
import { Ethtool } from "./host/ethtool.ts";
import { hostPathsUnder } from "./host/paths.ts";
import { loadSpecFile, SpecFileError } from "./load-spec.ts";
import { formatDiagnosis, formatResults } from "./table.ts";
import { diagnose } from "./engine/diagnose.ts";
import { readCounterSample, readNodeBounds } from "./facts/symptom-counters.ts";
import { PhysicalNICs } from "./facts/physical-nics.ts";
import { conflicting, describeConflict } from "./engine/writer-conflicts.ts";

const usage = `usage: node-agent <plan|apply|revert|inventory|diagnose> [--file tuning.yaml|-] [--root /]
                  [--run-dir ROOT/run/nettune] [--resolv-conf /etc/resolv.conf] [--output table|json]
                  [--from-previous] [--window 6] [--interval 2]
  plan       show what apply would change; writes nothing
  apply      apply the file's settings (Audit mode in the file plans only)
  revert     restore every value NetTune changed on this node; --from-previous restores
             from the generation kept before an originals file that cannot be trusted
  inventory  print the node's NICs, CPUs, conntrack and resolver options
  diagnose   read the kernel's drop and overflow counters every --interval seconds for
             --window seconds; print each symptom that held throughout, with its remedy`;

const options = {
  file: { type: "string", short: "f" },
  root: { type: "string", default: "/" },
  // Under --root when not given: a plan against a mounted root reads that root's originals.
  "run-dir": { type: "string" },
  "resolv-conf": { type: "string" },
  output: { type: "string", default: "table" },
  "from-previous": { type: "boolean" },
  window: { type: "string", default: "6" },
  interval: { type: "string", default: "2" },
  "kill-before-write": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof options; allowPositionals: true }>
>["values"];

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArguments(argv);
  const command = positionals[0];
  if (values.help || command === undefined) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const handler = commands[command];
  if (!handler) throw new UsageError(`unknown command ${command}`);
  return handler(values, depsFrom(values));
}

function parseArguments(argv: string[]): { values: Values; positionals: string[] } {
  // node:util's CommonJS exports: an ES import would read its lazy getters (docs/adr/0011).
  const { parseArgs } = process.getBuiltinModule("node:util");
  try {
    return parseArgs({ args: argv, allowPositionals: true, options });
  } catch (cause) {
    // node:util marks every argument problem with an ERR_PARSE_ARGS_* code.
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_"))
      throw new UsageError((cause as Error).message, { cause });
    throw cause;
  }
}

type Command = (values: Values, deps: EnactDeps) => Promise<number>;

const commands: Record<string, Command> = {
  plan: (values, deps) => planOrApply("plan", values, deps),
  apply: (values, deps) => planOrApply("apply", values, deps),
  revert: async (values, deps) => {
    const rows = await revertAll(deps, values["from-previous"] ? "previous" : "current");
    print(
      values.output === "json" ? JSON.stringify({ results: rows }, null, 2) : formatResults(rows),
    );
    return rows.some((r) => r.state === "Failed") ? 1 : 0;
  },
  inventory: async (values, deps) => {
    const facts = await gatherNodeFacts({ paths: deps.paths, ethtool: new Ethtool(deps.run) });
    const inventory = await hostInventory(facts, deps.paths);
    print(values.output === "json" ? JSON.stringify(inventory, null, 2) : stringify(inventory));
    return 0;
  },
  diagnose: async (values, deps) => {
    const { window, interval } = diagnosisWindow(values);
    const ethtool = new Ethtool(deps.run);
    const nics = new PhysicalNICs(deps.paths);
    const diagnosis = await diagnose(
      {
        sample: async (atMs) =>
          readCounterSample(deps.paths, atMs, await nics.current(), {
            driverOf: (name) => nics.driverOf(name),
            // A new Ethtool each sample: its answers are cached for its life.
            statistics: (name) => new Ethtool(deps.run).statistics(name),
          }),
        bounds: (last, ringsOf) => readNodeBounds(deps.paths, ethtool, last, ringsOf),
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      },
      interval * 1000,
      window / interval,
    );
    print(
      values.output === "json" ? JSON.stringify(diagnosis, null, 2) : formatDiagnosis(diagnosis),
    );
    return 0;
  },
};

/** --window and --interval in whole seconds; the window a whole number of intervals, at least two. */
function diagnosisWindow(values: Values): { window: number; interval: number } {
  const window = Number(values.window);
  const interval = Number(values.interval);
  if (!Number.isInteger(interval) || interval < 1 || interval > 300)
    throw new UsageError("--interval must be a whole number of seconds from 1 to 300");
  if (
    !Number.isInteger(window) ||
    window % interval !== 0 ||
    window / interval < 2 ||
    window > 3600
  )
    throw new UsageError(
      "--window must be at least two --intervals, a multiple of it, at most 3600 seconds",
    );
  return { window, interval };
}

async function planOrApply(
  command: "plan" | "apply",
  values: Values,
  deps: EnactDeps,
): Promise<number> {
  if (!values.file) throw new UsageError(`${command} needs --file`);
  const { name, spec } = await loadSpecFile(values.file);
  const outcome = await enact(spec, deps, { auditOnly: command === "plan", source: name });
  const rows = [...outcome.results, ...outcome.reverted];
  const stale = outcome.discardedStaleOriginals;
  // Other programs that undo NetTune's values (kube-proxy, TuneD, the CNI), with the fix.
  const conflicts = conflicting(outcome.otherWriters).map(describeConflict);
  print(
    values.output === "json"
      ? JSON.stringify(
          { mode: outcome.mode, results: rows, conflicts, discardedStaleOriginals: stale },
          null,
          2,
        )
      : formatResults(rows) + conflicts.map((c) => `conflict: ${c}\n`).join(""),
  );
  if (stale > 0 && values.output !== "json")
    console.error(`note: dropped ${stale} originals recorded in an earlier boot`);
  return rows.some((r) => r.state === "Failed") ? 1 : 0;
}

function depsFrom(values: Values): EnactDeps {
  const paths = hostPathsUnder(
    values.root,
    values["run-dir"] ?? path.join(values.root, "run/nettune"),
  );
  if (values["resolv-conf"] !== undefined) paths.resolvConf = values["resolv-conf"];
  const deps: EnactDeps = { paths, run: execRunner() };
  const killAt = values["kill-before-write"];
  if (killAt !== undefined) deps.observer = killBeforeWrite(Number(killAt));
  return deps;
}

class UsageError extends Error {
  override name = "UsageError";
}

/** Test hook: dies by SIGKILL just before the n-th write, as a crash between two writes would. */
function killBeforeWrite(n: number): NonNullable<EnactDeps["observer"]> {
  let writes = 0;
  return {
    beforeWrite: () => {
      writes++;
      if (writes === n) process.kill(process.pid, "SIGKILL");
    },
  };
}

/** A message on one line, with the control characters a host name or file could carry shown escaped. */
function oneLine(text: string): string {
  return escapeControl(text.replace(/\s*\n\s*/g, "; "));
}

function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

function report(error: unknown): number {
  if (error instanceof SpecFileError || error instanceof UsageError) {
    console.error(`error: ${error.message}`);
    if (error instanceof UsageError) console.error(usage);
    return 2;
  }
  if (error instanceof InvalidSpecError || error instanceof StateError) {
    console.error(`error: ${oneLine(error.message)}`);
    return 2;
  }
  // Anything else is one line too, with its cause: a person reads it, not a stack.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const message = error instanceof Error ? error.message : String(error);
  console.error(`error: ${oneLine(message)}${cause ? ` (${oneLine(cause.message)})` : ""}`);
  return 1;
}

/** Runs one command line; resolves to the exit code (2 for bad usage or input). */
export function runCLI(argv: string[]): Promise<number> {
  return main(argv).catch(report);
}
