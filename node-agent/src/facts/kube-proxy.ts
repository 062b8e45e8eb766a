import type { HostPaths } from "../host/paths.ts";
import { flagValue, ProcessTable, readProcessConfig } from "./processes.ts";

/**
 * What a kube-proxy in the agent's network namespace writes into connection
 * tracking each time it starts, as kube-proxy v1.36 computes it
 * (pkg/proxy/conntrack/sysctls.go): values keyed by the file under
 * /proc/sys/net/netfilter, and for each the exact setting that stops it.
 */
export interface KubeProxyWrites {
  pid: number;
  writes: KubeProxyWrite[];
}

export interface KubeProxyWrite {
  /** The file under /proc/sys/net/netfilter, such as "nf_conntrack_max". */
  sysctl: string;
  value: string;
  /** The kube-proxy setting that leaves this file to NetTune. */
  fix: string;
}

interface ConntrackConfig {
  maxPerCore: number;
  min: number;
  tcpEstablishedSeconds: number;
  tcpCloseWaitSeconds: number;
  tcpBeLiberal: boolean;
  udpSeconds: number;
  udpStreamSeconds: number;
}

// kube-proxy's defaults (pkg/proxy/apis/config/v1alpha1/defaults.go); UDP timeouts are left alone.
const defaults: ConntrackConfig = {
  maxPerCore: 32768,
  min: 131072,
  tcpEstablishedSeconds: 86400,
  tcpCloseWaitSeconds: 3600,
  tcpBeLiberal: false,
  udpSeconds: 0,
  udpStreamSeconds: 0,
};

// kube-proxy caps the scaled maximum at 1M entries.
const maxLimit = 1048576;

/** Each conntrack setting: its flag, its config field, and how it is read. */
const fields: {
  key: keyof ConntrackConfig;
  flag: string;
  field: string;
  kind: "int" | "duration" | "bool";
}[] = [
  { key: "maxPerCore", flag: "conntrack-max-per-core", field: "maxPerCore", kind: "int" },
  { key: "min", flag: "conntrack-min", field: "min", kind: "int" },
  {
    key: "tcpEstablishedSeconds",
    flag: "conntrack-tcp-timeout-established",
    field: "tcpEstablishedTimeout",
    kind: "duration",
  },
  {
    key: "tcpCloseWaitSeconds",
    flag: "conntrack-tcp-timeout-close-wait",
    field: "tcpCloseWaitTimeout",
    kind: "duration",
  },
  { key: "tcpBeLiberal", flag: "conntrack-tcp-be-liberal", field: "tcpBeLiberal", kind: "bool" },
  { key: "udpSeconds", flag: "conntrack-udp-timeout", field: "udpTimeout", kind: "duration" },
  {
    key: "udpStreamSeconds",
    flag: "conntrack-udp-timeout-stream",
    field: "udpStreamTimeout",
    kind: "duration",
  },
];

/** A Go duration ("24h0m0s", "1h", "90s", "1.5h") in whole seconds; undefined when malformed. */
export function goDurationSeconds(text: string): number | undefined {
  if (text === "0") return 0;
  const units: Record<string, number> = {
    h: 3600,
    m: 60,
    s: 1,
    ms: 0.001,
    us: 1e-6,
    µs: 1e-6,
    ns: 1e-9,
  };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
  return Math.floor(parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] ?? ""] ?? 0), 0));
}

function parsed(kind: "int" | "duration" | "bool", raw: unknown): number | boolean | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (kind === "bool") return raw === true || raw === "true";
  if (kind === "int") {
    const n = Number(raw);
    return Number.isInteger(n) ? n : undefined;
  }
  return typeof raw === "string" ? goDurationSeconds(raw) : undefined;
}

/** kube-proxy's conntrack settings over its defaults, and per setting the change that turns it off. */
function conntrackSettings(
  argv: string[],
  config: { conntrack?: Record<string, unknown> } | undefined,
  configFile: string | undefined,
): { settings: ConntrackConfig; fixes: Map<keyof ConntrackConfig, string> } {
  const settings: ConntrackConfig = { ...defaults };
  const fixes = new Map<keyof ConntrackConfig, string>();
  for (const { key, flag, field, kind } of fields) {
    const raw = configFile ? config?.conntrack?.[field] : flagValue(argv, flag, kind === "bool");
    const value = parsed(kind, raw);
    if (value !== undefined) (settings as unknown as Record<string, number | boolean>)[key] = value;
    const off = kind === "duration" ? "0s" : kind === "bool" ? "false" : "0";
    fixes.set(key, configFile ? `conntrack.${field}: ${off} in ${configFile}` : `--${flag}=${off}`);
  }
  return { settings, fixes };
}

/**
 * What kube-proxy writes, from its command line and, when it runs with
 * --config, its configuration's `conntrack` section (the file then wins:
 * kube-proxy ignores its conntrack flags).
 */
export function kubeProxyWrites(
  argv: string[],
  config: { conntrack?: Record<string, unknown> } | undefined,
  cpus: number,
  configFile?: string,
): KubeProxyWrite[] {
  const { settings, fixes } = conntrackSettings(argv, config, configFile);
  const writes: KubeProxyWrite[] = [];
  const add = (sysctl: string, value: number, key: keyof ConntrackConfig): void => {
    if (value > 0) writes.push({ sysctl, value: String(value), fix: fixes.get(key) ?? "" });
  };
  if (settings.maxPerCore > 0)
    add(
      "nf_conntrack_max",
      Math.min(maxLimit, Math.max(settings.maxPerCore * cpus, settings.min)),
      "maxPerCore",
    );
  add(
    "nf_conntrack_tcp_timeout_established",
    settings.tcpEstablishedSeconds,
    "tcpEstablishedSeconds",
  );
  add("nf_conntrack_tcp_timeout_close_wait", settings.tcpCloseWaitSeconds, "tcpCloseWaitSeconds");
  add("nf_conntrack_tcp_be_liberal", settings.tcpBeLiberal ? 1 : 0, "tcpBeLiberal");
  add("nf_conntrack_udp_timeout", settings.udpSeconds, "udpSeconds");
  add("nf_conntrack_udp_timeout_stream", settings.udpStreamSeconds, "udpStreamSeconds");
  return writes;
}

/**
 * The kube-proxy running in the same network namespace as the agent, if
 * any: its command line and configuration file are read through the host's
 * /proc (the file through /proc/PID/root, as kube-proxy's container sees it).
 */
export async function findKubeProxy(
  paths: HostPaths,
  cpus: number,
  processes = new ProcessTable(paths.proc),
): Promise<KubeProxyWrites | undefined> {
  for (const proxy of await processes.inOwnNetns("kube-proxy")) {
    const { pid, argv } = proxy;
    if (argv.includes("--init-only") || argv.includes("--cleanup")) continue;
    const configFile = flagValue(argv, "config");
    const config = configFile ? await readProcessConfig(proxy, configFile) : undefined;
    return { pid, writes: kubeProxyWrites(argv, config, cpus, configFile) };
  }
  return undefined;
}
