// The operator's side of bounded auto-tuning (docs/adr/0017), pure: from a
// node's advice, its merged autoTune and the raises it already holds, which
// raises it keeps and which new step it is granted. Each advice runs an
// ordered chain of named checks; the first that decides wins.
import { explicitlySet } from "../../../api/v1alpha1/contract.ts";
import type { Advice } from "../../../api/v1alpha1/advice.ts";
import {
  autoTuneCeilingOf,
  defaultCoolDownSeconds,
  type AutoRaise,
  type AutoTuneCeilings,
} from "../../../api/v1alpha1/auto-tune.ts";
import type { NodeNetworkTuningSpec } from "../../../api/v1alpha1/node-network-tuning.ts";

export interface AutoRaiseInput {
  /** The node's merged settings, autoTune among them. */
  spec: NodeNetworkTuningSpec;
  /** The tuning whose ceiling won, per ceiling. */
  owners: Partial<Record<keyof AutoTuneCeilings, string>>;
  /** The raises the node holds now. */
  held: readonly AutoRaise[];
  /** What the node's agent advises now. */
  advice: readonly Advice[];
  now: Date;
}

export interface AutoRaiseDecision {
  /** What the node should hold: the kept raises and the new steps. */
  raised: AutoRaise[];
  /** The new steps among them: each takes a slot of the rollout budget. */
  granted: AutoRaise[];
  /** Settings at their ceiling whose symptom still holds, by key. */
  atCeiling: string[];
  /** When to look again for a step that waits out its cool-down. */
  retryAfterMs?: number;
}

/** What one advice with a remedy comes to. */
export type StepVerdict =
  | { kind: "none"; check: string }
  | { kind: "atCeiling"; check: string }
  | { kind: "wait"; check: string; untilMs: number }
  | { kind: "grant"; check: string; value: number };

interface Step {
  advice: Advice;
  setting: NonNullable<Advice["remedy"]>;
  ceiling: number | undefined;
  explicit: boolean;
  /** The node only audits: a value granted there would be written nowhere. */
  auditOnly: boolean;
  held: AutoRaise | undefined;
  coolDownMs: number;
  nowMs: number;
}

type Check = (step: Step) => StepVerdict | undefined;

const int = (value: string | undefined): number => (value === undefined ? NaN : Number(value));

/** The chain, in order: the first check that returns a verdict decides. */
export const stepChecks: readonly { name: string; check: Check }[] = [
  {
    name: "the remedy is one auto-tuning raises",
    check: ({ setting }) =>
      autoTuneCeilingOf[setting.setting] === undefined
        ? { kind: "none", check: "NotAutoTunable" }
        : undefined,
  },
  {
    // A grant takes a slot of the rollout budget; a node that only audits would write nothing.
    name: "the node enforces its settings",
    check: ({ auditOnly }) => (auditOnly ? { kind: "none", check: "NodeOnlyAudits" } : undefined),
  },
  {
    name: "a tuning sets a ceiling for it",
    check: ({ ceiling }) =>
      ceiling === undefined ? { kind: "none", check: "NoCeiling" } : undefined,
  },
  {
    name: "no tuning sets the value itself",
    check: ({ explicit }) => (explicit ? { kind: "none", check: "ExplicitValue" } : undefined),
  },
  {
    name: "the advice asks for more than the node was granted",
    check: ({ setting, held }) =>
      held !== undefined && int(setting.value) <= int(held.value)
        ? { kind: "none", check: "AlreadyGranted" }
        : undefined,
  },
  {
    name: "the ceiling is above what the node has",
    check: ({ setting, ceiling, held }: Step): StepVerdict | undefined => {
      // What the node has: the larger of its own value and the raise it holds, where known.
      const has = Math.max(
        0,
        ...[int(setting.current), int(held?.value)].filter((n) => !Number.isNaN(n)),
      );
      return Math.min(int(setting.value), ceiling ?? 0) <= has
        ? { kind: "atCeiling", check: "CeilingReached" }
        : undefined;
    },
  },
  {
    name: "the last step's cool-down is over",
    check: ({ held, coolDownMs, nowMs }: Step): StepVerdict | undefined => {
      if (held === undefined) return undefined;
      const untilMs = Date.parse(held.raisedAt) + coolDownMs;
      return nowMs < untilMs ? { kind: "wait", check: "CoolingDown", untilMs } : undefined;
    },
  },
  {
    name: "grant the advised value, within the ceiling",
    check: ({ setting, ceiling }) => ({
      kind: "grant",
      check: "Granted",
      value: Math.min(int(setting.value), ceiling ?? 0),
    }),
  },
];

