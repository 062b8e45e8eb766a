import type { SettingResult } from "../../../api/v1alpha1/node-network-tuning.ts";
import type { KubeProxyWrites } from "../facts/kube-proxy.ts";
import { targetKey } from "../host/targets.ts";
import type { PlannedSetting } from "../tuners/types.ts";

/** Another program that writes a setting NetTune manages, and what it writes there. */
export interface OtherWriter {
  /** The NetTune setting, such as "conntrack.max". */
  setting: string;
  /** Who, such as "kube-proxy (pid 812)". */
  writer: string;
  /** What it writes each time it starts. */
  value: string;
  /** What NetTune holds the setting to. */
  desired: string;
  /** The change to the other program that leaves the setting to NetTune. */
  fix: string;
}

const netfilterPrefix = "/proc/sys/net/netfilter/";

/**
 * The settings of a plan that kube-proxy also writes, matched by the file they
 * write. kube-proxy writes conntrack only when it starts, so NetTune, which
 * re-applies on drift, is the one that holds; the report says which of
 * kube-proxy's settings to turn off so that nothing undoes NetTune at a
 * kube-proxy restart. A value kube-proxy writes that equals NetTune's is no
 * conflict, but it is still listed on the setting.
 */
export function otherWriters(
  planned: PlannedSetting[],
  kubeProxy: KubeProxyWrites | undefined,
): OtherWriter[] {
  if (!kubeProxy) return [];
  const byFile = new Map(kubeProxy.writes.map((w) => [`${netfilterPrefix}${w.sysctl}`, w]));
  return planned.flatMap((setting) => {
    const write = setting.target ? byFile.get(targetKey(setting.target)) : undefined;
    if (!write) return [];
    return [
      {
        setting: setting.name,
        writer: `kube-proxy (pid ${kubeProxy.pid})`,
        value: write.value,
        desired: setting.desired,
        fix: write.fix,
      },
    ];
  });
}

/** Results with the other writers of each setting named on it. */
export function withOtherWriters(
  results: SettingResult[],
  writers: OtherWriter[],
): SettingResult[] {
  if (writers.length === 0) return results;
  const bySetting = new Map<string, string[]>();
  for (const w of writers)
    bySetting.set(w.setting, [...(bySetting.get(w.setting) ?? []), "kube-proxy"]);
  return results.map((r) => {
    const names = bySetting.get(r.name);
    return names ? { ...r, alsoWrittenBy: names } : r;
  });
}

/** The writers whose value differs from NetTune's: a tug of war at each of their restarts. */
export function conflicting(writers: OtherWriter[]): OtherWriter[] {
  return writers.filter((w) => w.value !== w.desired);
}
