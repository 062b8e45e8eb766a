import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseCoalesce,
  parseDriverInfo,
  parseFeatures,
  parseFeaturesAnyShape,
  parseFeaturesJSON,
  parsePresetAndCurrent,
  parseRSSEqual,
} from "../src/host/ethtool-parse.ts";

const fixture = (driver: string, file: string): string =>
  readFileSync(path.join(import.meta.dirname, "fixtures/ethtool", driver, file), "utf8");

describe("ethtool -l (channels)", () => {
  it.each([
    {
      driver: "veth",
      max: { rx: 4, tx: 4, combined: undefined },
      current: { rx: 4, tx: 4, combined: undefined },
    },
    {
      driver: "virtio_net",
      max: { rx: undefined, tx: undefined, combined: 4 },
      current: { combined: 4 },
    },
    { driver: "ixgbe", max: { other: 1, combined: 63 }, current: { other: 1, combined: 16 } },
    { driver: "mlx5_core", max: { rx: undefined, combined: 63 }, current: { combined: 32 } },
    { driver: "ena", max: { combined: 32 }, current: { combined: 8 } },
  ])("reads $driver's maxima and current counts, n/a as absent", ({ driver, max, current }) => {
    const parsed = parsePresetAndCurrent(fixture(driver, "l.txt"));
    expect(parsed.max).toMatchObject(max);
    expect(parsed.current).toMatchObject(current);
  });
});

describe("ethtool text without its section headers", () => {
  // Some ethtool builds print both blocks with no "Pre-set maximums:" / "Current hardware settings:".
  it("takes the first block as maxima and a repeated key as the start of the current settings", () => {
    const headerless = [
      "Channel parameters for eth0:",
      "RX:\t\tn/a",
      "TX:\t\tn/a",
      "Other:\t\tn/a",
      "Combined:\t4",
      "RX:\t\tn/a",
      "TX:\t\tn/a",
      "Other:\t\tn/a",
      "Combined:\t2",
      "",
    ].join("\n");
    const parsed = parsePresetAndCurrent(headerless);
    expect(parsed.max.combined).toBe(4);
    expect(parsed.current.combined).toBe(2);
  });

  it("reads the same numbers with the headers", () => {
    const text = fixture("virtio_net", "l.txt");
    const stripped = text.replace(/^(Pre-set maximums|Current hardware settings):\n/gm, "");
    expect(parsePresetAndCurrent(stripped)).toEqual(parsePresetAndCurrent(text));
  });
});

describe("ethtool -g (rings)", () => {
  it.each([
    {
      driver: "virtio_net",
      max: { rx: 1024, tx: 1024, "rx-mini": undefined },
      current: { rx: 256, tx: 256 },
    },
    { driver: "ixgbe", max: { rx: 4096, tx: 4096 }, current: { rx: 512, tx: 512 } },
    {
      driver: "mlx5_core",
      max: { rx: 8192, tx: 8192 },
      current: { rx: 1024, "cqe-size": undefined },
    },
    { driver: "ena", max: { rx: 16384, tx: 1024 }, current: { rx: 1024, "tx-push": undefined } },
  ])(
    "reads $driver's ring sizes, skipping the extra current-only lines",
    ({ driver, max, current }) => {
      const parsed = parsePresetAndCurrent(fixture(driver, "g.txt"));
      expect(parsed.max).toMatchObject(max);
      expect(parsed.current).toMatchObject(current);
    },
  );

  it("finds nothing in veth's refusal", () => {
    expect(parsePresetAndCurrent(fixture("veth", "g.txt"))).toEqual({ max: {}, current: {} });
  });
});

describe("ethtool -c (coalescing)", () => {
  it.each([
    {
      driver: "mlx5_core",
      want: {
        "adaptive-rx": "on",
        "adaptive-tx": "on",
        "rx-usecs": "8",
        "rx-frames": "128",
        "cqe-mode-rx": "on",
        "cqe-mode-tx": "off",
      },
    },
    {
      driver: "ena",
      want: {
        "adaptive-rx": "off",
        "adaptive-tx": undefined,
        "rx-usecs": "0",
        "tx-usecs": "64",
        "tx-frames": undefined,
        "cqe-mode-rx": undefined,
      },
    },
    {
      driver: "ixgbe",
      want: { "adaptive-rx": undefined, "rx-usecs": "1", "rx-frames": undefined },
    },
    {
      driver: "virtio_net",
      want: { "adaptive-rx": "off", "tx-frames": "1", "rx-usecs-irq": undefined },
    },
  ])(
    "reads $driver's values, the Adaptive and CQE mode pairs, and n/a as absent",
    ({ driver, want }) => {
      const parsed = parseCoalesce(fixture(driver, "c.txt"));
      for (const [key, value] of Object.entries(want))
        expect([key, parsed[key]]).toEqual([key, value]);
    },
  );
});

describe("ethtool -k (features)", () => {
  it.each([
    { driver: "veth", feature: "large-receive-offload", state: { active: false, fixed: true } },
    { driver: "veth", feature: "tx-checksum-ip-generic", state: { active: true, fixed: false } },
    { driver: "mlx5_core", feature: "rx-gro-hw", state: { active: false, fixed: false } },
    { driver: "ixgbe", feature: "ntuple-filters", state: { active: false, fixed: false } },
    { driver: "ena", feature: "highdma", state: { active: true, fixed: true } },
    {
      driver: "virtio_net",
      feature: "generic-receive-offload",
      state: { active: true, fixed: false },
    },
  ])("reads $driver's $feature, indented or fixed or requested", ({ driver, feature, state }) => {
    expect(parseFeatures(fixture(driver, "k.txt")).get(feature)).toEqual(state);
  });

  it("reads the same features from veth's --json output as from its text", () => {
    const text = parseFeatures(fixture("veth", "k.txt"));
    const json = parseFeaturesJSON(fixture("veth", "k.json"));
    for (const [name, state] of text) expect([name, json.get(name)]).toEqual([name, state]);
  });

  it("reads --json output by its shape: an ethtool that answers --json in text is read as text", () => {
    const text = parseFeatures(fixture("veth", "k.txt"));
    expect(parseFeaturesAnyShape(fixture("veth", "k.txt"))).toEqual(text);
    expect(parseFeaturesAnyShape(fixture("veth", "k.json"))).toEqual(text);
  });
});

describe("ethtool -i and -x", () => {
  it.each([
    { driver: "veth", bus: "" },
    { driver: "mlx5_core", bus: "0000:af:00.0" },
    { driver: "ena", bus: "0000:00:05.0" },
  ])("reads $driver's driver name and bus", ({ driver, bus }) => {
    expect(parseDriverInfo(fixture(driver, "i.txt"))).toMatchObject({ driver, "bus-info": bus });
  });

  it.each([
    {
      name: "an even table over 4 rings",
      text: "RX flow hash indirection table for eth0 with 4 RX ring(s):\n    0:      0     1     2     3     0     1     2     3\n    8:      0     1     2     3     0     1     2     3\nRSS hash key:\nOperation not supported\n",
      want: 4,
    },
    {
      name: "a weighted table",
      text: "RX flow hash indirection table for eth0 with 4 RX ring(s):\n    0:      0     0     1     2\n",
      want: undefined,
    },
  ])("recognises $name", ({ text, want }) => {
    expect(parseRSSEqual(text)).toBe(want);
  });
});
