// A diagnosis: counters sampled over a window, the symptoms that held in every
// interval, and the remedy for each. The clock and the readers are injected.
import type { Advice } from "../../../api/v1alpha1/advice.ts";
import type { CounterSample, NodeBounds } from "../facts/symptom-counters.ts";
import { advise, ringsToRead } from "./advise.ts";
import { defaultThresholds, detect, type Thresholds } from "./detect.ts";

export interface DiagnoseDeps {
  sample: (atMs: number) => Promise<CounterSample>;
  bounds: (last: CounterSample, ringsOf: string[]) => Promise<NodeBounds>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface Diagnosis {
  windowSeconds: number;
  advice: Advice[];
  /** Counters this node does not have, which no symptom was judged on. */
  unknown: string[];
}

export async function diagnose(
  deps: DiagnoseDeps,
  intervalMs: number,
  intervals: number,
  thresholds: Thresholds = defaultThresholds,
): Promise<Diagnosis> {
  const samples: CounterSample[] = [await deps.sample(deps.now())];
  for (let i = 0; i < intervals; i++) {
    await deps.sleep(intervalMs);
    samples.push(await deps.sample(deps.now()));
  }
  const findings = detect(samples, new Set(), { ...thresholds, windowIntervals: intervals });
  const last = samples.at(-1) as CounterSample;
  const rings = ringsToRead(findings);
  const bounds = await deps.bounds(last, rings);
  const first = samples[0] as CounterSample;
  return {
    windowSeconds: Math.round((last.atMs - first.atMs) / 1000),
    advice: findings.map((finding) => advise(finding, bounds)),
    unknown: unknownCounters(last),
  };
}

function unknownCounters(sample: CounterSample): string[] {
  const { conntrack, softnet, tcp } = sample;
  return [
    ...(conntrack.count === undefined ? ["nf_conntrack_count"] : []),
    ...(conntrack.drop === undefined ? ["nf_conntrack drop"] : []),
    ...(conntrack.insertFailed === undefined ? ["nf_conntrack insert_failed"] : []),
    ...(softnet.length === 0 ? ["softnet_stat"] : []),
    ...(tcp.ListenOverflows === undefined ? ["TcpExt ListenOverflows"] : []),
  ];
}
