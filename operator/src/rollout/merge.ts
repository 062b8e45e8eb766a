import { canonicalJSON } from "../../../common/canonical-json.ts";
import { isSecuritySensitiveSysctl } from "../../../api/helpers/sysctl.ts";
import type { NetworkTuning } from "../../../api/v1alpha1/network-tuning.ts";
import type {
  AuditedTuning,
  NodeNetworkTuningSpec,
  TuningSource,
} from "../../../api/v1alpha1/node-network-tuning.ts";
import type { TuningSettings } from "../../../api/v1alpha1/node-settings.ts";
import type { AutoTuneCeilings } from "../../../api/v1alpha1/auto-tune.ts";

export interface Conflict {
  /** The field both tunings set, such as "sysctls.net.core.somaxconn". */
  field: string;
  winner: string;
  loser: string;
}

export interface MergedNode {
  spec: NodeNetworkTuningSpec;
  conflicts: Conflict[];
  /** Tunings that match the node but do not fit in its object, lowest precedence first to go, with why. */
  leftOut: { name: string; why: string }[];
  /** The tuning whose autoTune ceiling won, per ceiling: a raise names it as its source. */
  autoTuneOwners: Partial<Record<keyof AutoTuneCeilings, string>>;
}

/**
 * What one NodeNetworkTuning can hold (its CRD's maxItems and maxLength;
 * operator/test/merge-limits.test.ts checks them against the schema): the
 * merge keeps the tunings of highest precedence within them and says which it left out.
 */
export const nodeObjectLimits = { sources: 64, audits: 8, sourceNames: 1024 } as const;

const settingKeys = [
  "interfaces",
  "irqbalance",
  "deviceIRQs",
  "conntrack",
  "dns",
  "sysctls",
  "diagnosis",
  "autoTune",
] as const satisfies readonly (keyof TuningSettings)[];

/** Highest priority first; on a tie the name that sorts first wins. */
export function byPrecedence(a: NetworkTuning, b: NetworkTuning): number {
  return (
    (b.spec.priority ?? 0) - (a.spec.priority ?? 0) ||
    (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "")
  );
}

/**
 * Merges the tunings that match a node, field by field: each leaf comes from
 * the highest-priority tuning that sets it. Interface entries merge by their
 * match. Two tunings of equal priority setting one leaf differently are a
 * Conflict (the first name wins). When any matching tuning enforces, Audit
 * tunings add nothing to the merge, so an audit never blocks or dilutes a
 * rollout; each travels beside it in `audits`, and the agent reports what it
 * would change on the node as the Enforce tunings leave it.
 */
export function mergeForNode(matching: readonly NetworkTuning[]): MergedNode {
  const enforcing = matching.filter((t) => (t.spec.mode ?? "Enforce") === "Enforce");
  const candidates = [...(enforcing.length > 0 ? enforcing : matching)].sort(byPrecedence);
  const contributing = candidates.slice(0, nodeObjectLimits.sources);
  const auditCandidates =
    enforcing.length > 0 ? matching.filter((t) => t.spec.mode === "Audit").sort(byPrecedence) : [];
  const audited = auditCandidates.slice(
    0,
    Math.min(nodeObjectLimits.audits, nodeObjectLimits.sources - contributing.length),
  );
  const leftOut = [
    ...candidates.slice(contributing.length).map((t) => ({
      name: t.metadata.name ?? "",
      why: `a node holds at most ${nodeObjectLimits.sources} tunings and ${candidates.length} match it; those of higher priority fill it`,
    })),
    ...auditCandidates.slice(audited.length).map((t) => ({
      name: t.metadata.name ?? "",
      why: `a node holds at most ${nodeObjectLimits.audits} Audit tunings beside Enforce ones and ${auditCandidates.length} match it`,
    })),
  ];
  const merge = new FieldMerge();
  const merged: Record<string, unknown> = {};
  for (const tuning of contributing) {
    for (const key of settingKeys) {
      const value = tuning.spec[key];
      if (value === undefined) continue;
      merged[key] = merge.value(merged[key], value, key, tuning);
    }
  }
  const sources: TuningSource[] = [...contributing, ...audited].map((t) => ({
    name: t.metadata.name ?? "",
    generation: t.metadata.generation ?? 0,
    priority: t.spec.priority ?? 0,
  }));
  // Each tuning's own schema made it allow the sensitive keys it sets; the node's spec carries that on.
  const sensitive = Object.keys((merged.sysctls as Record<string, string> | undefined) ?? {}).some(
    isSecuritySensitiveSysctl,
  );
  const spec: NodeNetworkTuningSpec = {
    ...(merged as TuningSettings),
    ...(sensitive ? { allowSecuritySensitiveSysctls: true } : {}),
    mode: enforcing.length > 0 || contributing.length === 0 ? "Enforce" : "Audit",
    sources,
    sourceNames: listedNames(sources.map((s) => s.name)),
    ...(audited.length > 0 ? { audits: audited.map(auditOf) } : {}),
  };
  return { spec, conflicts: merge.conflicts, leftOut, autoTuneOwners: ceilingOwners(contributing) };
}

