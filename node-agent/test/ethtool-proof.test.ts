// What a successful ethtool set proves without a read-back process, on
// output captured from real drivers (fixtures/guest: virtio_net in the nic
// tier's guest; fixtures/ethtool: veth and mlx5_core).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CommandResult } from "../src/host/commands.ts";
import { parseFeaturesJSON, parsePresetAndCurrent } from "../src/host/ethtool-parse.ts";
import { channelsAfterSet, featuresAfterSet } from "../src/host/ethtool-proof.ts";
import { Ethtool } from "../src/host/ethtool.ts";
import type { QueueCounts } from "../src/host/queue-counts.ts";

const fixture = (file: string): string =>
  readFileSync(path.join(import.meta.dirname, "fixtures", file), "utf8");

const virtioChannels = parsePresetAndCurrent(fixture("guest/virtio_net/l.txt")); // combined 4
const vethChannels = parsePresetAndCurrent(fixture("ethtool/veth/l.txt"));
const virtioFeatures = parseFeaturesJSON(fixture("guest/virtio_net/k.json"));

const queues = (rx: number, tx: number): QueueCounts => ({ rx, tx });

describe("channelsAfterSet", () => {
  const cases: {
    sentence: string;
    before: typeof virtioChannels;
    queuesBefore: QueueCounts | undefined;
    pairs: [string, string][];
    queuesAfter: QueueCounts | undefined;
    combined?: number;
    proven: boolean;
  }[] = [
    {
      sentence: "proves virtio_net's combined 2 when sysfs shows 2 RX and 2 TX queues after",
      before: virtioChannels,
      queuesBefore: queues(4, 4),
      pairs: [["combined", "2"]],
      queuesAfter: queues(2, 2),
      combined: 2,
      proven: true,
    },
    {
      sentence: "proves nothing when sysfs still shows the old queue count",
      before: virtioChannels,
      queuesBefore: queues(4, 4),
      pairs: [["combined", "2"]],
      queuesAfter: queues(4, 4),
      proven: false,
    },
    {
      sentence:
        "proves nothing on a driver whose TX queues are not its channels (4 channels, 2 traffic classes)",
      before: virtioChannels,
      queuesBefore: queues(4, 8),
      pairs: [["combined", "2"]],
      queuesAfter: queues(2, 2),
      proven: false,
    },
    {
      sentence: "proves nothing without sysfs queue counts",
      before: virtioChannels,
      queuesBefore: undefined,
      pairs: [["combined", "2"]],
      queuesAfter: queues(2, 2),
      proven: false,
    },
  ];
  it.each(cases)("$sentence", ({ before, queuesBefore, pairs, queuesAfter, combined, proven }) => {
    const after = channelsAfterSet(before, queuesBefore, pairs, queuesAfter);
    expect(after !== undefined).toBe(proven);
    if (combined !== undefined) expect(after?.current.combined).toBe(combined);
  });

  it("proves veth's separate rx and tx counts, which it has instead of combined", () => {
    const { rx = 0, tx = 0 } = vethChannels.current;
    const after = channelsAfterSet(
      vethChannels,
      queues(rx, tx),
      [
        ["rx", "1"],
        ["tx", "1"],
      ],
      queues(1, 1),
    );
    expect(after?.current).toMatchObject({ rx: 1, tx: 1 });
  });
});

describe("featuresAfterSet", () => {
  it("proves the requested features when ethtool answered the set with nothing", () => {
    const after = featuresAfterSet(virtioFeatures, [["generic-receive-offload", "off"]], "");
    expect(after?.get("generic-receive-offload")?.active).toBe(false);
    expect(virtioFeatures.get("generic-receive-offload")?.active).toBe(true);
  });

  it("proves nothing when the kernel's answer lists a feature that did not take", () => {
    const answer = "Actual changes:\nrx-lro: on [requested off]\n";
    expect(featuresAfterSet(virtioFeatures, [["generic-receive-offload", "off"]], answer)).toBe(
      undefined,
    );
  });

  it("proves nothing for a feature the earlier read did not have", () => {
    expect(featuresAfterSet(virtioFeatures, [["no-such-feature", "off"]], "")).toBe(undefined);
  });
});

/** An ethtool that answers from fixtures and counts its processes. */
function fakeEthtool(setAnswer: string, queuesNow: () => QueueCounts, onSet = (): void => {}) {
  const calls: string[] = [];
  const run = (_binary: string, args: readonly string[]): Promise<CommandResult> => {
    calls.push(args.join(" "));
    if (/^-[LK]$/.test(args[0] ?? "")) onSet();
    const answers: Record<string, string> = {
      "-l": fixture("guest/virtio_net/l.txt"),
      "-k": fixture("guest/virtio_net/k.json"),
    };
    const flag = args.at(-2) ?? "";
    const stdout = /^-[LK]$/.test(args[0] ?? "") ? setAnswer : answers[flag];
    return Promise.resolve({ code: 0, stdout: stdout ?? "", stderr: "" });
  };
  return {
    calls,
    ethtool: new Ethtool(run, { queueCounts: () => Promise.resolve(queuesNow()) }),
  };
}

describe("Ethtool after a set", () => {
  it("answers a channel read from the proof instead of a second ethtool -l", async () => {
    let now = queues(4, 4);
    const { calls, ethtool } = fakeEthtool(
      "",
      () => now,
      () => (now = queues(2, 2)),
    );
    await ethtool.channels("eth0");
    await ethtool.set("eth0", "channels", [["combined", "2"]]);
    expect((await ethtool.channels("eth0"))?.current.combined).toBe(2);
    expect(calls).toEqual(["-l eth0", "-L eth0 combined 2"]);
  });

  it("asks ethtool -l again when sysfs does not show the new queues", async () => {
    const { calls, ethtool } = fakeEthtool("", () => queues(4, 4));
    await ethtool.channels("eth0");
    await ethtool.set("eth0", "channels", [["combined", "2"]]);
    await ethtool.channels("eth0");
    expect(calls).toEqual(["-l eth0", "-L eth0 combined 2", "-l eth0"]);
  });

  it("answers a feature read from a silent set, and reads back after an answer that says more", async () => {
    const silent = fakeEthtool("", () => queues(4, 4));
    await silent.ethtool.features("eth0");
    await silent.ethtool.set("eth0", "features", [["generic-receive-offload", "off"]]);
    expect((await silent.ethtool.features("eth0"))?.get("generic-receive-offload")?.active).toBe(
      false,
    );
    expect(silent.calls).toEqual(["--json -k eth0", "-K eth0 generic-receive-offload off"]);

    const told = fakeEthtool("Actual changes:\nrx-gro: on [requested off]\n", () => queues(4, 4));
    await told.ethtool.features("eth0");
    await told.ethtool.set("eth0", "features", [["generic-receive-offload", "off"]]);
    await told.ethtool.features("eth0");
    expect(told.calls).toEqual([
      "--json -k eth0",
      "-K eth0 generic-receive-offload off",
      "--json -k eth0",
    ]);
  });
});
