// The parsers on output captured from real drivers in the nic tier's QEMU guest
// (Debian kernel 6.1.0-57-amd64, ethtool 6.1; see fixtures/guest/README.md).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseInterrupts, queueIRQs } from "../src/facts/interrupts.ts";
import {
  ethtoolRefusalCode,
  parseCoalesce,
  parseDriverInfo,
  parseFeatures,
  parseFeaturesJSON,
  parsePresetAndCurrent,
  parseRSSEqual,
  parseStatistics,
} from "../src/host/ethtool-parse.ts";
import { ringCountersOf } from "../src/facts/ring-counters.ts";
import { parseBannedIRQs } from "../src/host/irqbalance-socket.ts";

const capture = (file: string): string =>
  readFileSync(path.join(import.meta.dirname, "fixtures/guest", file), "utf8");

const drivers = ["virtio_net", "e1000e", "vmxnet3"] as const;

describe("ethtool output of real drivers", () => {
  it.each(drivers)("ethtool -i names the driver %s", (driver) => {
    expect(parseDriverInfo(capture(`${driver}/i.txt`)).driver).toBe(driver);
  });

  it.each([
    { driver: "virtio_net", max: { combined: 4 }, current: { combined: 4 } },
    { driver: "vmxnet3", max: { other: 1, combined: 4 }, current: { other: 1, combined: 4 } },
  ])("ethtool -l reads $driver's channel maxima and counts", ({ driver, max, current }) => {
    const channels = parsePresetAndCurrent(capture(`${driver}/l.txt`));
    expect(channels.max).toMatchObject(max);
    expect(channels.current).toMatchObject(current);
    expect(channels.max.rx).toBeUndefined();
  });

  it.each([
    { driver: "virtio_net", max: { rx: 256, tx: 256 }, current: { rx: 256, tx: 256 } },
    { driver: "e1000e", max: { rx: 4096, tx: 4096 }, current: { rx: 256, tx: 256 } },
    { driver: "vmxnet3", max: { rx: 4096, tx: 4096 }, current: { rx: 1024, tx: 512 } },
  ])("ethtool -g reads $driver's ring maxima and sizes", ({ driver, max, current }) => {
    const rings = parsePresetAndCurrent(capture(`${driver}/g.txt`));
    expect(rings.max).toMatchObject(max);
    expect(rings.current).toMatchObject(current);
  });

  it.each([
    { driver: "virtio_net", values: { "tx-frames": "1", "rx-frames": "1" }, absent: "adaptive-rx" },
    { driver: "e1000e", values: { "rx-usecs": "3" }, absent: "tx-usecs" },
  ])("ethtool -c reads $driver's coalescing, n/a as absent", ({ driver, values, absent }) => {
    const coalesce = parseCoalesce(capture(`${driver}/c.txt`));
    expect(coalesce).toMatchObject(values);
    expect(coalesce[absent]).toBeUndefined();
  });

  it.each(drivers)("ethtool -k and --json -k agree on %s's offloads", (driver) => {
    const text = parseFeatures(capture(`${driver}/k.txt`));
    const json = parseFeaturesJSON(capture(`${driver}/k.json`));
    expect(text.size).toBeGreaterThan(20);
    for (const [name, state] of json) expect(text.get(name)?.active, name).toBe(state.active);
  });

  it.each([
    { driver: "virtio_net", equal: 4 },
    { driver: "vmxnet3", equal: 4 },
  ])("ethtool -x finds $driver's table spread evenly over $equal rings", ({ driver, equal }) => {
    expect(parseRSSEqual(capture(`${driver}/x.txt`))).toBe(equal);
  });

  it.each([
    { driver: "e1000e", counter: "rx_no_buffer_count" },
    { driver: "vmxnet3", counter: "pkts rx OOB" },
    { driver: "vmxnet3", counter: "rx buf alloc fail" },
  ])(
    "ethtool -S has $driver's ring counter $counter, summed over its queues",
    ({ driver, counter }) => {
      const stats = parseStatistics(capture(`${driver}/S.txt`));
      expect(ringCountersOf(driver)).toContain(counter);
      expect(stats.get(counter)).toBe(0);
    },
  );

  it("ethtool -S reads virtio_net's per-queue counters, none of them a ring counter it judges", () => {
    const stats = parseStatistics(capture("virtio_net/S.txt"));
    expect(stats.get("rx_queue_0_packets")).toBeGreaterThan(0);
    expect(ringCountersOf("virtio_net")).toEqual([]);
  });

  it("tells a driver's 'not supported' from a value the kernel rejects", () => {
    const refusals = capture("refused-sets.txt").split(/^\$ /m).slice(1);
    const codes = refusals.map((block) => ethtoolRefusalCode(block));
    // -L vmxnet3, -L e1000e, -C virtio, -G virtio above max, -X e1000e, -C vmxnet3, -l e1000e.
    expect(codes).toEqual([
      "EOPNOTSUPP",
      "EOPNOTSUPP",
      "EOPNOTSUPP",
      "ETHTOOL",
      "EOPNOTSUPP",
      "EOPNOTSUPP",
      "EOPNOTSUPP",
    ]);
  });
});

describe("/proc/interrupts of real drivers", () => {
  const names = parseInterrupts(capture("interrupts.txt"));

  it.each([
    { driver: "virtio_net", msi: [30, 31, 32, 33, 34, 35, 36, 37, 38], queues: 8, left: 30 },
    { driver: "e1000e", msi: [39, 40, 41], queues: 2, left: 41 },
    { driver: "vmxnet3", msi: [42, 43, 44, 45, 46], queues: 4, left: 46 },
  ])(
    "finds $driver's $queues queue IRQs and leaves out its other vectors",
    ({ driver, msi, queues, left }) => {
      const found = queueIRQs({ driver, name: "eth0" }, msi, names).queues;
      expect(found).toHaveLength(queues);
      expect(found.map((q) => q.irq)).not.toContain(left);
    },
  );

  it("orders virtio's input and output vectors by queue", () => {
    const found = queueIRQs(
      { driver: "virtio_net", name: "eth0" },
      [30, 31, 32, 33, 34, 35, 36, 37, 38],
      names,
    ).queues;
    expect(found.map((q) => [q.name, q.queue])).toEqual([
      ["virtio2-input.0", 0],
      ["virtio2-output.0", 0],
      ["virtio2-input.1", 1],
      ["virtio2-output.1", 1],
      ["virtio2-input.2", 2],
      ["virtio2-output.2", 2],
      ["virtio2-input.3", 3],
      ["virtio2-output.3", 3],
    ]);
  });
});

describe("irqbalance's setup answer", () => {
  it("lists the IRQs banned through the socket", () => {
    expect(parseBannedIRQs(capture("irqbalance-setup-banned.txt"))).toEqual([30, 31]);
  });

  it("lists none when nothing is banned", () => {
    expect(parseBannedIRQs(capture("irqbalance-setup.txt"))).toEqual([]);
  });
});
