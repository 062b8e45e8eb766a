import type { SettingResult } from "../../../api/v1alpha1/node-network-tuning.ts";
import { ownedByCNI, type CNIConfig } from "../facts/cni.ts";
import type { KubeProxyWrites } from "../facts/kube-proxy.ts";
import { targetKey } from "../host/targets.ts";
import type { PlannedSetting } from "../tuners/types.ts";

/** The programs NetTune knows to write node settings; also the `writer` label of its metrics. */
export type WriterKind = "kube-proxy" | "cni";

/** Another program that writes a setting NetTune manages, and what it writes there. */
export interface OtherWriter {
  /** The NetTune setting, such as "conntrack.max". */
  setting: string;
  kind: WriterKind;
  /** Who, for people: "kube-proxy (pid 812)", "the CNI calico". */
  writer: string;
  /** What it writes each time it starts; undefined when it is its own business (a CNI). */
  value?: string;
  /** What NetTune holds the setting to. */
  desired: string;
  /** The change that ends the tug of war. */
  fix: string;
}

/** What is known of the node's other writers. */
export interface WriterFacts {
  kubeProxy?: KubeProxyWrites;
  cni?: CNIConfig;
}

const netfilterPrefix = "/proc/sys/net/netfilter/";

/**
 * The settings of a plan that another program also writes. kube-proxy writes
 * connection tracking when it starts (matched by the file); NetTune, which
 * re-applies on drift, holds, and the report says which kube-proxy setting to
 * turn off. A CNI owns forwarding and rp_filter for pod traffic: NetTune
 * reports them and leaves the decision to people.
 */
export function otherWriters(planned: PlannedSetting[], facts: WriterFacts): OtherWriter[] {
  return planned.flatMap((setting) => {
    const found = [kubeProxyWriter(setting, facts.kubeProxy), cniWriter(setting, facts.cni)];
    return found.filter((w): w is OtherWriter => w !== undefined);
  });
}

function kubeProxyWriter(
  setting: PlannedSetting,
  kubeProxy: KubeProxyWrites | undefined,
): OtherWriter | undefined {
  const file = setting.target ? targetKey(setting.target) : "";
  const write = kubeProxy?.writes.find((w) => `${netfilterPrefix}${w.sysctl}` === file);
  if (!kubeProxy || !write) return undefined;
  return {
    setting: setting.name,
    kind: "kube-proxy",
    writer: `kube-proxy (pid ${kubeProxy.pid})`,
    value: write.value,
    desired: setting.desired,
    fix: `set ${write.fix}`,
  };
}

function cniWriter(setting: PlannedSetting, cni: CNIConfig | undefined): OtherWriter | undefined {
  const key = setting.name.startsWith("sysctl/") ? setting.name.slice("sysctl/".length) : "";
  if (!cni || !ownedByCNI(key)) return undefined;
  return {
    setting: setting.name,
    kind: "cni",
    writer: `the CNI ${cni.plugin} (${cni.file})`,
    desired: setting.desired,
    fix: "leave it to the CNI: remove it from the tuning",
  };
}

/** Results with the other writers of each setting named on it. */
export function withOtherWriters(
  results: SettingResult[],
  writers: OtherWriter[],
): SettingResult[] {
  if (writers.length === 0) return results;
  const bySetting = new Map<string, string[]>();
  for (const w of writers) bySetting.set(w.setting, [...(bySetting.get(w.setting) ?? []), w.kind]);
  return results.map((r) => {
    const names = bySetting.get(r.name);
    return names ? { ...r, alsoWrittenBy: names } : r;
  });
}

/** The writers that fight NetTune: a different value at each start, or a CNI's own setting. */
export function conflicting(writers: OtherWriter[]): OtherWriter[] {
  return writers.filter((w) => w.value !== w.desired);
}

/** One writer's conflict, for people. */
export function describeConflict(w: OtherWriter): string {
  return w.value === undefined
    ? `${w.writer} manages ${w.setting} (NetTune sets ${w.desired}): ${w.fix}`
    : `${w.writer} writes ${w.setting}=${w.value} at its start (NetTune holds ${w.desired}): ${w.fix}`;
}
