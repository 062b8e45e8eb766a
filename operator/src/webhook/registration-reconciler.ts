import type { Logger } from "../../../common/logger.ts";
import type { ClusterView } from "../cluster/cluster-view.ts";
import type { Requeue } from "../work-keys.ts";
import { webhookConfiguration, type WebhookEndpoint } from "./registration.ts";
import type { OperatorWrites } from "../cluster/writes.ts";

export interface WebhookRegistrationDeps {
  writes: OperatorWrites;
  view: ClusterView;
  log: Logger;
  /** Where the API server reaches the DNS webhook; no webhook configuration without it. */
  webhookEndpoint?: WebhookEndpoint;
  /** Namespaces the webhook leaves out, beside the cluster's own. */
  excludedNamespaces: string[];
}

/**
 * The DNS webhook's registration: one webhook for every tuning with pod DNS
 * options, trusting the CA bundle the webhook's certificates come with.
 */
export class WebhookRegistrationReconciler {
  private readonly deps: WebhookRegistrationDeps;
  private webhookCABundle: string | undefined;

  constructor(deps: WebhookRegistrationDeps) {
    this.deps = deps;
  }

  /** The CA bundle the API server must trust for the webhook; its next sync follows it. */
  setWebhookCABundle(bundle: string): void {
    this.webhookCABundle = bundle;
  }

  async sync(): Promise<Requeue[]> {
    const endpoint = this.deps.webhookEndpoint;
    if (!endpoint || this.webhookCABundle === undefined) return [];
    const outcome = await this.deps.writes.applyWebhookConfiguration(
      webhookConfiguration(
        this.deps.view.tunings(),
        endpoint,
        this.webhookCABundle,
        this.deps.excludedNamespaces,
      ),
    );
    if (outcome !== "unchanged") this.deps.log.info(`DNS webhook configuration ${outcome}`);
    return [];
  }
}
