// Symptoms from counter samples (pure): each signal is judged per interval
// between two samples, and a symptom needs a whole window of intervals above
// its threshold to start, and a whole window below to end, so one burst
// neither raises nor clears it. A counter a sample lacks, or one that went
// backwards (a reset), makes its interval unknown: neither above nor below.
import { Symptom, type SymptomName } from "../../../api/v1alpha1/advice.ts";
import {
  driverCounterPrefix,
  missedCounters,
  type CounterSample,
} from "../facts/symptom-counters.ts";

export interface Thresholds {
  /** How many intervals, each above (or each below), start (or end) a symptom. */
  windowIntervals: number;
  /** Per second, the rise a counter must keep up in every interval. */
  perSecond: {
    conntrackDrops: number;
    insertFailed: number;
    backlogDrops: number;
    timeSqueeze: number;
    nicMissed: number;
    listenOverflows: number;
  };
  /** nf_conntrack_count over nf_conntrack_max that counts as nearly full. */
  conntrackFill: number;
  /** The share of received packets on one CPU that counts as skewed... */
  skewShare: number;
  /** ...when the node receives at least this many packets per second. */
  skewMinPerSecond: number;
}

export const defaultThresholds: Thresholds = {
  windowIntervals: 3,
  perSecond: {
    conntrackDrops: 1,
    insertFailed: 0.1,
    backlogDrops: 1,
    timeSqueeze: 10,
    nicMissed: 1,
    listenOverflows: 1,
  },
  conntrackFill: 0.9,
  skewShare: 0.75,
  skewMinPerSecond: 1000,
};

/** A symptom that holds, with what showed it. */
export interface Finding {
  /** Symptom and place: what hysteresis is kept by. */
  key: string;
  symptom: SymptomName;
  where?: string;
  counter: string;
  delta: number;
  windowSeconds: number;
}

interface Signal extends Finding {
  /** Per interval: above the threshold, below it, or unknown. */
  above: (boolean | undefined)[];
}

type Value = (sample: CounterSample) => number | undefined;

function sum(...values: (number | undefined)[]): number | undefined {
  const known = values.filter((value) => value !== undefined);
  return known.length === 0 ? undefined : known.reduce((a, b) => a + b, 0);
}

/** The sum when every value is known; unknown otherwise. */
function allOf(values: (number | undefined)[]): number | undefined {
  return values.every((value) => value !== undefined) && values.length > 0
    ? values.reduce((a, b) => a + b, 0)
    : undefined;
}

function rateSignal(
  window: CounterSample[],
  symptom: SymptomName,
  counter: string,
  value: Value,
  perSecond: number,
  where?: string,
): Signal {
  const above = window.slice(1).map((sample, i) => {
    const before = value(window[i] as CounterSample);
    const after = value(sample);
    const seconds = (sample.atMs - (window[i] as CounterSample).atMs) / 1000;
    if (before === undefined || after === undefined || after < before || seconds <= 0)
      return undefined;
    return after - before > 0 && (after - before) / seconds >= perSecond;
  });
  const first = value(window[0] as CounterSample);
  const last = value(window.at(-1) as CounterSample);
  const delta = first === undefined || last === undefined ? 0 : Math.max(0, last - first);
  return signal(window, symptom, counter, above, delta, where);
}

function signal(
  window: CounterSample[],
  symptom: SymptomName,
  counter: string,
  above: (boolean | undefined)[],
  delta: number,
  where?: string,
): Signal {
  const windowSeconds = Math.round(((window.at(-1)?.atMs ?? 0) - (window[0]?.atMs ?? 0)) / 1000);
  const key = where === undefined ? symptom : `${symptom}/${where}`;
  return { key, symptom, counter, delta, windowSeconds, above, ...(where ? { where } : {}) };
}

function conntrackFill(window: CounterSample[], t: Thresholds): Signal {
  const ratio = (s: CounterSample): number | undefined => {
    const { count, max } = s.conntrack;
    return count === undefined || max === undefined || max === 0 ? undefined : count / max;
  };
  // A level, not a rate: each interval is judged by the sample that ends it.
  const above = window.slice(1).map((s) => {
    const r = ratio(s);
    return r === undefined ? undefined : r >= t.conntrackFill;
  });
  const last = window.at(-1)?.conntrack;
  const percent = Math.round((ratio(window.at(-1) as CounterSample) ?? 0) * 100);
  const counter = `nf_conntrack_count (${percent}% of nf_conntrack_max)`;
  return signal(window, Symptom.ConntrackTableFull, counter, above, last?.count ?? 0, "fill");
}

