// The report the agent writes on every change in its compact form, and the
// inventory apart, written only when what the agent found changes (docs/adr/0014).
import { describe, expect, it } from "vitest";
import { settingResults } from "../../api/v1alpha1/contract.ts";
import type {
  HostInventory,
  NodeNetworkTuningStatus,
  SettingResult,
} from "../../api/v1alpha1/node-network-tuning.ts";
import type { OwnerReference } from "../../api/v1alpha1/meta.ts";
import type { Logger } from "../../common/logger.ts";
import type { InventoryClient } from "../src/runtime/inventory-client.ts";
import { InventoryPublisher } from "../src/runtime/inventory-publisher.ts";
import { nodeStatus, onlySourceOf, type RunOutcome } from "../src/runtime/node-status.ts";

const t0 = new Date("2026-12-07T10:00:00Z");

const result = (extra: Partial<SettingResult>): SettingResult => ({
  name: "sysctl/net.core.somaxconn",
  source: "web",
  desired: "4096",
  observed: "4096",
  original: "128",
  state: "Applied",
  reason: "Written",
  ...extra,
});

const reported = (
  results: SettingResult[],
  onlySource?: string,
): Pick<NodeNetworkTuningStatus, "applied" | "settings"> => {
  const outcome: RunOutcome = {
    generation: 2,
    mode: "Enforce",
    results,
    reverted: [],
    driftCorrected: [],
    inventory: { kernel: "6.1" },
  };
  const { applied, settings } = nodeStatus(undefined, outcome, t0, onlySource);
  return { ...(applied ? { applied } : {}), ...(settings ? { settings } : {}) };
};

describe("the compact per-setting result", () => {
  it.each([
    {
      name: "an Applied setting that reads back as desired is its name and value in applied, without observed, original or an empty message",
      given: result({ message: "" }),
      onlySource: "web",
      want: { applied: { "sysctl/net.core.somaxconn": "4096" } },
    },
    {
      name: "an Applied setting that reads back otherwise keeps observed (a kernel that rounds)",
      given: result({ desired: "1000", observed: "1024" }),
      onlySource: "web",
      want: {
        settings: [
          {
            name: "sysctl/net.core.somaxconn",
            desired: "1000",
            observed: "1024",
            state: "Applied",
          },
        ],
      },
    },
    {
      name: "a Failed setting keeps what the node holds and why",
      given: result({ observed: "128", state: "Failed", reason: "WriteFailed", message: "EPERM" }),
      onlySource: "web",
      want: {
        settings: [
          {
            name: "sysctl/net.core.somaxconn",
            desired: "4096",
            observed: "128",
            state: "Failed",
            reason: "WriteFailed",
            message: "EPERM",
          },
        ],
      },
    },
    {
      name: "a node with several tunings names each result's source",
      given: result({}),
      onlySource: undefined,
      want: {
        settings: [
          { name: "sysctl/net.core.somaxconn", source: "web", desired: "4096", state: "Applied" },
        ],
      },
    },
    {
      name: "an auto-raised value names its grant although the node has one tuning",
      given: result({ source: "auto/web", reason: "AutoRaised" }),
      onlySource: "web",
      want: {
        settings: [
          {
            name: "sysctl/net.core.somaxconn",
            source: "auto/web",
            desired: "4096",
            state: "Applied",
            reason: "AutoRaised",
          },
        ],
      },
    },
    {
      name: "an audit's result names the audit",
      given: result({ source: "audit-web", observed: "128", state: "WouldChange" }),
      onlySource: "web",
      want: {
        settings: [
          {
            name: "sysctl/net.core.somaxconn",
            source: "audit-web",
            desired: "4096",
            observed: "128",
            state: "WouldChange",
          },
        ],
      },
    },
  ])("$name", ({ given, onlySource, want }) => {
    expect(reported([given], onlySource)).toEqual(want);
  });

  it("splits a node's results between applied and settings, and the reader gives every one back", () => {
    const results = [
      result({ name: "eth0/rx-0/rps_cpus", desired: "ff", observed: "ff" }),
      result({ name: "eth0/irq/40", desired: "2", observed: "2", alsoWrittenBy: ["irqbalance"] }),
      result({ name: "eth1/channels.combined", state: "Unsupported", observed: "4" }),
      result({}),
    ];
    const status = reported(results, "web");
    expect(status.applied).toEqual({
      "eth0/rx-0/rps_cpus": "ff",
      "sysctl/net.core.somaxconn": "4096",
    });
    expect(status.settings?.map((entry) => entry.name)).toEqual([
      "eth0/irq/40",
      "eth1/channels.combined",
    ]);
    expect(settingResults(status).map((entry) => [entry.name, entry.state, entry.desired])).toEqual(
      [
        ["eth0/rx-0/rps_cpus", "Applied", "ff"],
        ["sysctl/net.core.somaxconn", "Applied", "4096"],
        ["eth0/irq/40", "Applied", "2"],
        ["eth1/channels.combined", "Unsupported", "4096"],
      ],
    );
  });

  it("keeps a result the agent reported twice under one name, the second in settings", () => {
    const twice = [result({ desired: "4096" }), result({ desired: "4096" })];
    const status = reported(twice, "web");
    expect(status.applied).toEqual({ "sysctl/net.core.somaxconn": "4096" });
    expect(status.settings).toEqual([
      { name: "sysctl/net.core.somaxconn", desired: "4096", state: "Applied" },
    ]);
    expect(settingResults(status)).toHaveLength(2);
  });

  it("writes neither field when the node has no result", () => {
    expect(reported([])).toEqual({});
  });

  it("leaves the inventory out of the report", () => {
    const status = nodeStatus(
      undefined,
      {
        generation: 1,
        mode: "Enforce",
        results: [],
        reverted: [],
        driftCorrected: [],
        inventory: { kernel: "6.1" },
      },
      t0,
    );
    expect(status).not.toHaveProperty("inventory");
  });

  it("the only source is the spec's one source, and none for none or several", () => {
    expect(onlySourceOf({ sources: [{ name: "web" }] })).toBe("web");
    expect(onlySourceOf({ sources: [{ name: "web" }, { name: "db" }] })).toBeUndefined();
    expect(onlySourceOf({})).toBeUndefined();
    expect(onlySourceOf(undefined)).toBeUndefined();
  });
});

