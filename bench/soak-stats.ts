// The numbers of bench/agent-soak.ts: least-squares slopes of samples over
// time, and growth between the first and last quarter of the measured window.

export interface Sample {
  /** Seconds since the soak began. */
  t: number;
  rssMB: number;
  anonMB: number;
  heapMB: number;
  fds: number;
  children: number;
  timers: number;
  /** Taken while the API server was down or had just come back (bench/agent-soak.ts). */
  nearRestart?: boolean;
}

/** The least-squares slope of `value` per hour. */
export function slopePerHour(samples: readonly Sample[], value: (s: Sample) => number): number {
  const n = samples.length;
  if (n < 2) return 0;
  const meanT = samples.reduce((a, s) => a + s.t, 0) / n;
  const meanV = samples.reduce((a, s) => a + value(s), 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - meanT) * (value(s) - meanV);
    den += (s.t - meanT) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 3600;
}

/**
 * The floor of the last quarter less the floor of the first: what a leak does
 * to a count, while work in flight at a sample (a status write's socket, an
 * ethtool run) only lifts single samples.
 */
export function quarterGrowth(samples: readonly Sample[], value: (s: Sample) => number): number {
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const floor = (part: readonly Sample[]): number => Math.min(...part.map(value));
  return floor(samples.slice(-quarter)) - floor(samples.slice(0, quarter));
}