function receiveSkew(window: CounterSample[], t: Thresholds): Signal {
  let hottest: number | undefined;
  const above = window.slice(1).map((after, i) => {
    const before = window[i] as CounterSample;
    const seconds = (after.atMs - before.atMs) / 1000;
    if (after.softnet.length < 2 || after.softnet.length !== before.softnet.length)
      return undefined;
    const deltas = after.softnet.map(
      (row, j) => row.processed - (before.softnet[j]?.processed ?? 0),
    );
    if (deltas.some((d) => d < 0) || seconds <= 0) return undefined;
    const total = deltas.reduce((a, b) => a + b, 0);
    const top = Math.max(...deltas);
    hottest = after.softnet[deltas.indexOf(top)]?.cpu;
    return total / seconds >= t.skewMinPerSecond && top / total >= t.skewShare;
  });
  const processed = (s: CounterSample): number => s.softnet.reduce((a, r) => a + r.processed, 0);
  const delta = processed(window.at(-1) as CounterSample) - processed(window[0] as CounterSample);
  const where = hottest === undefined ? undefined : `cpu ${hottest}`;
  return signal(window, Symptom.ReceiveSkew, "softnet processed", above, Math.max(0, delta), where);
}

function signals(window: CounterSample[], t: Thresholds): Signal[] {
  const p = t.perSecond;
  const softnet =
    (column: "dropped" | "timeSqueeze"): Value =>
    (s) =>
      s.softnet.length === 0 ? undefined : s.softnet.reduce((a, r) => a + r[column], 0);
  const last = window.at(-1) as CounterSample;
  return [
    rateSignal(
      window,
      Symptom.ConntrackTableFull,
      "nf_conntrack drop + early_drop",
      (s) => sum(s.conntrack.drop, s.conntrack.earlyDrop),
      p.conntrackDrops,
    ),
    conntrackFill(window, t),
    rateSignal(
      window,
      Symptom.ConntrackInsertFailed,
      "nf_conntrack insert_failed",
      (s) => s.conntrack.insertFailed,
      p.insertFailed,
    ),
    rateSignal(window, Symptom.BacklogDrops, "softnet dropped", softnet("dropped"), p.backlogDrops),
    rateSignal(
      window,
      Symptom.BudgetSqueeze,
      "softnet time_squeeze",
      softnet("timeSqueeze"),
      p.timeSqueeze,
    ),
    receiveSkew(window, t),
    ...Object.keys(last.nics).map((iface) => {
      // The sysfs counters, then the driver's own ring counters where it names them: those
      // the last sample has. A sample that lacks one of them is unknown, not a drop in the sum.
      const counters = [
        ...missedCounters,
        ...Object.keys(last.nics[iface] ?? {}).filter((c) => c.startsWith(driverCounterPrefix)),
      ].filter((c) => last.nics[iface]?.[c] !== undefined);
      return rateSignal(
        window,
        Symptom.NICMissedPackets,
        counters.join(" + "),
        (s) => allOf(counters.map((c) => s.nics[iface]?.[c])),
        p.nicMissed,
        iface,
      );
    }),
    rateSignal(
      window,
      Symptom.ListenOverflows,
      "TcpExt ListenOverflows",
      (s) => s.tcp.ListenOverflows,
      p.listenOverflows,
    ),
  ];
}

/**
 * The symptoms that hold after the newest sample: those whose every interval
 * in the window was above, and those that held before and have not had a
 * whole window below.
 */
export function detect(
  samples: CounterSample[],
  previous: ReadonlySet<string>,
  thresholds: Thresholds = defaultThresholds,
): Finding[] {
  const window = samples.slice(-(thresholds.windowIntervals + 1));
  if (window.length < 2) return [];
  const full = window.length === thresholds.windowIntervals + 1;
  return signals(window, thresholds)
    .filter(({ key, above }) => {
      const allAbove = full && above.every((a) => a === true);
      const allBelow = full && above.every((a) => a === false);
      return allAbove || (previous.has(key) && !allBelow);
    })
    .map(({ above: _above, ...finding }) => finding);
}
