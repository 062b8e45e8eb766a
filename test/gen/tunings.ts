// Builders for the API's objects in tests, as cert-manager's gen package:
// networkTuning(name, ...mods) and nodeTuning(name, ...mods), each mod a small
// named change. Identity comes from api/v1alpha1/identity.ts, so no test spells
// a group, version or kind.
import { apiVersion, Kind } from "../../api/v1alpha1/identity.ts";
import type { NetworkTuning, NetworkTuningSpec } from "../../api/v1alpha1/network-tuning.ts";
import type {
  NodeNetworkTuning,
  NodeNetworkTuningSpec,
  NodeNetworkTuningStatus,
} from "../../api/v1alpha1/node-network-tuning.ts";

/** One named change to an object under construction. */
export type Mod<T> = (object: T) => T;

/** A NetworkTuning at generation 1 selecting every node, with the mods applied in order. */
export function networkTuning(name: string, ...mods: Mod<NetworkTuning>[]): NetworkTuning {
  const base: NetworkTuning = {
    apiVersion,
    kind: Kind.NetworkTuning,
    metadata: { name, generation: 1 },
    spec: { nodeSelector: {} },
  };
  return mods.reduce((tuning, mod) => mod(tuning), base);
}

/** Spec fields set over what the tuning has. */
export const withSpec =
  (spec: Partial<NetworkTuningSpec>): Mod<NetworkTuning> =>
  (tuning) => ({ ...tuning, spec: { ...tuning.spec, ...spec } });

export const withPriority = (priority: number): Mod<NetworkTuning> => withSpec({ priority });

export const withMode = (mode: "Enforce" | "Audit"): Mod<NetworkTuning> => withSpec({ mode });

/** metadata.generation, of either kind. */
export const atGeneration =
  <T extends { metadata: { generation?: number } }>(generation: number): Mod<T> =>
  (object) => ({ ...object, metadata: { ...object.metadata, generation } });

/** A NodeNetworkTuning at generation 1 in Enforce mode, from no tuning yet. */
export function nodeTuning(name: string, ...mods: Mod<NodeNetworkTuning>[]): NodeNetworkTuning {
  const base: NodeNetworkTuning = {
    apiVersion,
    kind: Kind.NodeNetworkTuning,
    metadata: { name, generation: 1 },
    spec: { mode: "Enforce" },
  };
  return mods.reduce((nnt, mod) => mod(nnt), base);
}

export const withNodeSpec =
  (spec: Partial<NodeNetworkTuningSpec>): Mod<NodeNetworkTuning> =>
  (nnt) => ({ ...nnt, spec: { ...nnt.spec, ...spec } });

/** The spec lists these tunings as merged in, at their generations and priorities. */
export const mergedFrom = (...tunings: NetworkTuning[]): Mod<NodeNetworkTuning> =>
  withNodeSpec({
    sources: tunings.map((t) => ({
      name: t.metadata.name ?? "",
      generation: t.metadata.generation ?? 0,
      priority: t.spec.priority ?? 0,
    })),
  });

/** The agent's report (see reports.ts) as the node's status. */
export const withReport =
  (status: NodeNetworkTuningStatus): Mod<NodeNetworkTuning> =>
  (nnt) => ({ ...nnt, status });
