import { ApiException, type CoreV1Api, type V1Secret } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { APICalls } from "../src/cluster/api-calls.ts";
import { CertKeeper } from "../src/webhook/cert-keeper.ts";
import type { Logger } from "../../common/logger.ts";

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const refused = (status: number): Promise<never> =>
  Promise.reject(new ApiException(status, `HTTP ${status}`, {}, {}));

/** A Secret store that refuses the first `refusals` creates with `status`. */
function secrets(refusals: number, status = 403): { api: CoreV1Api; creates: () => number } {
  let stored: V1Secret | undefined;
  let creates = 0;
  const api = {
    readNamespacedSecret: () => (stored ? Promise.resolve(stored) : refused(404)),
    createNamespacedSecret: ({ body }: { body: V1Secret }) => {
      creates++;
      if (creates <= refusals) return refused(status);
      stored = body;
      return Promise.resolve(body);
    },
    replaceNamespacedSecret: ({ body }: { body: V1Secret }) => {
      stored = body;
      return Promise.resolve(body);
    },
  } as unknown as CoreV1Api;
  return { api, creates: () => creates };
}

function keeper(api: CoreV1Api): CertKeeper {
  return new CertKeeper(
    api,
    new APICalls(() => undefined),
    {
      namespace: "nettune-system",
      secretName: "nettune-operator-webhook-tls",
      policy: { hosts: ["svc"], caSeconds: 86_400, servingSeconds: 3_600, renewShare: 1 / 3 },
      checkEveryMs: 3_600_000,
      firstRetryMs: 5,
    },
    () => new Date("2026-12-06T12:00:00Z"),
    quiet,
    () => undefined,
  );
}

describe("the webhook's certificate keeper", () => {
  it("a deleted Secret it may not make again is reported and tried again, not thrown; the first success clears it", async () => {
    const store = secrets(2);
    const failures: string[] = [];
    let recovered = 0;
    const subject = keeper(store.api);
    const pki = await subject.start({
      failed: (error) => failures.push(error instanceof Error ? error.message : String(error)),
      recovered: () => recovered++,
    });
    subject.stop();
    expect(pki?.serving.cert).toMatch(/BEGIN CERTIFICATE/);
    expect(failures).toHaveLength(2);
    expect(recovered).toBe(1);
    expect(store.creates()).toBe(3);
  });

  it("stopped while it waits to try again, it ends with no certificate", async () => {
    const subject = keeper(secrets(Number.MAX_SAFE_INTEGER).api);
    const started = subject.start({
      failed: () => {
        subject.stop();
      },
      recovered: () => undefined,
    });
    await expect(started).resolves.toBeUndefined();
  });

  it("without a report, the first failure is thrown as before", async () => {
    const subject = keeper(secrets(1).api);
    await expect(subject.start()).rejects.toThrow();
    subject.stop();
  });
});
