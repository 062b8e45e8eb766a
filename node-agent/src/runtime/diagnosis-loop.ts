// One diagnosis tick on the agent's timer: sample, judge, and when a symptom
// started or ended (or once the first window is judged, to replace what an
// earlier agent left on the Node), record Events and write the Node's
// condition. A failed write is logged and tried again at the next tick.
import type { Logger } from "../../../common/logger.ts";
import type { AgentEvent } from "./agent-events.ts";
import type { NodeStatusClient } from "./kube.ts";
import { adviceCondition, adviceEvents } from "./node-advice.ts";
import type { SymptomWatch } from "./symptom-watch.ts";

export interface DiagnosisLoopDeps {
  watch: SymptomWatch;
  /** Ticks before the first window is whole. */
  windowIntervals: number;
  events: { record(events: AgentEvent[], tuningUID: string | undefined): Promise<void> };
  client: NodeStatusClient;
  nodeName: string;
  now: () => Date;
  log: Logger;
  /** Called when a symptom started or ended, after its Events: the status carries the advice. */
  onChange: () => void;
}

export class DiagnosisLoop {
  private readonly deps: DiagnosisLoopDeps;
  private ticks = 0;
  private conditionDue = false;
  private lastStatus: string | undefined;
  private transition: Date | undefined;

  constructor(deps: DiagnosisLoopDeps) {
    this.deps = deps;
  }

  async tick(): Promise<void> {
    const { watch, log } = this.deps;
    let change: Awaited<ReturnType<SymptomWatch["tick"]>>;
    try {
      change = await watch.tick();
    } catch (cause) {
      // A counter read that failed in a way the readers do not expect skips this tick; the
      // next one samples again. The agent keeps running.
      log.error("could not sample the kernel's counters; trying again at the next tick", {
        error: cause instanceof Error ? cause.message : String(cause),
      });
      return;
    }
    this.ticks++;
    if (change) {
      await this.deps.events.record(adviceEvents(change), undefined);
      this.deps.onChange();
    }
    if (change || this.ticks === this.deps.windowIntervals + 1) this.conditionDue = true;
    if (!this.conditionDue) return;
    const now = this.deps.now();
    const status = watch.current().length > 0 ? "True" : "False";
    if (status !== this.lastStatus) this.transition = now;
    const condition = adviceCondition(watch.current(), now, this.transition);
    try {
      await this.deps.client.patchNodeStatus(this.deps.nodeName, {
        status: { conditions: [condition] },
      });
      this.lastStatus = condition.status;
      this.conditionDue = false;
    } catch (cause) {
      log.error("could not write the Node's NetworkTuningAdvice condition; trying again", {
        error: cause instanceof Error ? cause.message : String(cause),
      });
    }
  }
}
