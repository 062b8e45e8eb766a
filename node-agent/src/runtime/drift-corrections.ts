import type { Logger } from "../../../common/logger.ts";
import type { SettingChange } from "../engine/apply.ts";
import type { EnactResult } from "../engine/enact.ts";
import type { AgentMetrics } from "./metrics.ts";

/**
 * The writes of a re-check of a generation already applied: drift corrections,
 * counted by the program known to write each setting.
 */
export function driftCorrections(
  result: EnactResult,
  deps: { metrics: AgentMetrics; log: Logger },
): SettingChange[] {
  const writers = new Map(result.otherWriters.map((w) => [w.setting, w.kind]));
  for (const change of result.changes)
    deps.metrics.driftCorrections.inc({ writer: writers.get(change.name) ?? "unknown" });
  if (result.changes.length > 0)
    deps.log.info(`corrected drift: ${result.changes.map((c) => c.name).join(", ")}`);
  return result.changes;
}
