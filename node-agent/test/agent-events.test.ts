import { describe, expect, it } from "vitest";
import type {
  NodeNetworkTuningStatus,
  SettingResult,
} from "../../api/v1alpha1/node-network-tuning.ts";
import type { Logger } from "../../common/logger.ts";
import { agentEvents, type AgentEvent } from "../src/runtime/agent-events.ts";
import { EventCorrelator, kubeletLimits } from "../src/runtime/event-correlator.ts";
import { EventRecorder } from "../src/runtime/event-recorder.ts";
import { microTime } from "../../common/time.ts";
import { APIError, type AgentEventObject, type EventClient } from "../src/runtime/kube.ts";
import { AgentMetrics } from "../src/runtime/metrics.ts";
import type { RunOutcome } from "../src/runtime/node-status.ts";
import { hostPathsUnder } from "../src/host/paths.ts";

const result = (name: string, extra: Partial<SettingResult> = {}): SettingResult => ({
  name,
  desired: "1",
  observed: "1",
  state: "Applied",
  reason: "AlreadySet",
  ...extra,
});
const written = (name: string): SettingResult => result(name, { reason: "Written" });
const failed = (name: string, reason = "WriteFailed"): SettingResult =>
  result(name, { state: "Failed", reason, message: `${name}: the kernel refused the write` });

function outcome(...mods: ((o: RunOutcome) => void)[]): RunOutcome {
  const o: RunOutcome = {
    generation: 2,
    mode: "Enforce",
    results: [written("sysctl/net.core.somaxconn")],
    reverted: [],
    driftCorrected: [],
    inventory: {},
  };
  for (const mod of mods) mod(o);
  return o;
}
const withResults =
  (...results: SettingResult[]) =>
  (o: RunOutcome): void => {
    o.results = results;
  };

function status(
  generation: number,
  applied: "True" | "False",
  settings: SettingResult[] = [],
): NodeNetworkTuningStatus {
  return {
    observedGeneration: generation,
    settings,
    conditions: [
      {
        type: "Applied",
        status: applied,
        reason: applied === "True" ? "Applied" : "SettingsFailed",
        message: "",
        lastTransitionTime: "2026-12-01T00:00:00Z",
      },
    ],
  };
}

describe("the Events a check calls for", () => {
  it.each<{
    sentence: string;
    outcome: RunOutcome;
    previous?: NodeNetworkTuningStatus;
    events: Partial<AgentEvent>[];
  }>([
    {
      sentence: "a new generation that holds is Applied, once",
      outcome: outcome(),
      previous: status(1, "True"),
      events: [
        {
          type: "Normal",
          reason: "Applied",
          note: "generation 2: 1/1 settings hold their values, 1 written now",
        },
      ],
    },
    {
      sentence: "a re-check of a generation already applied tells nothing",
      outcome: outcome(withResults(result("sysctl/net.core.somaxconn"))),
      previous: status(2, "True"),
      events: [],
    },
    {
      sentence: "a generation applied after failing before is Applied",
      outcome: outcome(),
      previous: status(2, "False"),
      events: [{ reason: "Applied" }],
    },
    {
      sentence: "Audit mode applies nothing and tells nothing",
      outcome: outcome((o) => {
        o.mode = "Audit";
        o.results = [result("a", { state: "WouldChange", reason: "WouldChange" })];
      }),
      events: [],
    },
    {
      sentence: "a failing setting is a Warning naming it and the kernel's refusal",
      outcome: outcome(withResults(written("a"), failed("b"))),
      previous: status(1, "True"),
      events: [
        {
          type: "Warning",
          reason: "SettingsFailed",
          action: "Apply",
          note: "1 setting of 2 failed: b WriteFailed (b: the kernel refused the write)",
        },
      ],
    },
    {
      sentence: "the same failure found again by a re-check tells nothing",
      outcome: outcome(withResults(written("a"), failed("b"))),
      previous: status(2, "False", [failed("b")]),
      events: [],
    },
    {
      sentence: "another setting failing in the same generation is told",
      outcome: outcome(withResults(failed("a"), failed("b"))),
      previous: status(2, "False", [failed("b")]),
      events: [{ reason: "SettingsFailed" }],
    },
    {
      sentence: "a spec refused before any write is told once per generation",
      outcome: outcome((o) => {
        o.results = [];
        o.invalid = "refused before any write: sysctl kernel.panic is not accepted";
      }),
      previous: status(1, "True"),
      events: [
        {
          type: "Warning",
          reason: "SettingsFailed",
          note: "refused before any write: sysctl kernel.panic is not accepted",
        },
      ],
    },
    {
      sentence: "a rollback is a Warning every time, and not also a failure",
      outcome: outcome(withResults(failed("eth0/channels.combined", "RolledBack"))),
      previous: status(2, "False", [failed("eth0/channels.combined", "RolledBack")]),
      events: [{ type: "Warning", reason: "RolledBack", action: "Rollback" }],
    },
    {
      sentence: "a drift correction says what was found and what was set again",
      outcome: outcome((o) => {
        o.driftCorrected = [{ name: "eth0/rx-0/rps_cpus", from: "0", to: "f" }];
      }),
      previous: status(2, "True"),
      events: [
        {
          type: "Normal",
          reason: "DriftCorrected",
          action: "CorrectDrift",
          note: "set again 1 setting: eth0/rx-0/rps_cpus 0 → f",
        },
      ],
    },
    {
      sentence: "settings the spec dropped are Reverted with the values restored",
      outcome: outcome((o) => {
        o.reverted = [
          result("sysctl/net.core.somaxconn", { reason: "RestoredOriginal", observed: "4096" }),
        ];
        o.results = [];
      }),
      previous: status(1, "True"),
      events: [
        {
          reason: "Reverted",
          action: "Revert",
          note: "restored 1 setting the spec no longer asks for: sysctl/net.core.somaxconn=4096",
        },
      ],
    },
    {
      sentence: "a long list names five settings and counts the rest",
      outcome: outcome((o) => {
        o.driftCorrected = ["a", "b", "c", "d", "e", "f", "g"].map((name) => ({
          name,
          from: "0",
          to: "1",
        }));
      }),
      previous: status(2, "True"),
      events: [
        { note: "set again 7 settings: a 0 → 1; b 0 → 1; c 0 → 1; d 0 → 1; e 0 → 1; and 2 more" },
      ],
    },
  ])("$sentence", ({ outcome, previous, events }) => {
    const told = agentEvents(outcome, previous);
    expect(told).toHaveLength(events.length);
    events.forEach((event, i) => expect(told[i]).toMatchObject(event));
  });
});

