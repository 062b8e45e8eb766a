import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The operator's metrics, in a registry of its own. */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileDuration: Histogram;
  readonly queueDepth: Gauge;
  readonly apiErrors: Counter;
  readonly leader: Gauge;
  readonly dnsWebhook: Counter;
  readonly webhookCertificateExpiry: Gauge;

  constructor(nodesByState: () => Record<string, number>) {
    const registers = [this.registry];
    this.reconcileDuration = new Histogram({
      name: "nettune_operator_reconcile_duration_seconds",
      help: "Time of one reconcile, by key kind.",
      labelNames: ["kind"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.queueDepth = new Gauge({
      name: "nettune_operator_queue_depth",
      help: "Keys waiting in the work queue.",
      registers,
    });
    this.apiErrors = new Counter({
      name: "nettune_operator_api_errors_total",
      help: "Failed API requests, by verb and HTTP status (0: none reached the API server; 409: lost to another write).",
      labelNames: ["verb", "code"],
      registers,
    });
    this.leader = new Gauge({
      name: "nettune_operator_leader",
      help: "1 while this replica holds the lease.",
      registers,
    });
    this.dnsWebhook = new Counter({
      name: "nettune_operator_dns_webhook_requests_total",
      help: "Pod admissions seen by the DNS webhook, by tuning and result (injected, unchanged, failed).",
      labelNames: ["tuning", "result"],
      registers,
    });
    this.webhookCertificateExpiry = new Gauge({
      name: "nettune_operator_webhook_certificate_expiry_timestamp_seconds",
      help: "When the serving certificate of the DNS webhook expires.",
      registers,
    });
    new Gauge({
      name: "nettune_operator_nodes",
      help: "Matched (tuning, node) pairs by rollout state of the tuning's current generation.",
      labelNames: ["state"],
      registers,
      collect() {
        for (const [state, count] of Object.entries(nodesByState())) this.set({ state }, count);
      },
    });
  }
}