interface Call {
  what: "status" | "object";
  inventory?: HostInventory;
  owners?: OwnerReference[];
}

/** An API server that holds one inventory object, or none; `fail` makes the next call throw. */
function fakeServer(exists: boolean): InventoryClient & { calls: Call[]; fail: boolean } {
  const server = {
    calls: [] as Call[],
    fail: false,
    applyInventoryStatus(_name: string, inventory: HostInventory): Promise<boolean> {
      if (server.fail) {
        server.fail = false;
        return Promise.reject(new Error("connection reset"));
      }
      server.calls.push({ what: "status", inventory });
      return Promise.resolve(exists);
    },
    applyInventoryObject(_name: string, owners: OwnerReference[]): Promise<void> {
      server.calls.push({ what: "object", owners });
      exists = true;
      return Promise.resolve();
    },
  };
  return server;
}

const warnings: string[] = [];
const quiet: Logger = {
  info: () => undefined,
  warn: (message: string) => {
    warnings.push(message);
  },
  error: () => undefined,
};

const node: OwnerReference = { apiVersion: "v1", kind: "Node", name: "node-1", uid: "u1" };
const facts = (count: number, max = 65536): HostInventory => ({
  kernel: "6.1",
  conntrack: { count, max },
});

function publisher(server: InventoryClient): {
  publisher: InventoryPublisher;
  writes: () => number;
} {
  let writes = 0;
  const p = new InventoryPublisher({
    client: server,
    nodeName: "node-1",
    log: quiet,
    written: () => {
      writes++;
    },
  });
  return { publisher: p, writes: () => writes };
}

describe("the node's inventory object", () => {
  it("is created owned by the Node alone, then holds what the agent found without the live count", async () => {
    const server = fakeServer(false);
    const { publisher: p } = publisher(server);
    const owner = { ...node, controller: true, blockOwnerDeletion: true };
    const other = { apiVersion: "apps/v1", kind: "DaemonSet", name: "x", uid: "u2" };
    await p.publish(facts(10), [owner, other]);
    expect(server.calls).toEqual([
      { what: "status", inventory: { kernel: "6.1", conntrack: { max: 65536 } } },
      { what: "object", owners: [node] },
      { what: "status", inventory: { kernel: "6.1", conntrack: { max: 65536 } } },
    ]);
  });

  it("is not written again while only the conntrack count moves, and is when the table size does", async () => {
    const server = fakeServer(true);
    const { publisher: p, writes } = publisher(server);
    await p.publish(facts(10), [node]);
    await p.publish(facts(5000), [node]);
    expect(writes()).toBe(1);
    await p.publish(facts(5000, 262144), [node]);
    expect(writes()).toBe(2);
    expect(server.calls.map((c) => c.what)).toEqual(["status", "status"]);
  });

  it("a failed write is logged, not thrown, and the next check writes it", async () => {
    const server = fakeServer(true);
    const { publisher: p, writes } = publisher(server);
    server.fail = true;
    await p.publish(facts(1), [node]);
    expect(writes()).toBe(0);
    expect(warnings.at(-1)).toMatch(/inventory was not written/);
    await p.publish(facts(1), [node]);
    expect(writes()).toBe(1);
  });
});
