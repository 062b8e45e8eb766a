import type {
  AuditedTuning,
  NodeNetworkTuningSpec,
  SettingResult,
} from "../../../api/v1alpha1/node-network-tuning.ts";
import type { TuningSettings } from "../../../api/v1alpha1/node-settings.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import type { NodeSnapshot } from "../facts/snapshot.ts";
import { enact, InvalidSpecError, type EnactDeps, type EnactResult } from "./enact.ts";

/**
 * The node's spec enacted, then each Audit tuning that travels beside it
 * checked against the node as the spec left it: its results (WouldChange or
 * AlreadySet, with the audit's source, named "audit/<tuning>/<setting>" as
 * results are keyed by name) join the node's, and nothing is written for it.
 * A refused audit fails alone.
 */
export async function enactWithAudits(
  spec: NodeNetworkTuningSpec,
  deps: EnactDeps,
  checkAudit: (name: string, settings: TuningSettings) => void,
): Promise<EnactResult> {
  const audits = spec.audits ?? [];
  const result = await enact(spec, deps, { alsoPlanned: audits.map((audit) => audit.settings) });
  // The node as the spec left it: as read before, unless the spec wrote to it.
  const snapshot = result.hostWrites === 0 ? result.snapshot : undefined;
  for (const audit of audits)
    result.results.push(...(await auditResults(audit, deps, checkAudit, snapshot)));
  return result;
}

async function auditResults(
  audit: AuditedTuning,
  deps: EnactDeps,
  checkAudit: (name: string, settings: TuningSettings) => void,
  snapshot: NodeSnapshot | undefined,
): Promise<SettingResult[]> {
  try {
    checkAudit(audit.name, audit.settings);
    const options = { auditOnly: true, source: audit.name, ...(snapshot ? { snapshot } : {}) };
    const outcome = await enact(audit.settings, deps, options);
    return outcome.results.map((r) => ({ ...r, name: `audit/${audit.name}/${r.name}` }));
  } catch (error) {
    if (!(error instanceof InvalidSpecError)) throw error;
    return [
      {
        name: `audit/${audit.name}`,
        source: audit.name,
        desired: "",
        state: "Failed",
        reason: SettingReason.Refused,
        message: error.message,
      },
    ];
  }
}
