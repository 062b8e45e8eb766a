// Who the API is: its group, versions, kinds and plurals, in one place for the
// generator, the operator, the agent and the tests (docs/adr/0014).

export const group = "nettune.io";

/**
 * The versions the CRDs serve, oldest first. v1beta1 only adds to v1alpha1, so
 * the API server converts between them without a webhook (docs/adr/0014).
 */
export const servedVersions = ["v1alpha1", "v1beta1"] as const;
export type APIVersionName = (typeof servedVersions)[number];

/** The version objects are stored in, and the one this release reads and writes. */
export const storageVersion: APIVersionName = "v1beta1";

/** The apiVersion this release writes: `nettune.io/v1beta1`. */
export const apiVersion = `${group}/${storageVersion}`;

/** Every apiVersion a file or object may carry. */
export const apiVersions: readonly string[] = servedVersions.map((v) => `${group}/${v}`);

export const Kind = {
  NetworkTuning: "NetworkTuning",
  NodeNetworkTuning: "NodeNetworkTuning",
  NodeNetworkInventory: "NodeNetworkInventory",
} as const;
export type KindName = (typeof Kind)[keyof typeof Kind];

export const Plural = {
  NetworkTuning: "networktunings",
  NodeNetworkTuning: "nodenetworktunings",
  NodeNetworkInventory: "nodenetworkinventories",
} as const;
export type PluralName = (typeof Plural)[keyof typeof Plural];

/** The finalizer that holds a deleted tuning until its nodes restored what it set. */
export const revertFinalizer = `${group}/revert`;

/** Annotations NetTune reads or writes, by what they are for. */
export const Annotation = {
  /** "true" on a deleted tuning whose nodes cannot restore: lets the deletion finish. */
  AbandonRevert: `${group}/abandon-revert`,
  /** The hash of an object the operator owns, as it last applied it. */
  SpecHash: `${group}/spec-hash`,
  /** On a pod: "false" keeps the DNS webhook's options off it. */
  DNSOptOut: `${group}/dns-options`,
  /** On a pod: the tunings whose DNS options the webhook put in. */
  DNSInjected: `${group}/dns-options-injected`,
} as const;

/** A label no node carries: the agents' affinity while no tuning selects any node. */
export const noTuningsLabel = `${group}/no-tunings`;

/** The DNS webhook's name in its MutatingWebhookConfiguration. */
export const dnsWebhookName = `pods.dns.${group}`;

/** The components that write Events, as their reportingController. */
export const Component = {
  Operator: `${group}/operator`,
  NodeAgent: `${group}/node-agent`,
} as const;

/** The path of a kind's collection in the storage version: `/apis/nettune.io/v1beta1/PLURAL`. */
export function collectionPath(
  plural: PluralName,
  version: APIVersionName = storageVersion,
): string {
  return `/apis/${group}/${version}/${plural}`;
}
