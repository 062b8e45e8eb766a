import type { ConntrackTimeouts, ConntrackTuning } from "../../../api/v1alpha1/conntrack.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { step, verdict, type PlannedSetting } from "./types.ts";

export interface ConntrackContext {
  onlineCPUs: number;
  /** nf_conntrack_max now, when conntrack is loaded. */
  currentMax?: number;
  initialNetns: boolean;
  source?: string;
}

const timeoutSysctls: Record<keyof ConntrackTimeouts, string> = {
  tcpEstablishedSeconds: "nf_conntrack_tcp_timeout_established",
  tcpCloseWaitSeconds: "nf_conntrack_tcp_timeout_close_wait",
  tcpTimeWaitSeconds: "nf_conntrack_tcp_timeout_time_wait",
  udpSeconds: "nf_conntrack_udp_timeout",
  udpStreamSeconds: "nf_conntrack_udp_timeout_stream",
};

const netfilter = (name: string): { kind: "proc"; path: string } => ({
  kind: "proc",
  path: `sys/net/netfilter/${name}`,
});

/** Table size, hash buckets, timeouts and liberal TCP tracking. */
export function planConntrack(
  desired: ConntrackTuning,
  context: ConntrackContext,
): PlannedSetting[] {
  const { source } = context;
  const planned: PlannedSetting[] = [];
  const max = tableSize(desired, context.onlineCPUs);
  if (max !== undefined) {
    const current = context.currentMax;
    // Only a larger table is kept; one of exactly the asked size is simply already set.
    if (desired.onlyRaise && current !== undefined && current > max) {
      planned.push({
        ...step(
          "conntrack.max",
          String(current),
          netfilter("nf_conntrack_max"),
          source,
          `kept ${current}: onlyRaise and ${max} is not larger`,
        ),
        heldReason: SettingReason.KeptLarger,
      });
    } else {
      planned.push(step("conntrack.max", String(max), netfilter("nf_conntrack_max"), source));
    }
  }
  if (desired.buckets !== undefined) {
    planned.push(
      context.initialNetns
        ? step(
            "conntrack.buckets",
            String(desired.buckets),
            { kind: "sys", path: "module/nf_conntrack/parameters/hashsize" },
            source,
          )
        : verdict(
            "conntrack.buckets",
            String(desired.buckets),
            "Skipped",
            SettingReason.ReadOnlyInNamespace,
            "conntrack buckets: the hash table is global and only the initial network namespace may resize it",
            source,
          ),
    );
  }
  for (const [field, sysctl] of Object.entries(timeoutSysctls) as [
    keyof ConntrackTimeouts,
    string,
  ][]) {
    const seconds = desired.timeouts?.[field];
    if (seconds !== undefined)
      planned.push(step(`conntrack.timeouts.${field}`, String(seconds), netfilter(sysctl), source));
  }
  if (desired.tcpBeLiberal !== undefined) {
    planned.push(
      step(
        "conntrack.tcpBeLiberal",
        desired.tcpBeLiberal ? "1" : "0",
        netfilter("nf_conntrack_tcp_be_liberal"),
        source,
      ),
    );
  }
  return planned;
}

/** max, or maxPerCore x CPUs but at least min. */
export function tableSize(desired: ConntrackTuning, onlineCPUs: number): number | undefined {
  if (desired.max !== undefined) return desired.max;
  if (desired.maxPerCore === undefined) return undefined;
  return Math.max(desired.maxPerCore * onlineCPUs, desired.min ?? 0);
}
