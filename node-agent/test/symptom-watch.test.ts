import type { DiagnosisSettings } from "../../api/v1alpha1/node-settings.ts";
import type { Thresholds } from "../src/engine/detect.ts";
import { thresholdsFor } from "../src/engine/thresholds.ts";
import { describe, expect, it } from "vitest";
import { Symptom } from "../../api/v1alpha1/advice.ts";
import { AgentEventReason } from "../../api/v1alpha1/reasons.ts";
import { NodeAdviceCondition } from "../../api/v1alpha1/advice.ts";
import type { Logger } from "../../common/logger.ts";
import type { AgentEvent } from "../src/runtime/agent-events.ts";
import { DiagnosisLoop } from "../src/runtime/diagnosis-loop.ts";
import { adviceCondition, describeAdvice } from "../src/runtime/node-advice.ts";
import { SymptomWatch } from "../src/runtime/symptom-watch.ts";
import { counterSample, nodeBounds, overflows } from "./gen/counters.ts";

/** A watch over ListenOverflows values, one per tick, a second apart. */
function watchOver(
  values: number[],
  thresholds?: () => Thresholds,
): { watch: SymptomWatch; boundsRead: () => number } {
  let tick = 0;
  let boundsRead = 0;
  const watch = new SymptomWatch({
    ...(thresholds ? { thresholds } : {}),
    sample: () => Promise.resolve(counterSample(tick, overflows(values[tick++] ?? 0))),
    bounds: () => {
      boundsRead++;
      return Promise.resolve(nodeBounds());
    },
    now: () => tick * 1000,
  });
  return { watch, boundsRead: () => boundsRead };
}

async function ticks(watch: SymptomWatch, n: number): Promise<(string | undefined)[]> {
  const changes: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const change = await watch.tick();
    changes.push(
      change &&
        [
          ...change.started.map((a) => `+${a.symptom}`),
          ...change.ended.map((a) => `-${a.symptom}`),
        ].join(" "),
    );
  }
  return changes;
}

describe("the agent's symptom watch", () => {
  it("starts a symptom after a whole window above, keeps it through one quiet interval, ends it after a whole quiet window", async () => {
    const { watch } = watchOver([0, 5, 10, 15, 20, 20, 25, 25, 25, 25]);
    expect(await ticks(watch, 10)).toEqual([
      undefined,
      undefined,
      undefined,
      "+ListenOverflows",
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      "-ListenOverflows",
    ]);
    expect(watch.current()).toEqual([]);
  });

  it("judges by the thresholds the node's tuning asks for at each tick", async () => {
    let asked: DiagnosisSettings | undefined = { thresholds: { listenOverflowsPerSecond: 100 } };
    const { watch } = watchOver([0, 5, 10, 15, 20, 25, 30, 35], () => thresholdsFor(asked));
    expect(await ticks(watch, 4)).toEqual([undefined, undefined, undefined, undefined]);
    asked = undefined;
    expect(await ticks(watch, 1)).toEqual(["+ListenOverflows"]);
  });

  it("keeps the advice a symptom started with while it holds", async () => {
    const { watch } = watchOver([0, 5, 10, 15, 200, 400]);
    await ticks(watch, 4);
    const first = watch.current();
    await ticks(watch, 2);
    expect(watch.current()).toEqual(first);
    expect(first[0]?.evidence.delta).toBe(15);
  });

  it("reads the node's bounds only while a symptom holds", async () => {
    const { watch, boundsRead } = watchOver([0, 0, 0, 0, 0, 0]);
    await ticks(watch, 6);
    expect(boundsRead()).toBe(0);
  });
});

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe("the diagnosis loop", () => {
  function loop(values: number[], failWrites = 0) {
    const { watch } = watchOver(values);
    const recorded: AgentEvent[] = [];
    const written: { status: { conditions: object[] } }[] = [];
    let failures = failWrites;
    let now = 0;
    const changes = { count: 0 };
    const diagnosis = new DiagnosisLoop({
      watch,
      windowIntervals: 3,
      events: {
        record: (events) => {
          recorded.push(...events);
          return Promise.resolve();
        },
      },
      client: {
        patchNodeStatus: (_name, patch) => {
          if (failures-- > 0) return Promise.reject(new Error("API server away"));
          written.push(patch);
          return Promise.resolve();
        },
      },
      nodeName: "n1",
      now: () => new Date(Date.UTC(2026, 11, 6, 0, 0, now++)),
      log: quiet,
      onChange: () => {
        changes.count++;
      },
    });
    return { diagnosis, recorded, written, changes };
  }

  it("writes NoSymptoms once the first window is whole, replacing what an earlier agent left", async () => {
    const { diagnosis, written, recorded, changes } = loop([0, 0, 0, 0, 0, 0]);
    for (let i = 0; i < 6; i++) await diagnosis.tick();
    expect(changes.count).toBe(0);
    expect(written).toHaveLength(1);
    expect(written[0]?.status.conditions[0]).toMatchObject({
      type: NodeAdviceCondition.type,
      status: "False",
      reason: NodeAdviceCondition.NoSymptoms,
    });
    expect(recorded).toEqual([]);
  });

  it("records a Warning Event and sets the condition True when a symptom starts", async () => {
    const { diagnosis, written, recorded, changes } = loop([0, 5, 10, 15]);
    for (let i = 0; i < 4; i++) await diagnosis.tick();
    expect(changes.count).toBe(1);
    expect(recorded).toEqual([
      expect.objectContaining({ type: "Warning", reason: AgentEventReason.SymptomFound }),
    ]);
    expect(recorded[0]?.note).toContain("set sysctls.net.core.somaxconn to 16384");
    expect(written.at(-1)?.status.conditions[0]).toMatchObject({
      status: "True",
      reason: NodeAdviceCondition.SymptomsFound,
    });
  });

  it("tries a failed condition write again at the next tick", async () => {
    const { diagnosis, written } = loop([0, 0, 0, 0, 0, 0], 1);
    for (let i = 0; i < 5; i++) await diagnosis.tick();
    expect(written).toHaveLength(1);
  });
});

