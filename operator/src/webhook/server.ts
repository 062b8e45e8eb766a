// The DNS webhook's HTTPS server: AdmissionReview in, a JSONPatch out. Every
// answer allows the pod; a problem is counted and reported, never a refusal.
import { createServer, type Server } from "node:https";
import express, { type Request, type Response } from "express";
import type { NetworkTuning } from "../../../api/v1alpha1/network-tuning.ts";
import type { KeyPair } from "./certificates.ts";
import type { PodView } from "./pod-dns.ts";
import { planMergedPodDNS } from "./pod-dns-merge.ts";
import { mutatePath } from "./registration.ts";

interface AdmissionReview {
  apiVersion?: string;
  kind?: string;
  request?: {
    uid?: string;
    namespace?: string;
    name?: string;
    /** A dry run: the answer must have no side effect (no Event, no counted injection). */
    dryRun?: boolean;
    object?: PodView & {
      metadata?: { generateName?: string; name?: string; labels?: Record<string, string> };
    };
  };
}

export interface WebhookDeps {
  /** The tunings with dns.pods, in precedence order, from this replica's cache. */
  podDNSTunings(): NetworkTuning[];
  /** A namespace's labels from the cache (at least kubernetes.io/metadata.name). */
  namespaceLabels(namespace: string): Record<string, string>;
  /** Counts one admission by result and by the tuning that added options ("none" for none). */
  count(tuning: string, result: "injected" | "unchanged" | "failed"): void;
  /** A pod the webhook could not act on: an Event, a log line (rate-limited by the caller). */
  problem(message: string): void;
}

export interface WebhookServer {
  server: Server;
  /** Serves new connections with this certificate; open ones keep theirs. */
  rotate(pair: KeyPair): void;
  close(): Promise<void>;
}

function answer(response: Response, uid: string, patch?: unknown[]): void {
  response.json({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: {
      uid,
      allowed: true,
      ...(patch && patch.length > 0
        ? { patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(patch)).toString("base64") }
        : {}),
    },
  });
}

function podName(request: AdmissionReview["request"]): string {
  const metadata = request?.object?.metadata;
  return `${request?.namespace ?? ""}/${metadata?.name ?? metadata?.generateName ?? ""}`;
}

/** The patch for one review, after counting it and reporting any problem. */
function review(body: AdmissionReview, deps: WebhookDeps): unknown[] | undefined {
  const request = body.request;
  const pod = request?.object;
  const dryRun = request?.dryRun === true;
  if (!pod) {
    if (!dryRun) {
      deps.count("none", "failed");
      deps.problem(
        `could not inject DNS options into pod ${podName(request)}: no pod in the request`,
      );
    }
    return undefined;
  }
  const namespace = request.namespace ?? "";
  const merged = planMergedPodDNS(pod, deps.namespaceLabels(namespace), deps.podDNSTunings());
  if (dryRun) return merged.patch.length > 0 ? merged.patch : undefined;
  if (merged.contributed.length === 0) deps.count("none", "unchanged");
  for (const tuning of merged.contributed) deps.count(tuning, "injected");
  return merged.patch.length > 0 ? merged.patch : undefined;
}

export function webhookApp(deps: WebhookDeps): express.Express {
  const app = express();
  app.use(express.json({ limit: "4mb" }));
  // One path for every tuning; the per-tuning paths of earlier releases answer the same,
  // so a configuration an older operator registered keeps working through an upgrade.
  const handle = (request: Request, response: Response): void => {
    const body = request.body as AdmissionReview;
    answer(response, body.request?.uid ?? "", review(body, deps));
  };
  app.post(mutatePath, handle);
  app.post(`${mutatePath}/:tuning`, handle);
  app.get("/healthz", (_request, response) => {
    response.type("text/plain").send("ok\n");
  });
  return app;
}

export function startWebhookServer(
  port: number,
  pair: KeyPair,
  deps: WebhookDeps,
): Promise<WebhookServer> {
  const server = createServer({ cert: pair.cert, key: pair.key }, webhookApp(deps));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      server.off("error", reject);
      resolve({
        server,
        rotate: (next) => {
          server.setSecureContext({ cert: next.cert, key: next.key });
        },
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => {
              done();
            });
          }),
      });
    });
  });
}
