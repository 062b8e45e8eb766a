import { describe, expect, it } from "vitest";
import { configFrom } from "../../operator/src/config.ts";
import { FlagError, integerFlag, portFlag } from "../flags.ts";

describe("numeric flags", () => {
  it.each([
    { sentence: "takes a whole number in range", value: "60", min: 1, want: 60 },
    { sentence: "takes the smallest allowed", value: "1", min: 1, want: 1 },
    {
      sentence: "takes a whole number as Helm renders a large one",
      value: "7.776e+06",
      min: 1,
      want: 7776000,
    },
    {
      sentence: "refuses a word (NaN would be a 1 ms timer)",
      value: "abc",
      min: 1,
      want: "is not a whole number at least 1",
    },
    { sentence: "refuses a fraction", value: "1.5", min: 1, want: "is not a whole number" },
    { sentence: "refuses an empty value", value: "", min: 1, want: "is not a whole number" },
    {
      sentence: "refuses hex and exponents Number() would take",
      value: "0x10",
      min: 1,
      want: "is not a whole number",
    },
    {
      sentence: "refuses a number below the minimum",
      value: "0",
      min: 1,
      want: "is not a whole number at least 1",
    },
  ])("$sentence", ({ value, min, want }) => {
    if (typeof want === "number") expect(integerFlag("resync-seconds", value, min)).toBe(want);
    else
      expect(() => integerFlag("resync-seconds", value, min)).toThrow(
        `--resync-seconds: "${value}" ${want}`,
      );
  });

  it("refuses a port above 65535, and 0 unless allowed", () => {
    expect(() => portFlag("metrics-port", "70000")).toThrow(FlagError);
    expect(() => portFlag("metrics-port", "0")).toThrow("from 1 to 65535");
    expect(portFlag("webhook-port", "0", true)).toBe(0);
  });

  it("the operator names the flag it cannot use", () => {
    expect(() => configFrom(["--workers", "many"], {})).toThrow(/^--workers: "many"/);
    expect(() => configFrom(["--lease-seconds", "1"], {})).toThrow("--lease-seconds");
    expect(configFrom(["--workers", "8"], {}).workers).toBe(8);
  });
});

describe("the programs' metrics port", () => {
  it("takes 0, for the kernel to choose, as tests running many replicas do", () => {
    expect(configFrom(["--metrics-port", "0", "--webhook-port", "0"], {}).metricsPort).toBe(0);
  });
});
