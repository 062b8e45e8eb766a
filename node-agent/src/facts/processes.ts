import path from "node:path";
import {
  listHostDir,
  processIdentity,
  readHostFile,
  readHostFiles,
  readHostLink,
} from "../host/host-read.ts";
import { argvFromCmdline, type KnownProcesses } from "./known-processes.ts";

/** A running process as /proc shows it. */
export interface HostProcess {
  pid: number;
  argv: string[];
  /** Its own view of the filesystem: /proc/PID/root, where its files are read. */
  root: string;
}

/**
 * The host's processes, read from /proc once on first use and shared by the
 * finders of one check (kube-proxy, the container runtime, TuneD), so that a
 * check walks /proc at most once however many programs it looks for.
 */
export class ProcessTable {
  private walk: Promise<HostProcess[]> | undefined;
  private readonly proc: string;
  private readonly known: KnownProcesses | undefined;

  /** `known`: the running agent's command lines from its last walk, read again only where changed. */
  constructor(proc: string, known?: KnownProcesses) {
    this.proc = proc;
    this.known = known;
  }

  /** The processes whose program is named `name` (kube-proxy, kubelet, tuned). */
  async named(name: string): Promise<HostProcess[]> {
    this.walk ??= readProcesses(this.proc, this.known);
    return (await this.walk).filter((p) => programName(p.argv) === name);
  }

  /**
   * The processes named `name` in the agent's own network namespace: the
   * per-namespace settings they write are the agent's too. None when the
   * namespaces cannot be read.
   */
  async inOwnNetns(name: string): Promise<HostProcess[]> {
    const netns = (pid: string): Promise<string | undefined> =>
      readHostLink(this.proc, path.join(this.proc, pid, "ns/net"));
    const own = await netns("self");
    if (own === undefined) return [];
    const found: HostProcess[] = [];
    for (const process of await this.named(name))
      if ((await netns(String(process.pid))) === own) found.push(process);
    return found;
  }
}

async function readProcesses(proc: string, known?: KnownProcesses): Promise<HostProcess[]> {
  // /proc is the root of these reads: no link can lead them out of it.
  const pids = (await listHostDir(proc, proc)).filter((e) => /^\d+$/.test(e));
  // A command line is empty when the process ended, or hides it, while the list is read.
  const readCmdlines = (some: string[]): Promise<(string | undefined)[]> =>
    readHostFiles(
      proc,
      some.map((pid) => path.join(proc, pid, "cmdline")),
    );
  const argvs = known
    ? await known.argvOf(pids, (pid) => processIdentity(proc, pid), readCmdlines)
    : new Map((await readCmdlines(pids)).map((text, i) => [pids[i] ?? "", argvFromCmdline(text)]));
  // In the order /proc lists them, whichever were known before.
  return pids.flatMap((pid) => {
    const argv = argvs.get(pid) ?? [];
    return argv.length > 0 ? [{ pid: Number(pid), argv, root: path.join(proc, pid, "root") }] : [];
  });
}

/**
 * The program a command line runs: argv[0], or the script an interpreter
 * runs (TuneD's daemon is "/usr/bin/python3 -Es /usr/sbin/tuned -l -P").
 */
export function programName(argv: string[]): string {
  const first = path.basename(argv[0] ?? "");
  if (!/^(python|perl|ruby)[\d.]*$/.test(first)) return first;
  const script = argv.slice(1).find((arg) => !arg.startsWith("-"));
  return script === undefined ? first : path.basename(script);
}

/**
 * A flag's value in `--name=value` or `--name value` form, the last one
 * winning as in Go's pflag; a boolean flag alone reads "true".
 */
export function flagValue(argv: string[], name: string, boolean = false): string | undefined {
  let value: string | undefined;
  argv.forEach((arg, i) => {
    if (arg === `--${name}`) value = boolean ? "true" : argv[i + 1];
    else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
  });
  return value;
}

/**
 * A process's configuration file (YAML or JSON), read through its root as the
 * process sees it; undefined when it cannot be read or is not an object (the
 * program itself would refuse it). The YAML parser is loaded only here, on
 * nodes where such a file exists.
 */
export async function readProcessConfig(
  owner: HostProcess,
  file: string,
): Promise<Record<string, unknown> | undefined> {
  const text = await readHostFile(owner.root, path.join(owner.root, file)).catch(() => undefined);
  if (text === undefined) return undefined;
  const { parse } = await import("yaml");
  try {
    const value: unknown = parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
