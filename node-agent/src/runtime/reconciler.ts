import type {
  HostInventory,
  NodeNetworkTuning,
  NodeNetworkTuningSpec,
  SettingResult,
} from "../../../api/v1alpha1/node-network-tuning.ts";
import type { Advice } from "../../../api/v1alpha1/advice.ts";
import type { OwnerReference } from "../../../api/v1alpha1/meta.ts";
import { InvalidSpecError, type EnactResult } from "../engine/enact.ts";
import { StateError } from "../engine/state-error.ts";
import { autoChanges, markAutoResults, withAutoRaises } from "../engine/auto-raise.ts";
import type { SettingChange } from "../engine/apply.ts";
import { Backoff } from "../../../common/backoff.ts";
import type { NodeTuningClient } from "./kube.ts";
import type { Logger } from "../../../common/logger.ts";
import type { AgentMetrics } from "./metrics.ts";
import { nodeStatus, onlySourceOf, sameStatus, type RunOutcome } from "./node-status.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { agentEvents, type AgentEvent } from "./agent-events.ts";
import { revertEverything } from "./revert-everything.ts";
import { driftCorrections } from "./drift-corrections.ts";

/**
 * Why a check runs: a new spec, link events, the periodic re-verify, a retry,
 * a pressure change, the kubelet's housekeeping CPUs changing, or a symptom
 * that started or ended (the status carries the advice).
 */
export type Cause = "spec" | "link" | "resync" | "retry" | "pressure" | "cpus" | "advice";

export interface ReconcilerDeps {
  client: NodeTuningClient;
  nodeName: string;
  now: () => Date;
  log: Logger;
  metrics: AgentMetrics;
  enact(spec: NodeNetworkTuningSpec): Promise<EnactResult>;
  revertAll(): Promise<SettingResult[]>;
  inventory(): Promise<HostInventory>;
  /** Keeps the node's NodeNetworkInventory up to date; sends nothing when it is. */
  publishInventory(inventory: HostInventory, owners: OwnerReference[] | undefined): Promise<void>;
  /** The current conntrack fill ratio when it has stayed above the threshold. */
  conntrackPressure(): { ratio: number } | undefined;
  /** The symptoms that hold now, each with its remedy. */
  advice(): Advice[];
  /** Where the Events of a check go: the node and, while it exists, its NodeNetworkTuning. */
  events: { record(events: AgentEvent[], tuningUID: string | undefined): Promise<void> };
}

/**
 * One check at a time: observe, plan, apply, verify with the tuners, then
 * write status only when it differs from what the object already says.
 * Triggers that arrive during a check fold into one more check.
 */
