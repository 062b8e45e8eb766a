// A review the DNS webhook may be sent by anyone who reaches it: a made-up
// namespace and, every other time, a pod with a made-up name or no pod at all.
import { randomBytes } from "node:crypto";

/** The request body and a made-up tuning name for its path (/mutate-pods/<name>). */
export function madeUpReview(i: number): { body: string; tuning: string } {
  const made = randomBytes(6).toString("hex");
  const body = JSON.stringify({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: made,
      namespace: `ns-${made}`,
      // Every other review carries no pod: the failure path is counted too.
      ...(i % 2 === 0 ? { object: { metadata: { name: `pod-${made}` }, spec: {} } } : {}),
    },
  });
  return { body, tuning: `tuning-${made}` };
}
