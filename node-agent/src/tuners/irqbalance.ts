import type { IRQBalanceTuning } from "../../../api/v1alpha1/node-settings.ts";
import { formatBannedIRQs } from "../host/irqbalance-socket.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { step, verdict, type PlannedSetting } from "./types.ts";

export interface IRQBalanceFacts {
  running: boolean;
  /** The IRQs it leaves alone now; undefined when its socket did not answer. */
  banned?: number[];
  socketProblem?: string;
}

const reportNote =
  "irqbalance is running and may move this IRQ; NetTune puts it back at each re-check";
const bannedNote = "banned from irqbalance";

/**
 * What NetTune does about a running irqbalance, given the IRQ settings it
 * planned. Report: each IRQ placed says irqbalance may move it (each re-check
 * puts it back and counts the drift). BanTunedIRQs: one more setting, first,
 * so that irqbalance leaves the IRQs alone before they are placed: irqbalance's
 * ban list, with the IRQs placed here added to whatever it held.
 */
export function planIRQBalance(
  tuning: IRQBalanceTuning | undefined,
  planned: PlannedSetting[],
  irqbalance: IRQBalanceFacts,
  source?: string,
): PlannedSetting[] {
  const irqs = placedIRQs(planned);
  if (irqs.length === 0) return planned;
  const policy = tuning?.policy ?? "Report";
  if (policy === "Report") return irqbalance.running ? withNote(planned, reportNote) : planned;
  const name = "irqbalance/banned-irqs";
  if (!irqbalance.running) {
    const skipped = verdict(
      name,
      formatBannedIRQs(irqs),
      "Skipped",
      SettingReason.IRQBalanceNotRunning,
      "irqbalance is not running: there is nothing to keep off the tuned IRQs",
      source,
    );
    return [skipped, ...planned];
  }
  if (irqbalance.banned === undefined) {
    const unreachable = verdict(
      name,
      formatBannedIRQs(irqs),
      "Unsupported",
      SettingReason.IRQBalanceUnreachable,
      `irqbalance runs, but ${irqbalance.socketProblem ?? "its control socket did not answer"}: it may move the tuned IRQs; NetTune puts them back at each re-check`,
      source,
    );
    return [unreachable, ...withNote(planned, reportNote)];
  }
  const ban = step(
    name,
    formatBannedIRQs([...irqbalance.banned, ...irqs]),
    { kind: "irqbalance-bans" },
    source,
    `IRQs irqbalance leaves alone: ${irqs.length} placed by NetTune, added to those it had`,
  );
  return [ban, ...withNote(planned, bannedNote)];
}

function isAffinity(setting: PlannedSetting): boolean {
  return setting.target?.kind === "proc" && setting.target.path.endsWith("/smp_affinity_list");
}

/** The IRQs that planned settings place, by their /proc/irq target. */
export function placedIRQs(planned: readonly PlannedSetting[]): number[] {
  return planned.flatMap((setting) =>
    setting.target?.kind === "proc" && isAffinity(setting)
      ? [Number(setting.target.path.split("/")[1])]
      : [],
  );
}

function withNote(planned: PlannedSetting[], note: string): PlannedSetting[] {
  return planned.map((setting) =>
    isAffinity(setting)
      ? { ...setting, note: setting.note ? `${setting.note}; ${note}` : note }
      : setting,
  );
}
