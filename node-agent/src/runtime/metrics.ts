import type { Advice } from "../../../api/v1alpha1/advice.ts";
import { OtherWriter } from "../../../api/v1alpha1/reasons.ts";
import Counter from "prom-client/lib/counter.js";
import Gauge from "prom-client/lib/gauge.js";
import Histogram from "prom-client/lib/histogram.js";
import Registry from "prom-client/lib/registry.js";
import { readConntrackCounters, readNICDrops, readSoftnet } from "../facts/host-counters.ts";
import type { HostPaths } from "../host/paths.ts";
import { processGauges } from "./process-metrics.ts";

/** The agent's metrics, in a registry of its own. Host counters are read at scrape time. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly driftCorrections: Counter<"writer">;
  readonly applyDuration: Histogram;
  readonly applyErrors: Counter;
  readonly statusWrites: Counter;
  readonly inventoryWrites: Counter;
  readonly watchRestarts: Counter;
  readonly rollbacks: Counter;
  readonly hostWrites: Counter;
  readonly events: Counter<"result">;

  constructor(paths: HostPaths) {
    const registers = [this.registry];
    this.driftCorrections = new Counter({
      name: "nettune_agent_drift_corrections_total",
      help: "Settings written again because they had drifted from the desired value, by the program known to write them (kube-proxy, cni, tuned, networkmanager, udev, irqbalance) or unknown.",
      labelNames: ["writer"],
      registers,
    });
    for (const writer of [...Object.values(OtherWriter), "unknown"])
      this.driftCorrections.inc({ writer }, 0);
    this.applyDuration = new Histogram({
      name: "nettune_agent_apply_duration_seconds",
      help: "Time of one check: plan, apply and verify.",
      labelNames: ["cause"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.applyErrors = new Counter({
      name: "nettune_agent_apply_errors_total",
      help: "Checks that ended in an unexpected error and were retried.",
      registers,
    });
    this.statusWrites = new Counter({
      name: "nettune_agent_status_writes_total",
      help: "Status writes to the NodeNetworkTuning.",
      registers,
    });
    this.inventoryWrites = new Counter({
      name: "nettune_agent_inventory_writes_total",
      help: "Writes of the node's NodeNetworkInventory (made only when what the agent found changed).",
      registers,
    });
    this.watchRestarts = new Counter({
      name: "nettune_agent_watch_restarts_total",
      help: "Times the watch on the NodeNetworkTuning started over.",
      registers,
    });
    this.rollbacks = new Counter({
      name: "nettune_agent_rollbacks_total",
      help: "Changes rolled back because the API server probe failed after them.",
      registers,
    });
    this.hostWrites = new Counter({
      name: "nettune_agent_host_writes_total",
      help: "Writes to the host (sysfs, procfs, ethtool, resolv.conf), reverts included.",
      registers,
    });
    this.events = new Counter({
      name: "nettune_agent_events_total",
      help: "Events about the node by result: created, counted on an earlier one, dropped by the rate limit, failed.",
      labelNames: ["result"],
      registers,
    });
    // Every result from zero, so that a rate over them never starts from a missing series.
    for (const result of ["created", "counted", "dropped", "failed"])
      this.events.inc({ result }, 0);
    hostGauges(this.registry, paths);
    processGauges(this.registry);
  }

  /** nettune_agent_symptom: one series per symptom that holds, read from the watch at scrape. */
  watchSymptoms(current: () => Advice[]): void {
    new Gauge({
      name: "nettune_agent_symptom",
      help: "1 for each symptom that held through a whole window, with the setting its remedy changes (none when at its bound).",
      labelNames: ["symptom", "where", "remedy"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { symptom, evidence, remedy } of current())
          this.set({ symptom, where: evidence.where ?? "", remedy: remedy?.setting ?? "none" }, 1);
      },
    });
  }
}

/**
 * A kernel counter as a Prometheus counter: the kernel keeps the running
 * total, so each scrape replaces the value (it only grows, or starts again at
 * a reboot, which rate() takes as a counter reset).
 */
function setCounter(
  counter: Counter,
  value: number | undefined,
  labels: Record<string, string> = {},
): void {
  if (value !== undefined) counter.inc(labels, value);
}

function hostGauges(registry: Registry, paths: HostPaths): void {
  const registers = [registry];
  const counter = (name: string, help: string): Counter => new Counter({ name, help, registers });
  // Registered before its siblings, so that reading it refreshes them before they are read.
  new Gauge({
    name: "nettune_conntrack_entries",
    help: "Connection tracking entries in use.",
    registers,
    async collect() {
      const counters = await readConntrackCounters(paths);
      if (counters.count === undefined) this.reset();
      else this.set(counters.count);
      if (counters.max === undefined) max.reset();
      else max.set(counters.max);
      for (const [key, target] of Object.entries(kernelCounters)) {
        target.reset();
        setCounter(target, counters[key as keyof typeof kernelCounters]);
      }
    },
  });
  const max = new Gauge({ name: "nettune_conntrack_max", help: "nf_conntrack_max.", registers });
  const kernelCounters = {
    insertFailed: counter(
      "nettune_conntrack_insert_failed_total",
      "Kernel counter: packets dropped because a conntrack insert lost a race (summed over CPUs).",
    ),
    drop: counter(
      "nettune_conntrack_drop_total",
      "Kernel counter: packets dropped by conntrack (summed over CPUs).",
    ),
    earlyDrop: counter(
      "nettune_conntrack_early_drop_total",
      "Kernel counter: entries dropped early to make room (summed over CPUs).",
    ),
  };
  new Counter({
    name: "nettune_softnet_dropped_total",
    help: "Kernel counter: packets dropped because the CPU backlog was full (softnet_stat column 2).",
    labelNames: ["cpu"],
    registers,
    async collect() {
      this.reset();
      for (const row of await readSoftnet(paths))
        setCounter(this, row.dropped, { cpu: String(row.cpu) });
    },
  });
  new Counter({
    name: "nettune_softnet_time_squeeze_total",
    help: "Kernel counter: NET_RX runs that ran out of budget with work left (softnet_stat column 3).",
    labelNames: ["cpu"],
    registers,
    async collect() {
      this.reset();
      for (const row of await readSoftnet(paths))
        setCounter(this, row.timeSqueeze, { cpu: String(row.cpu) });
    },
  });
  new Counter({
    name: "nettune_nic_drops_total",
    help: "Kernel counter: an interface's drop and overrun counters from sysfs statistics.",
    labelNames: ["interface", "counter"],
    registers,
    async collect() {
      this.reset();
      for (const { iface, counter: name, value } of await readNICDrops(paths))
        setCounter(this, value, { interface: iface, counter: name });
    },
  });
}
