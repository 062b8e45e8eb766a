import { planMergedPodDNS } from "../src/webhook/pod-dns-merge.ts";
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { NetworkTuning } from "../../api/v1alpha1/network-tuning.ts";
import { dueForRenewal, nextPKI, type RenewPolicy } from "../src/webhook/certificates.ts";
import { planPodDNS, type PodView } from "../src/webhook/pod-dns.ts";
import { webhookConfiguration } from "../src/webhook/registration.ts";

const dns = { singleRequest: "single-request-reopen", timeout: 2, attempts: 3 } as const;

describe("DNS options for one pod", () => {
  const cases: { sentence: string; pod: PodView; result: string }[] = [
    {
      sentence: "a ClusterFirst pod with nothing set gets every option in one dnsConfig",
      pod: { metadata: {}, spec: {} },
      result:
        'add /spec/dnsConfig {"options":[{"name":"single-request-reopen"},{"name":"timeout","value":"2"},{"name":"attempts","value":"3"}]} | add /metadata/annotations',
    },
    {
      sentence: "existing options are appended to, one by one",
      pod: {
        metadata: { annotations: {} },
        spec: { dnsConfig: { options: [{ name: "ndots", value: "2" }] } },
      },
      result:
        'add /spec/dnsConfig/options/- {"name":"single-request-reopen"} | add /spec/dnsConfig/options/- {"name":"timeout","value":"2"} | add /spec/dnsConfig/options/- {"name":"attempts","value":"3"} | add /metadata/annotations/nettune.io~1dns-options-injected',
    },
    {
      sentence: "single-request set by the pod keeps single-request-reopen out",
      pod: {
        metadata: { annotations: {} },
        spec: {
          dnsConfig: { options: [{ name: "single-request" }, { name: "timeout", value: "9" }] },
        },
      },
      result:
        'add /spec/dnsConfig/options/- {"name":"attempts","value":"3"} | add /metadata/annotations/nettune.io~1dns-options-injected',
    },
    {
      sentence: "ClusterFirstWithHostNet is served",
      pod: {
        metadata: {},
        spec: { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet", dnsConfig: {} },
      },
      result:
        'add /spec/dnsConfig/options [{"name":"single-request-reopen"},{"name":"timeout","value":"2"},{"name":"attempts","value":"3"}] | add /metadata/annotations',
    },
    {
      sentence: "a hostNetwork pod on ClusterFirst uses the node's resolver and is left",
      pod: { spec: { hostNetwork: true } },
      result: "leave: dnsPolicy ClusterFirst uses the node's resolver",
    },
    {
      sentence: "Default is left",
      pod: { spec: { dnsPolicy: "Default" } },
      result: "leave: dnsPolicy Default uses the node's resolver",
    },
    {
      sentence: "every option already set leaves the pod as it is",
      pod: {
        spec: {
          dnsConfig: {
            options: [{ name: "single-request-reopen" }, { name: "timeout" }, { name: "attempts" }],
          },
        },
      },
      result: "leave: the pod already sets every option",
    },
  ];
  it.each(cases)("$sentence", ({ pod, result }) => {
    const decision = planPodDNS(pod, "t", dns);
    const text =
      decision.action === "leave"
        ? `leave: ${decision.why}`
        : decision.patch
            .map(
              (op) =>
                `${op.op} ${op.path}${op.path.startsWith("/spec") ? ` ${JSON.stringify(op.value)}` : ""}`,
            )
            .join(" | ");
    expect(text).toBe(result);
  });

  it("a second tuning appends its part to the record", () => {
    const decision = planPodDNS(
      {
        metadata: { annotations: { "nettune.io/dns-options-injected": "first: timeout:1" } },
        spec: { dnsConfig: { options: [{ name: "timeout", value: "1" }] } },
      },
      "second",
      dns,
    );
    expect(decision.action === "inject" && decision.record).toBe(
      "first: timeout:1; second: single-request-reopen attempts:3",
    );
  });
});

describe("webhook registration", () => {
  const tuning = (
    name: string,
    priority: number,
    extra: Partial<NetworkTuning["spec"]> = {},
  ): NetworkTuning => ({
    apiVersion: "nettune.io/v1alpha1",
    kind: "NetworkTuning",
    metadata: { name },
    spec: { nodeSelector: {}, priority, dns: { pods: { timeout: 1 } }, ...extra },
  });
  const endpoint = { service: { namespace: "ns", name: "svc", port: 443 } };
  type Config = {
    webhooks: {
      name: string;
      failurePolicy: string;
      timeoutSeconds: number;
      clientConfig: { service: { path: string }; caBundle: string };
      namespaceSelector: { matchExpressions: { key: string; values: string[] }[] };
    }[];
  };

  it("registers one webhook for every tuning, failing open within one short timeout", () => {
    const config = webhookConfiguration(
      Array.from({ length: 40 }, (_, i) => tuning(`t${i}`, i)),
      endpoint,
      "CA",
      ["ns"],
    ) as Config;
    expect(config.webhooks).toHaveLength(1);
    const [webhook] = config.webhooks;
    expect(webhook).toMatchObject({
      name: "pods.dns.nettune.io",
      failurePolicy: "Ignore",
      timeoutSeconds: 2,
    });
    expect(webhook?.clientConfig.service.path).toBe("/mutate-pods");
    expect(webhook?.clientConfig.caBundle).toBe(Buffer.from("CA").toString("base64"));
    expect(webhook?.namespaceSelector.matchExpressions[0]).toEqual({
      key: "kubernetes.io/metadata.name",
      operator: "NotIn",
      values: ["kube-node-lease", "kube-public", "kube-system", "ns"],
    });
  });

  it("registers none while no live Enforce tuning asks for pod options", () => {
    const config = webhookConfiguration(
      [tuning("audit", 9, { mode: "Audit" }), tuning("none", 9, { dns: {} })],
      endpoint,
      "CA",
    ) as Config;
    expect(config.webhooks).toEqual([]);
  });
});

describe("the one webhook's decision for a pod", () => {
  const tuning = (
    name: string,
    priority: number,
    pods: NonNullable<NonNullable<NetworkTuning["spec"]["dns"]>["pods"]>,
  ): NetworkTuning => ({
    apiVersion: "nettune.io/v1alpha1",
    kind: "NetworkTuning",
    metadata: { name },
    spec: { nodeSelector: {}, priority, dns: { pods } },
  });
  const pod = { metadata: { labels: { app: "web" } }, spec: {} };
  const rows: {
    name: string;
    tunings: NetworkTuning[];
    namespace: Record<string, string>;
    record: string;
  }[] = [
    {
      name: "the higher priority's option wins, and a lower one adds only what is not there",
      tunings: [
        tuning("high", 9, { singleRequest: "single-request-reopen", timeout: 1 }),
        tuning("low", 1, { singleRequest: "single-request", attempts: 3, timeout: 5 }),
      ],
      namespace: { team: "a" },
      record: "high: single-request-reopen timeout:1; low: attempts:3",
    },
    {
      name: "a tuning whose namespace selector does not match adds nothing",
      tunings: [
        tuning("other", 9, { namespaceSelector: { matchLabels: { team: "b" } }, timeout: 1 }),
        tuning("mine", 1, { namespaceSelector: { matchLabels: { team: "a" } }, attempts: 2 }),
      ],
      namespace: { team: "a" },
      record: "mine: attempts:2",
    },
    {
      name: "a tuning whose pod selector does not match adds nothing",
      tunings: [
        tuning("db", 9, { podSelector: { matchLabels: { app: "db" } }, timeout: 1 }),
        tuning("any", 1, { attempts: 2 }),
      ],
      namespace: {},
      record: "any: attempts:2",
    },
  ];
  it.each(rows)("$name", ({ tunings, namespace, record }) => {
    const merged = planMergedPodDNS(pod, namespace, tunings);
    const annotation = merged.patch.find((op) => op.path.startsWith("/metadata/annotations"));
    expect(annotation?.value).toEqual({ "nettune.io/dns-options-injected": record });
  });

  it("adds nothing to a pod that uses the node's resolver", () => {
    const merged = planMergedPodDNS({ spec: { hostNetwork: true } }, {}, [
      tuning("t", 1, { timeout: 1 }),
    ]);
    expect(merged).toMatchObject({ patch: [], contributed: [] });
  });
});

describe("webhook certificates", () => {
  const policy = (now: Date): RenewPolicy => ({
    now,
    hosts: ["svc.ns.svc", "127.0.0.1"],
    caSeconds: 3000,
    servingSeconds: 300,
    renewShare: 1 / 3,
  });
  const start = new Date("2026-11-23T10:00:00Z");
  const first = nextPKI(undefined, policy(start));
  if (!first) throw new Error("no PKI");

  it("a new PKI has a CA-signed serving certificate for every host", () => {
    const serving = new X509Certificate(first.serving.cert);
    expect(serving.verify(new X509Certificate(first.ca.cert).publicKey)).toBe(true);
    expect(serving.checkHost("svc.ns.svc")).toBe("svc.ns.svc");
    expect(serving.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(new X509Certificate(first.ca.cert).ca).toBe(true);
  });

  const later = (seconds: number): Date => new Date(start.getTime() + seconds * 1000);
  const cases: { sentence: string; at: number; serving: string; ca: string; bundle: number }[] = [
    {
      sentence: "with two thirds of its life left nothing changes",
      at: 150,
      serving: "kept",
      ca: "kept",
      bundle: 1,
    },
    {
      sentence: "with a third left the serving certificate is renewed by the same CA",
      at: 210,
      serving: "new",
      ca: "kept",
      bundle: 1,
    },
    {
      sentence: "with a third of the CA's life left both are new and the old CA stays trusted",
      at: 2100,
      serving: "new",
      ca: "new",
      bundle: 2,
    },
  ];
  it.each(cases)("$sentence", ({ at, serving, ca, bundle }) => {
    const next = nextPKI(first, policy(later(at)));
    expect(
      next === undefined ? "kept" : next.serving.cert === first.serving.cert ? "kept" : "new",
    ).toBe(serving);
    expect(next === undefined || next.ca.cert === first.ca.cert ? "kept" : "new").toBe(ca);
    expect(((next ?? first).caBundle.match(/BEGIN CERTIFICATE/g) ?? []).length).toBe(bundle);
  });

  it("an unreadable certificate is due", () => {
    expect(dueForRenewal("not a certificate", start, 0)).toBe(true);
  });
});