const event = (note = "set again 1 setting: a 0 → 1"): AgentEvent => ({
  type: "Normal",
  reason: "DriftCorrected",
  action: "CorrectDrift",
  note,
});

function clock(start = Date.parse("2026-12-01T10:00:00Z")): {
  now: () => Date;
  advance(ms: number): void;
} {
  let at = start;
  return {
    now: () => new Date(at),
    advance: (ms) => {
      at += ms;
    },
  };
}

describe("Event correlation, as the kubelet's recorder does it", () => {
  it("creates an Event the first time and counts a repeat on it", () => {
    const time = clock();
    const correlator = new EventCorrelator(time.now);
    const first = correlator.correlate("Node/n1", event());
    expect(first.send).toBe("create");
    if (first.send === "create") correlator.created(first.key, "n1.1");
    time.advance(1000);
    expect(correlator.correlate("Node/n1", event())).toMatchObject({
      send: "series",
      name: "n1.1",
      count: 2,
    });
    expect(correlator.correlate("Node/n1", event())).toMatchObject({ send: "series", count: 3 });
  });

  it("creates a new Event for a repeat after the window", () => {
    const time = clock();
    const correlator = new EventCorrelator(time.now);
    const first = correlator.correlate("Node/n1", event());
    if (first.send === "create") correlator.created(first.key, "n1.1");
    time.advance(kubeletLimits.windowMs);
    expect(correlator.correlate("Node/n1", event()).send).toBe("create");
  });

  it("keeps Events about two objects apart", () => {
    const correlator = new EventCorrelator(clock().now);
    const first = correlator.correlate("Node/n1", event());
    if (first.send === "create") correlator.created(first.key, "n1.1");
    expect(correlator.correlate("NodeNetworkTuning/n1", event()).send).toBe("create");
  });

  it("combines the tenth distinct note of one reason, and counts the following ones on it", () => {
    const correlator = new EventCorrelator(clock().now);
    const notes = Array.from({ length: 12 }, (_, i) => `set again 1 setting: q${i} 0 → 1`);
    const decisions = notes.map((note) => {
      const decision = correlator.correlate("Node/n1", event(note));
      if (decision.send === "create") correlator.created(decision.key, `n1.${note}`);
      return decision;
    });
    expect(decisions.slice(0, 9).every((d) => d.send === "create")).toBe(true);
    expect(decisions[9]).toMatchObject({
      send: "create",
      note: "(combined from similar events): set again 1 setting: q9 0 → 1",
    });
    expect(decisions[10]).toMatchObject({ send: "series", count: 2 });
    expect(decisions[11]).toMatchObject({ send: "series", count: 3 });
  });

  it("drops Events beyond the burst until the bucket refills", () => {
    const time = clock();
    const correlator = new EventCorrelator(time.now, { ...kubeletLimits, similar: 1000 });
    const sends = Array.from(
      { length: 30 },
      (_, i) => correlator.correlate("Node/n1", event(`n${i}`)).send,
    );
    expect(sends.filter((s) => s !== "nothing")).toHaveLength(25);
    time.advance(kubeletLimits.refillMs);
    expect(correlator.correlate("Node/n1", event("later")).send).toBe("create");
    expect(correlator.correlate("Node/n1", event("later still")).send).toBe("nothing");
  });
});

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function recordingClient(failPatch?: number): EventClient & {
  created: AgentEventObject[];
  patched: { name: string; count: number }[];
} {
  const created: AgentEventObject[] = [];
  const patched: { name: string; count: number }[] = [];
  return {
    created,
    patched,
    createEvent: (_namespace, object) => {
      created.push(object);
      return Promise.resolve();
    },
    patchEvent: (_namespace, name, patch) => {
      if (failPatch) return Promise.reject(new APIError("gone", failPatch));
      patched.push({ name, count: patch.series.count });
      return Promise.resolve();
    },
  };
}

