// The thresholds a node's tuning asks for (spec.diagnosis.thresholds), over
// the agent's defaults: each rate the spec sets replaces its default, the rest
// stay. Pure.
import type { DiagnosisSettings } from "../../../api/v1alpha1/node-settings.ts";
import { defaultThresholds, type Thresholds } from "./detect.ts";

export function thresholdsFor(
  diagnosis: DiagnosisSettings | undefined,
  base: Thresholds = defaultThresholds,
): Thresholds {
  const asked = diagnosis?.thresholds;
  if (!asked) return base;
  const perSecond = base.perSecond;
  return {
    ...base,
    perSecond: {
      conntrackDrops: asked.conntrackDropsPerSecond ?? perSecond.conntrackDrops,
      insertFailed: asked.insertFailedPerSecond ?? perSecond.insertFailed,
      backlogDrops: asked.backlogDropsPerSecond ?? perSecond.backlogDrops,
      timeSqueeze: asked.timeSqueezePerSecond ?? perSecond.timeSqueeze,
      nicMissed: asked.nicMissedPerSecond ?? perSecond.nicMissed,
      listenOverflows: asked.listenOverflowsPerSecond ?? perSecond.listenOverflows,
    },
    conntrackFill:
      asked.conntrackFillPercent === undefined
        ? base.conntrackFill
        : asked.conntrackFillPercent / 100,
  };
}
