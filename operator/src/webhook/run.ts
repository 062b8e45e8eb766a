// Runs the DNS webhook on this replica (every replica serves it, leader or
// not): certificates from the shared Secret, the server, problem Events.
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { NetworkTuning } from "../../../api/v1alpha1/network-tuning.ts";
import type { Logger } from "../../../common/logger.ts";
import type { WebhookSettings } from "../config.ts";
import type { OperatorMetrics } from "../metrics.ts";
import { expiresAt, type WebhookPKI } from "./certificates.ts";
import { CertKeeper } from "./cert-keeper.ts";
import type { APICalls } from "../cluster/api-calls.ts";
import { startWebhookServer, type WebhookDeps } from "./server.ts";
import { retryDelays, untilDone } from "./backoff.ts";
import { podDNSTunings } from "./registration.ts";
import { TuningReason, type TuningReasonName } from "../../../api/v1alpha1/reasons.ts";

export interface DNSWebhookDeps {
  kubeConfig: KubeConfig;
  namespace: string;
  settings: WebhookSettings;
  /** Every tuning in this replica's cache. */
  tunings: () => NetworkTuning[];
  /** A namespace's labels from this replica's cache. */
  namespaceLabels: (namespace: string) => Record<string, string>;
  metrics: OperatorMetrics;
  /** The operator's counted API calls. */
  calls: APICalls;
  log: Logger;
  now: () => Date;
  /** A Warning Event on every tuning with dns.pods. */
  warnAll: (reason: TuningReasonName, message: string) => Promise<void>;
  /** Each new CA bundle, for the webhook configuration. */
  onCABundle: (bundle: string) => void;
  /** Why the webhook cannot serve (no certificate, its port taken), and undefined once it can. */
  onProblem: (problem: string | undefined) => void;
  /**
   * The replica's readiness need no longer wait on the webhook: it serves, or
   * it has no certificate, which every replica shares (the Service then fails
   * open at once rather than hold the replica out of rotation). A port it
   * cannot listen on is this replica's alone, so it stays out of rotation.
   */
  onSettled: () => void;
}

/** One problem Event and log line a minute: a burst of pods must not flood them. */
const eventEveryMs = 60_000;

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Starts the webhook in the background and returns at once: the server comes
 * up with the first certificates, which may take retries (see CertKeeper.start).
 */
export function startDNSWebhook(deps: DNSWebhookDeps): { stop: () => Promise<void> } {
  const { settings, log } = deps;
  // The server starts with the latest certificates; later ones rotate it.
  const rotation: { latest?: WebhookPKI; rotate?: (pki: WebhookPKI) => void } = {};
  const stopping = new AbortController();
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
      rotation.latest = pki;
      rotation.rotate?.(pki);
      deps.onCABundle(pki.caBundle);
    },
  );
  let lastEvent = 0;
  /** One Warning Event and log line a minute on the tunings with dns.pods. */
  const warn = (reason: TuningReasonName, message: string): void => {
    const now = deps.now().getTime();
    if (now - lastEvent < eventEveryMs) return;
    lastEvent = now;
    log.warn(message);
    deps.warnAll(reason, message).catch((error: unknown) => {
      log.warn("could not record the Event", error);
    });
  };
  const served: { server?: Awaited<ReturnType<typeof startWebhookServer>>; stopped: boolean } = {
    stopped: false,
  };
  // Without certificates the webhook cannot serve, but the operator still can: the certificate
  // is sought in the background (the webhook fails open meanwhile) and the problem is told.
  const serve = async (): Promise<void> => {
    const pki = await keeper.start({
      failed: (error) => {
        const problem = `the DNS webhook has no certificate: Secret ${deps.namespace}/${settings.secretName}: ${describe(error)}`;
        deps.onProblem(problem);
        deps.onSettled();
        warn(TuningReason.DNSWebhookUnavailable, problem);
      },
      recovered: () => {
        deps.onProblem(undefined);
      },
    });
    if (!pki || served.stopped) return;
    const answers: WebhookDeps = {
      podDNSTunings: () => podDNSTunings(deps.tunings()),
      namespaceLabels: deps.namespaceLabels,
      count: countAnswers(deps.tunings, deps.metrics),
      problem: (message) => {
        warn(TuningReason.DNSInjectionFailed, message);
      },
    };
    // Another process may hold the port (a restart before the old socket closed, a host
    // port taken): told like a missing certificate, and tried again until it is free.
    const listen = { failed: false };
    const server = await untilDone(
      () => startWebhookServer(settings.port, (rotation.latest ?? pki).serving, answers),
      {
        ...retryDelays,
        signal: stopping.signal,
        failed: (error) => {
          listen.failed = true;
          const problem = `the DNS webhook cannot listen on port ${settings.port}: ${describe(error)}`;
          deps.onProblem(problem);
          warn(TuningReason.DNSWebhookUnavailable, problem);
        },
      },
    );
    if (!server) return;
    if (listen.failed) deps.onProblem(undefined);
    served.server = server;
    const expiry = (next: WebhookPKI): void => {
      deps.metrics.webhookCertificateExpiry.set(expiresAt(next.serving.cert) / 1000);
    };
    expiry(rotation.latest ?? pki);
    rotation.rotate = (next) => {
      server.rotate(next.serving);
      expiry(next);
      log.info("DNS webhook serving certificate rotated");
    };
    log.info(`DNS webhook serving on :${settings.port}`);
    deps.onSettled();
  };
  const serving = serve().catch((error: unknown) => {
    log.error("the DNS webhook could not start", error);
  });
  return {
    stop: async () => {
      served.stopped = true;
      stopping.abort();
      keeper.stop();
      await serving;
      await served.server?.close();
    },
  };
}

/** Counts the webhook's answers; labels only for tunings in the cache, so a request never adds a series. */
export function countAnswers(
  tunings: () => readonly NetworkTuning[],
  metrics: Pick<OperatorMetrics, "dnsWebhook">,
): WebhookDeps["count"] {
  return (tuning, result) => {
    const known = tuning === "none" || tunings().some((t) => t.metadata.name === tuning);
    metrics.dnsWebhook.inc({ tuning: known ? tuning : "unknown", result });
  };
}
