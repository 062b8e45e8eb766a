/**
 * Shared building blocks of the nettune.io API (v1alpha1 and v1beta1).
 *
 * The JSDoc on every type and field becomes the CRD's OpenAPI description
 * (what `kubectl explain` prints). Tags understood by the generator:
 * `@minimum`, `@maximum`, `@minLength`, `@maxLength`, `@pattern`, `@minItems`,
 * `@maxItems`, `@maxProperties`, `@format`, `@default <json>`,
 * `@validation <json {rule, message}>`, `@listType`, `@listMapKey`,
 * `@integer` and `@intOrString` (on type aliases), `@objectMeta`,
 * `@preserveUnknownFields` (an object kept as written), `@string` (on a type
 * alias: a string whatever the alias's TypeScript type) and `@since v1beta1` (a
 * property only that version and later ones serve; docs/adr/0014).
 */

/**
 * A 32-bit integer.
 * @integer
 * @format int32
 */
export type Int32 = number;

/**
 * A 64-bit integer.
 * @integer
 * @format int64
 */
export type Int64 = number;

/**
 * A number of nodes, or a percentage of the matched nodes such as "10%".
 * @intOrString
 * @validation {"rule": "type(self) == int ? self >= 0 : self.matches('^(100|[1-9]?[0-9])%$')", "message": "must be a non-negative integer or a percentage from 0% to 100%"}
 */
export type IntOrPercent = number | string;

/**
 * A set of CPUs: a list such as "0-3,8,10-11", "all" (every online CPU),
 * "numa-local" (the CPUs of the interface's NUMA node, every CPU when the
 * device reports none), "housekeeping" (the CPUs the kubelet leaves to the
 * system: its reserved CPUs, else the static CPU manager's shared pool, else
 * every CPU; never a CPU a Guaranteed pod holds for itself) or
 * "numa-local-housekeeping" (both at once, the housekeeping CPUs when none
 * of them is NUMA-local).
 * @maxLength 256
 * @pattern ^(all|numa-local|housekeeping|numa-local-housekeeping|[0-9]{1,4}(-[0-9]{1,4})?(,[0-9]{1,4}(-[0-9]{1,4})?)*)$
 * @validation {"rule": "self in ['all', 'numa-local', 'housekeeping', 'numa-local-housekeeping'] || self.split(',').all(p, !p.contains('-') || int(p.split('-')[0]) <= int(p.split('-')[1]))", "message": "CPU ranges must run upwards, such as 3-7", "messageExpression": "'CPU list ' + self + ': ranges must run upwards, such as 3-7'"}
 */
export type CPUSet = string;

/**
 * An explicit CPU list such as "0-3,8". (No CEL rule checks that its ranges
 * run upwards: per XPS queue and in the status, the API server's cost budget
 * does not allow one; the agent refuses such a list before any write.)
 * @maxLength 256
 * @pattern ^[0-9]{1,4}(-[0-9]{1,4})?(,[0-9]{1,4}(-[0-9]{1,4})?)*$
 */
export type CPUList = string;

/**
 * Standard object metadata; its schema is the API server's own.
 * @objectMeta
 */
export interface ObjectMeta {
  /** The object's name. */
  name?: string;
  /** Bumped by the API server on every spec change. */
  generation?: number;
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

/** A reference to the object that owns this one, for garbage collection. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** A label selector requirement: a key, an operator and values. */
export interface LabelSelectorRequirement {
  /**
   * The label key the selector applies to: an optional DNS-subdomain prefix
   * and "/", then a name of up to 63 characters, as Kubernetes checks label keys.
   * @maxLength 317
   * @pattern ^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*[/])?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$
   */
  key: string;
  /**
   * How the key relates to the values.
   */
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  /**
   * The values for In and NotIn; must be empty for Exists and DoesNotExist.
   * @maxItems 64
   */
  values?: LabelValue[];
}

/**
 * A label value: empty, or up to 63 letters, digits, "-", "_" and "."
 * beginning and ending with a letter or digit.
 * @maxLength 63
 * @pattern ^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$
 */
export type LabelValue = string;

/**
 * A label query over nodes. An empty selector matches every node.
 * @validation {"rule": "!has(self.matchExpressions) || self.matchExpressions.all(e, (e.operator in ['In', 'NotIn']) == (has(e.values) && size(e.values) > 0))", "message": "matchExpressions: In and NotIn need values, Exists and DoesNotExist take none"}
 */
export interface LabelSelector {
  /**
   * Labels a node must carry with exactly these values.
   * @maxProperties 32
   * @validation {"rule": "self.all(k, k.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*[/])?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$'))", "message": "label keys are an optional DNS-subdomain prefix and '/', then a name of up to 63 letters, digits, '-', '_' and '.'", "messageExpression": "'label key ' + self.filter(k, !k.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*[/])?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$'))[0] + ' is not valid: label keys are an optional DNS-subdomain prefix and /, then a name of up to 63 letters, digits, -, _ and .'"}
   */
  matchLabels?: Record<string, LabelValue>;
  /**
   * Label requirements a node must all satisfy.
   * @maxItems 32
   */
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * One aspect of the object's current state, following the Kubernetes
 * condition conventions.
 */
export interface Condition {
  /**
   * The condition's type in CamelCase, such as Ready or Applied.
   * @maxLength 316
   * @pattern ^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*[/])?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$
   */
  type: string;
  /** Whether the condition holds. */
  status: "True" | "False" | "Unknown";
  /**
   * The metadata.generation the condition was computed from.
   * @minimum 0
   */
  observedGeneration?: Int64;
  /**
   * When the status last changed.
   * @format date-time
   */
  lastTransitionTime: string;
  /**
   * A CamelCase word saying why the condition has this status.
   * @minLength 1
   * @maxLength 1024
   * @pattern ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$
   */
  reason: string;
  /**
   * A human-readable explanation.
   * @maxLength 32768
   */
  message: string;
}
