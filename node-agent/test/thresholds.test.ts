import { describe, expect, it } from "vitest";
import { defaultThresholds } from "../src/engine/detect.ts";
import { thresholdsFor } from "../src/engine/thresholds.ts";

describe("the thresholds a tuning asks for", () => {
  it.each([
    {
      sentence: "no diagnosis settings keep the defaults",
      asked: undefined,
      want: defaultThresholds,
    },
    { sentence: "no thresholds keep the defaults", asked: {}, want: defaultThresholds },
    {
      sentence: "a rate replaces its default alone",
      asked: { thresholds: { insertFailedPerSecond: 2 } },
      want: {
        ...defaultThresholds,
        perSecond: { ...defaultThresholds.perSecond, insertFailed: 2 },
      },
    },
    {
      sentence: "every rate and the fill in percent",
      asked: {
        thresholds: {
          conntrackDropsPerSecond: 3,
          insertFailedPerSecond: 4,
          backlogDropsPerSecond: 5,
          timeSqueezePerSecond: 6,
          nicMissedPerSecond: 7,
          listenOverflowsPerSecond: 8,
          conntrackFillPercent: 95,
        },
      },
      want: {
        ...defaultThresholds,
        perSecond: {
          conntrackDrops: 3,
          insertFailed: 4,
          backlogDrops: 5,
          timeSqueeze: 6,
          nicMissed: 7,
          listenOverflows: 8,
        },
        conntrackFill: 0.95,
      },
    },
    {
      sentence: "0 is a threshold, not an absent one",
      asked: { thresholds: { backlogDropsPerSecond: 0 } },
      want: {
        ...defaultThresholds,
        perSecond: { ...defaultThresholds.perSecond, backlogDrops: 0 },
      },
    },
  ])("$sentence", ({ asked, want }) => {
    expect(thresholdsFor(asked)).toEqual(want);
  });
});
