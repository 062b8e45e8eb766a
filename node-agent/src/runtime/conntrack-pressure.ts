/**
 * Tracks conntrack fill over a sliding window of samples: pressure is on
 * when every sample in the window is above the threshold, so a brief spike
 * does not flip a condition.
 */
export class ConntrackPressure {
  private readonly samples: number[] = [];
  private readonly windowSize: number;
  private readonly threshold: number;

  constructor(windowSize = 4, threshold = 0.9) {
    this.windowSize = windowSize;
    this.threshold = threshold;
  }

  /** Adds a sample; returns true when the pressure state flipped. */
  add(count: number | undefined, max: number | undefined): boolean {
    const before = this.current() !== undefined;
    if (count !== undefined && max !== undefined && max > 0) this.samples.push(count / max);
    while (this.samples.length > this.windowSize) this.samples.shift();
    return before !== (this.current() !== undefined);
  }

  current(): { ratio: number } | undefined {
    const full =
      this.samples.length === this.windowSize &&
      this.samples.every((ratio) => ratio > this.threshold);
    return full ? { ratio: this.samples.at(-1) ?? 0 } : undefined;
  }
}
