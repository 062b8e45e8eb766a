// The agent's side of bounded auto-tuning (docs/adr/0017), pure: the values the
// operator granted (spec.autoRaised) become settings of the spec the agent
// enacts, so they go through the same plan, originals store, probe gate,
// verify and revert as any other; an explicit value of the tunings wins.
import { explicitlySet } from "../../../api/v1alpha1/contract.ts";
import { Remedy } from "../../../api/v1alpha1/advice.ts";
import { remedySysctl, type AutoRaise } from "../../../api/v1alpha1/auto-tune.ts";
import type {
  NodeNetworkTuningSpec,
  SettingResult,
} from "../../../api/v1alpha1/node-network-tuning.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import type { SettingChange } from "./apply.ts";

export interface AutoSpec {
  /** The spec to enact: the tunings' settings with the granted raises added. */
  spec: NodeNetworkTuningSpec;
  /** The raises that made it in, by the name of the setting result each one yields. */
  byResult: Map<string, AutoRaise>;
}

/** The setting result's name for a raise, as the tuners name them. */
export function resultNameOf(raise: AutoRaise): string | undefined {
  if (raise.setting === Remedy.ConntrackMax) return "conntrack.max";
  const sysctl = remedySysctl[raise.setting];
  if (sysctl !== undefined) return `sysctl/${sysctl}`;
  if (raise.setting === Remedy.RingsRx && raise.interface) return `${raise.interface}/rings.rx`;
  return undefined;
}

type Interfaces = NonNullable<NodeNetworkTuningSpec["interfaces"]>;

/** Adds one raise to `effective`; false where an explicit value of the tunings wins. */
function addRaise(
  effective: NodeNetworkTuningSpec,
  spec: NodeNetworkTuningSpec,
  raise: AutoRaise,
  value: number,
  rings: Interfaces,
): boolean {
  if (explicitlySet(spec, raise.setting, raise.interface)) return false;
  if (raise.setting === Remedy.ConntrackMax) {
    // onlyRaise keeps a larger table the node already has.
    effective.conntrack = { ...spec.conntrack, max: value, onlyRaise: true };
    return true;
  }
  if (raise.setting === Remedy.RingsRx) {
    // First in the list: a later entry wins for an interface that several entries match,
    // so any entry of the tunings that sets this ring overrides the raise.
    rings.push({ match: { names: [raise.interface ?? ""] }, rings: { rx: value } });
    return true;
  }
  const sysctl = remedySysctl[raise.setting] ?? "";
  effective.sysctls = { ...effective.sysctls, [sysctl]: String(value) };
  return true;
}

export function withAutoRaises(spec: NodeNetworkTuningSpec): AutoSpec {
  const byResult = new Map<string, AutoRaise>();
  const raises = spec.autoRaised ?? [];
  if (raises.length === 0) return { spec, byResult };
  const effective: NodeNetworkTuningSpec = { ...spec };
  const rings: Interfaces = [];
  for (const raise of raises) {
    const name = resultNameOf(raise);
    const value = Number(raise.value);
    if (name === undefined || !Number.isSafeInteger(value)) continue;
    if (addRaise(effective, spec, raise, value, rings)) byResult.set(name, raise);
  }
  if (rings.length > 0) effective.interfaces = [...rings, ...(spec.interfaces ?? [])];
  return { spec: effective, byResult };
}

/**
 * Results of raised settings name their grant: source `auto/<tuning>` and,
 * where the node holds the value, reason AutoRaised. A ring an explicit entry
 * set after the raise is that entry's result, not the raise's.
 */
export function markAutoResults(
  results: readonly SettingResult[],
  auto: AutoSpec,
): SettingResult[] {
  if (auto.byResult.size === 0) return [...results];
  return results.map((result) => {
    const raise = auto.byResult.get(result.name);
    if (raise === undefined || result.desired !== raise.value) return result;
    const held =
      result.state === "Applied" &&
      (result.reason === SettingReason.Written || result.reason === SettingReason.AlreadySet);
    return {
      ...result,
      source: `auto/${raise.source}`,
      ...(held ? { reason: SettingReason.AutoRaised } : {}),
    };
  });
}

/** The changes this check made to raised settings, each with the raise behind it. */
export function autoChanges(
  changes: readonly SettingChange[],
  auto: AutoSpec,
): { change: SettingChange; raise: AutoRaise }[] {
  return changes.flatMap((change) => {
    const raise = auto.byResult.get(change.name);
    return raise !== undefined && change.to === raise.value ? [{ change, raise }] : [];
  });
}