describe("the Event recorder", () => {
  const metrics = (): AgentMetrics =>
    new AgentMetrics(hostPathsUnder("/nonexistent", "/nonexistent"));
  /** A recorder for node n1 at a fixed time, writing through `client`. */
  const recorderFor = (client: EventClient, m = metrics()): EventRecorder =>
    new EventRecorder({ client, nodeName: "n1", now: clock().now, log: quiet, metrics: m });

  it("writes each Event on the Node and on the NodeNetworkTuning, each related to the other", async () => {
    const client = recordingClient();
    const recorder = recorderFor(client);
    await recorder.record([event()], "uid-1");
    expect(client.created.map((e) => [e.regarding.kind, e.regarding.uid, e.related?.kind])).toEqual(
      [
        ["Node", "n1", "NodeNetworkTuning"],
        ["NodeNetworkTuning", "uid-1", "Node"],
      ],
    );
    expect(client.created[0]).toMatchObject({
      metadata: { namespace: "default" },
      reportingController: "nettune.io/node-agent",
      reportingInstance: "nettune.io/node-agent/n1",
      eventTime: "2026-12-01T10:00:00.000000Z",
    });
    expect(client.created[0]?.metadata.name).toMatch(/^n1\.[0-9a-f]+$/);
    expect(new Set(client.created.map((e) => e.metadata.name)).size).toBe(2);
  });

  it("writes on the Node alone once the NodeNetworkTuning is gone", async () => {
    const client = recordingClient();
    const recorder = recorderFor(client);
    await recorder.record([event()], undefined);
    expect(client.created.map((e) => e.regarding.kind)).toEqual(["Node"]);
    expect(client.created[0]?.related).toBeUndefined();
  });

  it("counts a repeat on the Event written first", async () => {
    const client = recordingClient();
    const recorder = recorderFor(client);
    await recorder.record([event()], undefined);
    await recorder.record([event()], undefined);
    expect(client.created).toHaveLength(1);
    expect(client.patched).toEqual([{ name: client.created[0]?.metadata.name, count: 2 }]);
  });

  it("creates the Event again when the one it counted on has expired", async () => {
    const client = recordingClient(404);
    const recorder = recorderFor(client);
    await recorder.record([event()], undefined);
    await recorder.record([event()], undefined);
    expect(client.created).toHaveLength(2);
  });

  it("never fails the check: a refused write is counted and logged", async () => {
    const m = metrics();
    const client: EventClient = {
      createEvent: () => Promise.reject(new APIError("forbidden", 403)),
      patchEvent: () => Promise.resolve(),
    };
    const recorder = recorderFor(client, m);
    await expect(recorder.record([event()], "uid-1")).resolves.toBeUndefined();
    const failed = (await m.events.get()).values.find((v) => v.labels.result === "failed");
    expect(failed?.value).toBe(2);
  });

  it("writes MicroTime with six fractional digits", () => {
    expect(microTime(new Date("2026-12-01T10:00:00.123Z"))).toBe("2026-12-01T10:00:00.123000Z");
  });
});
