// Runs the DNS webhook on this replica (every replica serves it, leader or
// not): certificates from the shared Secret, the server, problem Events.
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { NetworkTuning } from "../../../api/v1alpha1/network-tuning.ts";
import type { Logger } from "../../../common/logger.ts";
import type { WebhookSettings } from "../config.ts";
import type { OperatorMetrics } from "../metrics.ts";
import { expiresAt, type WebhookPKI } from "./certificates.ts";
import { CertKeeper } from "./cert-keeper.ts";
import type { APICalls } from "../api-calls.ts";
import { startWebhookServer } from "./server.ts";
import { TuningReason, type TuningReasonName } from "../../../api/v1alpha1/reasons.ts";

export interface DNSWebhookDeps {
  kubeConfig: KubeConfig;
  namespace: string;
  settings: WebhookSettings;
  tuning: (name: string) => NetworkTuning | undefined;
  metrics: OperatorMetrics;
  /** The operator's counted API calls. */
  calls: APICalls;
  log: Logger;
  now: () => Date;
  /** A Warning Event on the tuning. */
  warn: (tuning: NetworkTuning, reason: TuningReasonName, message: string) => Promise<void>;
  /** Each new CA bundle, for the webhook configuration. */
  onCABundle: (bundle: string) => void;
}

/** One problem Event per tuning per minute: a burst of pods must not flood the Events. */
const eventEveryMs = 60_000;

export async function startDNSWebhook(
  deps: DNSWebhookDeps,
): Promise<{ stop: () => Promise<void> }> {
  const { settings, log } = deps;
  const lastEvent = new Map<string, number>();
  // The server starts with the first certificates; later ones rotate it.
  const rotation: { rotate?: (pki: WebhookPKI) => void } = {};
  const keeper = new CertKeeper(
    deps.kubeConfig.makeApiClient(CoreV1Api),
    deps.calls,
    {
      namespace: deps.namespace,
      secretName: settings.secretName,
      policy: {
        hosts: settings.hosts,
        caSeconds: settings.caSeconds,
        servingSeconds: settings.servingSeconds,
        renewShare: 1 / 3,
      },
      checkEveryMs: settings.checkEveryMs,
    },
    deps.now,
    log,
    (pki) => {
      rotation.rotate?.(pki);
      deps.onCABundle(pki.caBundle);
    },
  );
  const pki = await keeper.start();
  const server = await startWebhookServer(settings.port, pki.serving, {
    tuning: deps.tuning,
    count: (tuning, result) => deps.metrics.dnsWebhook.inc({ tuning, result }),
    problem: (name, message) => {
      log.warn(message);
      const tuning = deps.tuning(name);
      const now = deps.now().getTime();
      if (!tuning || now - (lastEvent.get(name) ?? 0) < eventEveryMs) return;
      lastEvent.set(name, now);
      deps.warn(tuning, TuningReason.DNSInjectionFailed, message).catch((error: unknown) => {
        log.warn("could not record the Event", error);
      });
    },
  });
  const expiry = (next: WebhookPKI): void => {
    deps.metrics.webhookCertificateExpiry.set(expiresAt(next.serving.cert) / 1000);
  };
  expiry(pki);
  rotation.rotate = (next) => {
    server.rotate(next.serving);
    expiry(next);
    log.info("DNS webhook serving certificate rotated");
  };
  log.info(`DNS webhook serving on :${settings.port}`);
  return {
    stop: async () => {
      keeper.stop();
      await server.close();
    },
  };
}
