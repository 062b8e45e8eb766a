// The agent's running diagnosis: one counter sample per tick, the newest
// window judged against the symptoms that held before (so one burst neither
// raises nor clears one), and the advice for each symptom that holds. The
// readers and the clock are injected; nothing here touches the host itself.
import type { Advice } from "../../../api/v1alpha1/advice.ts";
import { advise, heldValue, ringsToRead } from "../engine/advise.ts";
import { defaultThresholds, detect, type Finding, type Thresholds } from "../engine/detect.ts";
import type { CounterSample, NodeBounds } from "../facts/symptom-counters.ts";

export interface SymptomWatchDeps {
  sample: (atMs: number) => Promise<CounterSample>;
  bounds: (last: CounterSample, ringsOf: string[]) => Promise<NodeBounds>;
  now: () => number;
  /** The thresholds now (a tuning may change them); the defaults when absent. */
  thresholds?: () => Thresholds;
}

/** What changed at one tick: the symptoms that started and those that ended, by key. */
export interface SymptomChange {
  started: Advice[];
  ended: Advice[];
  /** Symptoms that held a whole window after the node reached the advised value: the next step. */
  revised: Advice[];
  current: Advice[];
}

export class SymptomWatch {
  private readonly deps: SymptomWatchDeps;
  private readonly samples: CounterSample[] = [];
  private held = new Map<string, Advice>();
  /** Per symptom, the tick at which the node first held its advised value. */
  private readonly reachedAt = new Map<string, number>();
  private ticks = 0;

  constructor(deps: SymptomWatchDeps) {
    this.deps = deps;
  }

  /** The newest sample, for what else reads the same counters (conntrack pressure). */
  latest(): CounterSample | undefined {
    return this.samples.at(-1);
  }

  current(): Advice[] {
    return [...this.held.values()];
  }

  /** Takes one sample and judges the window; the change, when a symptom started or ended. */
  async tick(): Promise<SymptomChange | undefined> {
    const thresholds = this.deps.thresholds?.() ?? defaultThresholds;
    this.samples.push(await this.deps.sample(this.deps.now()));
    while (this.samples.length > thresholds.windowIntervals + 1) this.samples.shift();
    const findings = detect(this.samples, new Set(this.held.keys()), thresholds);
    const last = this.samples.at(-1) as CounterSample;
    const rings = ringsToRead(findings);
    // Bounds are read only while something holds: an idle node reads counters alone.
    const bounds = findings.length === 0 ? undefined : await this.deps.bounds(last, rings);
    this.ticks++;
    const { next, revised } = this.judge(findings, bounds, thresholds.windowIntervals);
    for (const key of this.reachedAt.keys()) if (!next.has(key)) this.reachedAt.delete(key);
    const started = [...next].filter(([key]) => !this.held.has(key)).map(([, a]) => a);
    const ended = [...this.held].filter(([key]) => !next.has(key)).map(([, a]) => a);
    this.held = next;
    if (started.length === 0 && ended.length === 0 && revised.length === 0) return undefined;
    return { started, ended, revised, current: this.current() };
  }

  /** The advice for each finding now, and the symptoms whose advice moved to a next step. */
  private judge(
    findings: Finding[],
    bounds: NodeBounds | undefined,
    window: number,
  ): { next: Map<string, Advice>; revised: Advice[] } {
    const next = new Map<string, Advice>();
    const revised: Advice[] = [];
    for (const finding of findings) {
      // A symptom keeps the advice it started with until it ends: its evidence is the window
      // that raised it, and a value that moves with every tick would make every tick a change.
      const before = this.held.get(finding.key);
      const nodeBounds = bounds as NodeBounds;
      if (before === undefined) next.set(finding.key, advise(finding, nodeBounds));
      else if (!this.stillAfterReaching(finding.key, before, nodeBounds, window))
        next.set(finding.key, before);
      else {
        // The node holds the advised value and a whole window since still shows the symptom:
        // the advice moves on from what the node has now, with this window as its evidence.
        const step = advise(finding, nodeBounds);
        next.set(finding.key, step);
        revised.push(step);
      }
    }
    return { next, revised };
  }

  /** Whether `advice`'s value has been held on the node for a whole window while its symptom stayed. */
  private stillAfterReaching(
    key: string,
    advice: Advice,
    bounds: NodeBounds,
    window: number,
  ): boolean {
    const value = Number(advice.remedy?.value);
    const held = advice.remedy === undefined ? undefined : heldValue(advice.remedy, bounds);
    if (held === undefined || Number.isNaN(value) || held < value) {
      this.reachedAt.delete(key);
      return false;
    }
    const since = this.reachedAt.get(key);
    if (since === undefined) {
      this.reachedAt.set(key, this.ticks);
      return false;
    }
    if (this.ticks - since < window) return false;
    this.reachedAt.delete(key);
    return true;
  }
}