describe("the Node condition and the Event notes", () => {
  const advice = {
    symptom: Symptom.NICMissedPackets,
    evidence: { counter: "rx_missed_errors", delta: 12, windowSeconds: 45, where: "eth0" },
    remedy: { setting: "interfaces.rings.rx" as const, value: "1024", interface: "eth0" },
    bound: "the RX ring's pre-set maximum, 4096",
  };

  it("says what, where, the evidence and the value", () => {
    expect(describeAdvice(advice)).toBe(
      "NICMissedPackets on eth0 (rx_missed_errors +12 in 45s): set interfaces.rings.rx of eth0 to 1024 (bound: the RX ring's pre-set maximum, 4096)",
    );
  });

  it("says why there is no value at a bound", () => {
    const { remedy: _remedy, ...noRemedy } = advice;
    expect(describeAdvice({ ...noRemedy, bound: "reached" })).toContain(
      "no value to advise: reached",
    );
  });

  it("keeps the time of the last change apart from now, and cuts a long message", () => {
    const now = new Date("2026-12-06T10:00:05.123Z");
    const since = new Date("2026-12-06T09:00:00Z");
    const condition = adviceCondition(
      Array.from({ length: 40 }, () => advice),
      now,
      since,
    );
    expect(condition.lastHeartbeatTime).toBe("2026-12-06T10:00:05Z");
    expect(condition.lastTransitionTime).toBe("2026-12-06T09:00:00Z");
    expect(condition.message.length).toBeLessThanOrEqual(1024);
  });
});

describe("a sample that throws", () => {
  it("skips that tick, logs, and keeps the loop going", async () => {
    let calls = 0;
    const errors: string[] = [];
    const watch = new SymptomWatch({
      sample: () => {
        calls++;
        return calls === 2
          ? Promise.reject(new Error("EIO"))
          : Promise.resolve(counterSample(calls, overflows(0)));
      },
      bounds: () => Promise.resolve(nodeBounds()),
      now: () => calls * 1000,
    });
    const diagnosis = new DiagnosisLoop({
      watch,
      windowIntervals: 3,
      events: { record: () => Promise.resolve() },
      client: { patchNodeStatus: () => Promise.resolve() },
      nodeName: "n1",
      now: () => new Date(0),
      log: { ...quiet, error: (message) => errors.push(message) },
      onChange: () => undefined,
    });
    for (let i = 0; i < 3; i++) await diagnosis.tick();
    expect(calls).toBe(3);
    expect(errors).toHaveLength(1);
  });
});