/** Per ceiling, the tuning of highest precedence that sets it: the one whose value the merge kept. */
function ceilingOwners(
  contributing: readonly NetworkTuning[],
): Partial<Record<keyof AutoTuneCeilings, string>> {
  const owners: Partial<Record<keyof AutoTuneCeilings, string>> = {};
  for (const tuning of contributing)
    for (const key of Object.keys(
      tuning.spec.autoTune?.ceilings ?? {},
    ) as (keyof AutoTuneCeilings)[])
      owners[key] ??= tuning.metadata.name ?? "";
  return owners;
}

/** "a, b, c", or as many as fit in sourceNames' length with "and N more". */
export function listedNames(names: readonly string[]): string {
  const all = names.join(", ");
  if (all.length <= nodeObjectLimits.sourceNames) return all;
  for (let shown = names.length - 1; shown >= 0; shown--) {
    const text = `${names.slice(0, shown).join(", ")} and ${names.length - shown} more`;
    if (text.length <= nodeObjectLimits.sourceNames) return text;
  }
  return `${names.length} tunings`;
}

function auditOf(tuning: NetworkTuning): AuditedTuning {
  const settings: Record<string, unknown> = {};
  for (const key of [...settingKeys, "allowSecuritySensitiveSysctls"] as const)
    if (tuning.spec[key] !== undefined) settings[key] = tuning.spec[key];
  return { name: tuning.metadata.name ?? "", settings: settings };
}

/** One node's merge: which tuning owns each leaf, and the conflicts found on the way. */
class FieldMerge {
  readonly conflicts: Conflict[] = [];
  private readonly owners = new Map<string, NetworkTuning>();

  value(current: unknown, incoming: unknown, field: string, tuning: NetworkTuning): unknown {
    if (field === "interfaces" && Array.isArray(incoming))
      return this.interfaces(current, incoming, tuning);
    if (isPlainObject(incoming) && (current === undefined || isPlainObject(current))) {
      const result: Record<string, unknown> = { ...current };
      for (const [key, value] of Object.entries(incoming))
        result[key] = this.value(result[key], value, `${field}.${key}`, tuning);
      return result;
    }
    return this.leaf(current, incoming, field, tuning);
  }

  /** A leaf belongs to the first (highest-precedence) tuning that sets it. */
  private leaf(current: unknown, incoming: unknown, field: string, tuning: NetworkTuning): unknown {
    const owner = this.owners.get(field);
    if (owner === undefined) {
      this.owners.set(field, tuning);
      return incoming;
    }
    const tie = (owner.spec.priority ?? 0) === (tuning.spec.priority ?? 0);
    if (tie && canonicalJSON(current) !== canonicalJSON(incoming))
      this.conflicts.push({
        field,
        winner: owner.metadata.name ?? "",
        loser: tuning.metadata.name ?? "",
      });
    return current;
  }

  /** Interface entries with the same match are one entry; others are kept side by side. */
  private interfaces(current: unknown, incoming: unknown[], tuning: NetworkTuning): unknown[] {
    const entries = [...((current as Record<string, unknown>[] | undefined) ?? [])];
    for (const entry of incoming as Record<string, unknown>[]) {
      // The same match whatever the order of its keys (each tuning's as its author wrote it).
      const match = canonicalJSON(entry.match);
      const index = entries.findIndex((e) => canonicalJSON(e.match) === match);
      const merged = this.value(entries[index], entry, `interfaces[${match}]`, tuning);
      if (index === -1) entries.push(merged as Record<string, unknown>);
      else entries[index] = merged as Record<string, unknown>;
    }
    return entries;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
