// Keeps the webhook's PKI in a Secret shared by every replica: creates it,
// renews it before expiry, and hands each new version to the server and to the
// webhook configuration. Replicas race safely: writes are guarded by
// resourceVersion, and the loser adopts what the winner wrote.
import type { CoreV1Api, V1Secret } from "@kubernetes/client-node";
import { isConflict, type APICalls } from "../cluster/api-calls.ts";
import type { Logger } from "../../../common/logger.ts";
import { nextPKI, type RenewPolicy, type WebhookPKI } from "./certificates.ts";
import { retryDelays, untilDone } from "./backoff.ts";

export interface CertKeeperSettings {
  namespace: string;
  secretName: string;
  policy: Omit<RenewPolicy, "now">;
  checkEveryMs: number;
  /** The first wait before the first certificate is sought again; doubled up to a minute. */
  firstRetryMs?: number;
}

const field = (secret: V1Secret, key: string): string =>
  Buffer.from(secret.data?.[key] ?? "", "base64").toString("utf8");

function fromSecret(secret: V1Secret | undefined): WebhookPKI | undefined {
  if (!secret?.data) return undefined;
  const pki = {
    ca: { cert: field(secret, "ca.crt"), key: field(secret, "ca.key") },
    serving: { cert: field(secret, "tls.crt"), key: field(secret, "tls.key") },
    caBundle: field(secret, "ca-bundle.crt"),
  };
  return pki.ca.cert && pki.ca.key && pki.serving.cert && pki.serving.key ? pki : undefined;
}

function toData(pki: WebhookPKI): Record<string, string> {
  const encode = (text: string): string => Buffer.from(text).toString("base64");
  return {
    "ca.crt": encode(pki.ca.cert),
    "ca.key": encode(pki.ca.key),
    "tls.crt": encode(pki.serving.cert),
    "tls.key": encode(pki.serving.key),
    "ca-bundle.crt": encode(pki.caBundle),
  };
}

/**
 * The Secret holding `pki`, replacing `existing` when there is one. The chart
 * creates it: the labels and annotations already on it (helm's release marks) stay.
 */
function secretFor(
  name: string,
  namespace: string,
  existing: V1Secret | undefined,
  pki: WebhookPKI,
): V1Secret {
  const { labels, annotations, resourceVersion } = existing?.metadata ?? {};
  return {
    metadata: {
      name,
      namespace,
      labels: {
        ...labels,
        "app.kubernetes.io/name": "nettune",
        "app.kubernetes.io/component": "webhook",
      },
      ...(annotations ? { annotations } : {}),
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    type: "Opaque",
    data: toData(pki),
  };
}

export class CertKeeper {
  private timer: NodeJS.Timeout | undefined;
  private readonly stopping = new AbortController();
  private current: WebhookPKI | undefined;

  private readonly api: CoreV1Api;
  private readonly calls: APICalls;
  private readonly settings: CertKeeperSettings;
  private readonly now: () => Date;
  private readonly log: Logger;
  private readonly onChange: (pki: WebhookPKI) => void;

  constructor(
    api: CoreV1Api,
    calls: APICalls,
    settings: CertKeeperSettings,
    now: () => Date,
    log: Logger,
    onChange: (pki: WebhookPKI) => void,
  ) {
    this.api = api;
    this.calls = calls;
    this.settings = settings;
    this.now = now;
    this.log = log;
    this.onChange = onChange;
  }

  /**
   * Ensures a valid PKI exists and returns it; then checks again periodically.
   * Until the first check succeeds (the Secret was deleted and cannot be made
   * again, the API server is away), it is tried again with a growing delay and
   * each failure goes to `failed`; `recovered` follows the first success. Undefined
   * when stopped before that.
   */
  async start(report?: {
    failed: (error: unknown) => void;
    recovered: () => void;
  }): Promise<WebhookPKI | undefined> {
    const signal = this.stopping.signal;
    const pki = report
      ? await untilDone(() => this.check(), {
          ...retryDelays,
          firstDelayMs: this.settings.firstRetryMs ?? retryDelays.firstDelayMs,
          signal,
          failed: report.failed,
        })
      : signal.aborted
        ? undefined
        : await this.check();
    // Stopped before the first certificate: nothing to serve.
    if (!pki) return undefined;
    if (report) report.recovered();
    const tick = (): void => {
      this.check().then(
        () => undefined,
        (error: unknown) => {
          this.log.warn("webhook certificate check failed; retrying", error);
        },
      );
    };
    this.timer = setInterval(tick, this.settings.checkEveryMs);
    return pki;
  }

  stop(): void {
    clearInterval(this.timer);
    this.stopping.abort();
  }

  /** Reads the Secret, renews what is due, and reports a PKI that differs from the last one. */
  async check(): Promise<WebhookPKI> {
    const { namespace, secretName: name } = this.settings;
    for (let attempt = 0; attempt < 5; attempt++) {
      const secret = await this.calls.find("get secret", () =>
        this.api.readNamespacedSecret({ name, namespace }),
      );
      const stored = fromSecret(secret);
      const renewed = nextPKI(stored, { ...this.settings.policy, now: this.now() });
      if (!renewed && stored) return this.adopt(stored);
      if (!renewed) continue;
      const body = secretFor(name, namespace, secret, renewed);
      try {
        if (secret)
          await this.calls.call("update secret", () =>
            this.api.replaceNamespacedSecret({ name, namespace, body }),
          );
        else
          await this.calls.call("create secret", () =>
            this.api.createNamespacedSecret({ namespace, body }),
          );
        this.log.info(
          `webhook certificates ${secret ? "renewed" : "created"} in Secret ${namespace}/${name}`,
        );
        return this.adopt(renewed);
      } catch (error) {
        // 409: another replica wrote first (a replace lost, or a create found it): read it again.
        if (!isConflict(error)) throw error;
      }
    }
    throw new Error(
      `Secret ${namespace}/${name} kept changing under the webhook certificate check`,
    );
  }

  private adopt(pki: WebhookPKI): WebhookPKI {
    const changed =
      this.current?.serving.cert !== pki.serving.cert || this.current.caBundle !== pki.caBundle;
    this.current = pki;
    if (changed) this.onChange(pki);
    return pki;
  }
}
