// The DNS webhook's HTTPS server: AdmissionReview in, a JSONPatch out. Every
// answer allows the pod; a problem is counted and reported, never a refusal.
import { createServer, type Server } from "node:https";
import express, { type Request, type Response } from "express";
import type { NetworkTuning } from "../../../api/v1alpha1/network-tuning.ts";
import type { KeyPair } from "./certificates.ts";
import { planPodDNS, type PodView } from "./pod-dns.ts";

interface AdmissionReview {
  apiVersion?: string;
  kind?: string;
  request?: {
    uid?: string;
    namespace?: string;
    name?: string;
    object?: PodView & { metadata?: { generateName?: string; name?: string } };
  };
}

export interface WebhookDeps {
  /** The tuning by name from the cache, or undefined. */
  tuning(name: string): NetworkTuning | undefined;
  /** Counts one admission by result. */
  count(tuning: string, result: "injected" | "unchanged" | "failed"): void;
  /** A pod the webhook could not act on: an Event on the tuning, a log line. */
  problem(tuning: string, message: string): void;
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
function review(body: AdmissionReview, name: string, deps: WebhookDeps): unknown[] | undefined {
  const pod = body.request?.object;
  const dns = deps.tuning(name)?.spec.dns?.pods;
  if (!pod || !dns) {
    deps.count(name, "failed");
    const why = pod
      ? "the tuning has no dns.pods in this replica's cache"
      : "no pod in the request";
    deps.problem(name, `could not inject DNS options into pod ${podName(body.request)}: ${why}`);
    return undefined;
  }
  const decision = planPodDNS(pod, name, dns);
  deps.count(name, decision.action === "inject" ? "injected" : "unchanged");
  return decision.action === "inject" ? decision.patch : undefined;
}

export function webhookApp(deps: WebhookDeps): express.Express {
  const app = express();
  app.use(express.json({ limit: "4mb" }));
  app.post("/mutate-pods/:tuning", (request: Request<{ tuning: string }>, response) => {
    const body = request.body as AdmissionReview;
    answer(response, body.request?.uid ?? "", review(body, request.params.tuning, deps));
  });
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