export class Reconciler {
  private readonly deps: ReconcilerDeps;
  private object: NodeNetworkTuning | undefined;
  private seen = false;
  private running: Promise<void> | undefined;
  private queued: Cause | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly retryBackoff = new Backoff(1000, 60_000);
  private appliedGeneration: number | undefined;
  /**
   * The generation whose last check rolled a change back. Its rollback re-creates
   * queues and raises link events; a check for those would make the same change
   * and roll it back again, flapping the NIC for as long as the probe fails. So
   * link events do not re-check it: a new spec does at once, the re-verify at its pace.
   */
  private rolledBackGeneration: number | undefined;
  private inventoryCache: HostInventory | undefined;
  /** The last check's outcome, which an advice change re-reports without checking the host. */
  private lastOutcome: RunOutcome | undefined;

  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
  }

  /** The latest object from the watch. A new generation (a spec change) starts a check. */
  setObject(object: NodeNetworkTuning | undefined): void {
    const generationChanged =
      !this.seen ||
      generationOf(object) !== generationOf(this.object) ||
      (object === undefined) !== (this.object === undefined);
    this.seen = true;
    this.object = object;
    if (generationChanged) this.trigger("spec");
  }

  /** The spec of the object the agent holds now. */
  currentSpec(): NodeNetworkTuningSpec | undefined {
    return this.object?.spec;
  }

  trigger(cause: Cause): void {
    if (this.stopped || !this.seen) return;
    if (cause === "link") this.inventoryCache = undefined;
    if (cause === "link" && this.rolledBackGeneration === generationOf(this.object)) return;
    if (this.running) {
      this.queued = this.queued === "spec" ? "spec" : cause;
      return;
    }
    this.running = this.loop(cause).finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once no check runs and none is queued (tests wait on it instead of sleeping). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops taking triggers and waits for the check in flight, so its writes finish. */
  async drain(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.running;
  }

  private async loop(first: Cause): Promise<void> {
    let cause: Cause | undefined = first;
    while (cause !== undefined && !this.stopped) {
      await this.check(cause);
      cause = this.queued;
      this.queued = undefined;
    }
  }

  private async check(cause: Cause): Promise<void> {
    const object = this.object;
    const timer = this.deps.metrics.applyDuration.startTimer({ cause });
    try {
      if (object === undefined) {
        // The object is gone (no tuning selects the node any more): restore everything.
        this.lastOutcome = undefined;
        await revertEverything(this.deps);
        return;
      }
      const last = this.lastOutcome;
      if (cause === "advice" && last !== undefined && last.generation === generationOf(object)) {
        // Only what the counters show changed: the status carries it, the host is not checked
        // again (a check would also end a Drifted=True that the last one set).
        const { advice: _advice, conntrackPressure: _pressure, ...settled } = last;
        await this.writeStatus(object, { ...settled, ...this.observed() });
        return;
      }
      const outcome = await this.outcome(object, cause);
      this.lastOutcome = outcome;
      await this.writeStatus(object, outcome);
      await this.deps.publishInventory(outcome.inventory, object.metadata.ownerReferences);
      await this.deps.events.record(agentEvents(outcome, object.status), object.metadata.uid);
      // Originals that could not be restored are tried again with backoff, not only at the re-verify.
      if (outcome.reverted.some((r) => r.state === "Failed")) this.retryLater();
      else this.retryBackoff.reset();
    } catch (error) {
      this.deps.metrics.applyErrors.inc();
      const delay = this.retryLater();
      this.deps.log.error(`check failed; retrying in ${delay} ms`, error);
    } finally {
      timer();
    }
  }

  /** Schedules one more check after the next backoff delay; returns the delay. */
  private retryLater(): number {
    const delay = this.retryBackoff.next();
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.trigger("retry");
    }, delay);
    return delay;
  }

  private async outcome(object: NodeNetworkTuning, cause: Cause): Promise<RunOutcome> {
    const generation = generationOf(object) ?? 0;
    const base = {
      generation,
      mode: object.spec.mode ?? "Enforce",
      driftCorrected: [] as SettingChange[],
    };
    let result: EnactResult;
    // Values granted under autoTune are settings of their own for this check.
    const auto = withAutoRaises(object.spec);
    try {
      result = await this.deps.enact(auto.spec);
    } catch (error) {
      // Nothing was written: the outcome says why, beside what the node holds.
      const refused =
        error instanceof StateError
          ? { stateRefused: { reason: error.reason, message: error.message } }
          : error instanceof InvalidSpecError
            ? { invalid: error.message }
            : undefined;
      if (!refused) throw error;
      const observed = { inventory: await this.inventory(), ...this.observed() };
      return { ...base, results: [], reverted: [], ...refused, ...observed };
    }
    // A re-check of a generation already applied; the kubelet's CPUs changing is a new plan.
    const recheck = cause !== "spec" && cause !== "cpus" && this.appliedGeneration === generation;
    const driftCorrected = recheck ? driftCorrections(result, this.deps) : [];
    this.appliedGeneration = generation;
    const rolledBack = result.results.filter((r) => r.reason === SettingReason.RolledBack).length;
    if (rolledBack > 0) this.deps.metrics.rollbacks.inc(rolledBack);
    this.rolledBackGeneration = rolledBack > 0 ? generation : undefined;
    return {
      ...base,
      mode: result.mode,
      results: markAutoResults(result.results, auto),
      reverted: result.reverted,
      driftCorrected,
      // A raised value set again behind NetTune's back is a drift correction, not a new step.
      autoRaised: autoChanges(result.changes, auto).filter(
        ({ change }) => !driftCorrected.some((c) => c.name === change.name),
      ),
      otherWriters: result.otherWriters,
      inventory: await this.inventory(result.hostWrites > 0),
      ...this.observed(),
    };
  }

  /** What the counters show, beside the settings: conntrack pressure and the advice. */
  private observed(): Pick<RunOutcome, "conntrackPressure" | "advice"> {
    const pressure = this.deps.conntrackPressure();
    const advice = this.deps.advice();
    return {
      ...(pressure ? { conntrackPressure: pressure } : {}),
      ...(advice.length > 0 ? { advice } : {}),
    };
  }

  /** Gathered once, again after link events and after a check that wrote (a conntrack size, an IRQ's CPUs). */
  private async inventory(stale = false): Promise<HostInventory> {
    if (stale) this.inventoryCache = undefined;
    this.inventoryCache ??= await this.deps.inventory();
    return this.inventoryCache;
  }

  private async writeStatus(object: NodeNetworkTuning, outcome: RunOutcome): Promise<void> {
    const status = nodeStatus(object.status, outcome, this.deps.now(), onlySourceOf(object.spec));
    if (sameStatus(status, object.status)) return;
    await this.deps.client.patchStatus(this.deps.nodeName, object.metadata.uid, status);
    this.deps.metrics.statusWrites.inc();
    // Until the watch brings the object back, compare against what was written.
    if (this.object === object) this.object = { ...object, status };
  }
}

function generationOf(object: NodeNetworkTuning | undefined): number | undefined {
  return object?.metadata.generation;
}
