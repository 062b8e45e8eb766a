import path from "node:path";
import { CPUListError, parseCPUList } from "../../../api/helpers/cpu-list.ts";
import type { HostPaths } from "../host/paths.ts";
import { readHostFile } from "../host/host-read.ts";
import type { KnownProcesses } from "./known-processes.ts";
import { flagValue, ProcessTable, readProcessConfig } from "./processes.ts";

/**
 * The CPUs the kubelet leaves to the system and to pods that share CPUs:
 * where NIC interrupts and packet steering belong, away from the CPUs the
 * static CPU manager gives Guaranteed pods for themselves.
 */
export interface HousekeepingCPUs {
  cpus: number[];
  /** Where they come from, for people: "reservedSystemCPUs in /var/lib/kubelet/config.yaml". */
  source: string;
}

/** What the kubelet says about its CPUs, as read from its flags, configuration and state. */
export interface KubeletCPUSettings {
  /** --reserved-cpus, or reservedSystemCPUs in its configuration file. */
  reserved?: { list: string; from: string };
  /** The static CPU manager's shared pool (defaultCpuSet), when its state file exists. */
  shared?: { list: string; from: string };
}

/**
 * Housekeeping CPUs from the kubelet's settings, narrowed to online CPUs:
 * the reserved CPUs when set, else the CPU manager's shared pool, else every
 * online CPU (no kubelet, or nothing isolated).
 */
export function housekeepingCPUs(settings: KubeletCPUSettings, online: number[]): HousekeepingCPUs {
  const isOnline = new Set(online);
  for (const [kind, entry] of [
    ["reserved", settings.reserved],
    ["shared", settings.shared],
  ] as const) {
    if (!entry) continue;
    let cpus: number[];
    try {
      cpus = parseCPUList(entry.list).filter((cpu) => isOnline.has(cpu));
    } catch (cause) {
      if (!(cause instanceof CPUListError)) throw cause;
      continue; // a list the kubelet itself would refuse: look further
    }
    if (cpus.length > 0)
      return {
        cpus,
        source: `${kind === "reserved" ? "the kubelet's reserved CPUs" : "the CPU manager's shared pool"} (${entry.from})`,
      };
  }
  return {
    cpus: online,
    source: "every online CPU (no kubelet CPU reservation or CPU manager state found)",
  };
}

/** The static CPU manager's shared pool from its state file's JSON; undefined for any other policy. */
export function sharedPool(text: string): string | undefined {
  try {
    const state = JSON.parse(text) as { policyName?: unknown; defaultCpuSet?: unknown };
    return state.policyName === "static" && typeof state.defaultCpuSet === "string"
      ? state.defaultCpuSet
      : undefined;
  } catch {
    return undefined; // the kubelet rewrites the file; a half-written one is read next time
  }
}

/**
 * The kubelet's CPU settings, read through the host's /proc: its flags, its
 * --config file and its CPU manager state (under --root-dir), both through
 * /proc/PID/root as the kubelet sees them. Nothing when no kubelet runs.
 */
export async function findKubeletCPUs(
  paths: HostPaths,
  known?: KnownProcesses,
): Promise<KubeletCPUSettings> {
  const [kubelet] = await new ProcessTable(paths.proc, known).named("kubelet");
  if (!kubelet) return {};
  const { argv, root } = kubelet;
  const settings: KubeletCPUSettings = {};
  const reservedFlag = flagValue(argv, "reserved-cpus");
  const configFile = flagValue(argv, "config");
  if (reservedFlag) settings.reserved = { list: reservedFlag, from: "--reserved-cpus" };
  else if (configFile) {
    const reserved = reservedIn(await readProcessConfig(kubelet, configFile));
    if (reserved)
      settings.reserved = { list: reserved, from: `reservedSystemCPUs in ${configFile}` };
  }
  const stateFile = path.join(
    flagValue(argv, "root-dir") ?? "/var/lib/kubelet",
    "cpu_manager_state",
  );
  const state = await readHostFile(root, path.join(root, stateFile)).catch(() => undefined);
  const shared = state === undefined ? undefined : sharedPool(state);
  if (shared !== undefined) settings.shared = { list: shared, from: stateFile };
  return settings;
}

/** reservedSystemCPUs of a kubelet configuration, when set. */
function reservedIn(config: Record<string, unknown> | undefined): string | undefined {
  const reserved = config?.reservedSystemCPUs;
  return typeof reserved === "string" && reserved.trim() !== "" ? reserved.trim() : undefined;
}