export function keyOf(item: { setting: string; interface?: string | undefined }): string {
  return `${item.setting}/${item.interface ?? ""}`;
}

/** One advice through the chain. */
export function stepVerdict(step: Step): StepVerdict {
  for (const { check } of stepChecks) {
    const verdict = check(step);
    if (verdict) return verdict;
  }
  return { kind: "none", check: "NoCheckDecided" };
}

/**
 * The raises a node keeps: those a tuning still allows and sets no value of
 * its own for; a ceiling lowered below one brings it down to that ceiling, as
 * its author asked. Their source is the tuning whose ceiling won now.
 */
export function keptRaises(input: AutoRaiseInput): Map<string, AutoRaise> {
  const ceilings = input.spec.autoTune?.ceilings ?? {};
  const kept = new Map<string, AutoRaise>();
  for (const raise of input.held) {
    const key = autoTuneCeilingOf[raise.setting];
    const ceiling = key === undefined ? undefined : ceilings[key];
    const owner = key === undefined ? undefined : input.owners[key];
    if (ceiling === undefined || owner === undefined) continue;
    if (explicitlySet(input.spec, raise.setting, raise.interface)) continue;
    const value = String(Math.min(int(raise.value), ceiling));
    kept.set(keyOf(raise), { ...raise, value, source: owner });
  }
  return kept;
}

function stepOf(
  input: AutoRaiseInput,
  item: Advice,
  held: AutoRaise | undefined,
): Step | undefined {
  const setting = item.remedy;
  if (setting === undefined) return undefined;
  const ceilingKey = autoTuneCeilingOf[setting.setting];
  const coolDown = input.spec.autoTune?.coolDownSeconds ?? defaultCoolDownSeconds;
  return {
    advice: item,
    setting,
    ceiling: ceilingKey === undefined ? undefined : input.spec.autoTune?.ceilings[ceilingKey],
    explicit: explicitlySet(input.spec, setting.setting, setting.interface),
    auditOnly: input.spec.mode === "Audit",
    held,
    coolDownMs: coolDown * 1000,
    nowMs: input.now.getTime(),
  };
}

function raiseOf(input: AutoRaiseInput, step: Step, value: number): AutoRaise {
  const { setting, advice } = step;
  const ceilingKey = autoTuneCeilingOf[setting.setting];
  return {
    setting: setting.setting,
    ...(setting.interface === undefined ? {} : { interface: setting.interface }),
    value: String(value),
    source: (ceilingKey && input.owners[ceilingKey]) ?? "",
    symptom: advice.symptom,
    evidence: advice.evidence,
    raisedAt: input.now.toISOString().replace(/\.\d+Z$/, "Z"),
  };
}

export function decideAutoRaises(input: AutoRaiseInput): AutoRaiseDecision {
  const kept = keptRaises(input);
  const granted: AutoRaise[] = [];
  const atCeiling: string[] = [];
  const waits: number[] = [];
  for (const item of input.advice) {
    const key = item.remedy === undefined ? "" : keyOf(item.remedy);
    const step = stepOf(input, item, kept.get(key));
    if (step === undefined) continue;
    const verdict = stepVerdict(step);
    if (verdict.kind === "atCeiling") atCeiling.push(key);
    if (verdict.kind === "wait") waits.push(verdict.untilMs - step.nowMs);
    if (verdict.kind !== "grant") continue;
    const raise = raiseOf(input, step, verdict.value);
    kept.set(key, raise);
    granted.push(raise);
  }
  const raised = [...kept.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  return {
    raised,
    granted,
    atCeiling,
    ...(waits.length === 0 ? {} : { retryAfterMs: Math.max(0, Math.min(...waits)) }),
  };
}
