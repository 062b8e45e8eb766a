// The agent's running diagnosis: one counter sample per tick, the newest
// window judged against the symptoms that held before (so one burst neither
// raises nor clears one), and the advice for each symptom that holds. The
// readers and the clock are injected; nothing here touches the host itself.
import type { Advice } from "../../../api/v1alpha1/advice.ts";
import { advise, ringsToRead } from "../engine/advise.ts";
import { defaultThresholds, detect, type Thresholds } from "../engine/detect.ts";
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
  current: Advice[];
}

export class SymptomWatch {
  private readonly deps: SymptomWatchDeps;
  private readonly samples: CounterSample[] = [];
  private held = new Map<string, Advice>();

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
    const next = new Map<string, Advice>();
    for (const finding of findings) {
      // A symptom keeps the advice it started with until it ends: its evidence is the window
      // that raised it, and a value that moves with every tick would make every tick a change.
      next.set(finding.key, this.held.get(finding.key) ?? advise(finding, bounds as NodeBounds));
    }
    const started = [...next].filter(([key]) => !this.held.has(key)).map(([, a]) => a);
    const ended = [...this.held].filter(([key]) => !next.has(key)).map(([, a]) => a);
    this.held = next;
    if (started.length === 0 && ended.length === 0) return undefined;
    return { started, ended, current: this.current() };
  }
}
