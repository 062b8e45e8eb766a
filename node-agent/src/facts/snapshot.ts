import type { NodeNetworkTuningSpec } from "../../../api/v1alpha1/node-network-tuning.ts";
import type { Ethtool } from "../host/ethtool.ts";
import { HostDataError } from "../host/host-read.ts";
import type { HostPaths } from "../host/paths.ts";
import { readResolvOptions, resolvConfManager } from "../host/resolv-conf.ts";
import { ownedByCNI } from "./cni.ts";
import { readDeviceIdentities, type DeviceIdentity } from "./device-identity.ts";
import { gatherNodeFacts, type EthtoolQuery, type GatherScope, type NodeFacts } from "./gather.ts";
import { readConntrackMax } from "./host-counters.ts";
import { findOtherWriters, type WriterFacts, type WritersMemo } from "./writing-programs.ts";

/** What the node-wide planners need beyond the interfaces and CPUs. */
export interface NodeExtras extends WriterFacts {
  conntrackMax?: number;
  resolvOptions?: string[];
  resolvManagedBy?: string;
  /** Why resolv.conf could not be read (not a regular file, too large, ...). */
  resolvUnreadable?: string;
}

/**
 * Everything one check reads of the node before it plans, read once: the
 * planners, the apply step and the Audit tunings checked beside the spec all
 * work from it. Only a write can make it stale.
 */
export interface NodeSnapshot {
  facts: NodeFacts;
  extras: NodeExtras;
  /** Each interface's identity by name: originals follow a renamed NIC by it. */
  identities: Map<string, DeviceIdentity>;
}

export interface SnapshotDeps {
  paths: HostPaths;
  ethtool: Ethtool;
  /** A running agent's last walk for other writers, reused for a while. */
  writersMemo?: WritersMemo | undefined;
}

/** Reads what `specs` need to be planned: the union of what each one sets. */
export async function gatherSnapshot(
  specs: readonly NodeNetworkTuningSpec[],
  deps: SnapshotDeps,
): Promise<NodeSnapshot> {
  const facts = await gatherNodeFacts(
    { ...deps, processes: deps.writersMemo?.processes },
    gatherScope(...specs),
  );
  const extras = await gatherExtras(deps, specs, facts.cpus.online.length);
  const identities = await readDeviceIdentities(deps.paths);
  return { facts, extras, identities };
}

/**
 * What the specs need to know: only the interfaces they name (when every
 * entry names them) and only the ethtool queries their settings use.
 */
export function gatherScope(...specs: NodeNetworkTuningSpec[]): GatherScope {
  const entries = specs.flatMap((spec) => spec.interfaces ?? []);
  const queries = new Set<EthtoolQuery>();
  for (const entry of entries) {
    for (const query of ["channels", "rings", "coalesce"] as const)
      if (entry[query]) queries.add(query);
    if (entry.offloads) queries.add("features");
  }
  const named = entries.every((entry) => entry.match.names && !entry.match.namePattern);
  const irqbalance = specs.some(
    (spec) =>
      (spec.interfaces ?? []).some((entry) => entry.irqAffinity) ||
      spec.irqbalance !== undefined ||
      spec.deviceIRQs !== undefined,
  );
  const irqbalanceBans = specs.some((spec) => spec.irqbalance?.policy === "BanTunedIRQs");
  const housekeeping = specs.some(usesHousekeeping);
  const scope: GatherScope = { queries, irqbalance, irqbalanceBans, housekeeping };
  return named
    ? { ...scope, interfaces: new Set(entries.flatMap((e) => e.match.names ?? [])) }
    : scope;
}

/** Whether a CPU set of the spec is the kubelet's housekeeping CPUs (which need the kubelet read). */
export function usesHousekeeping(spec: NodeNetworkTuningSpec): boolean {
  const sets = [
    spec.deviceIRQs?.cpus,
    ...(spec.interfaces ?? []).flatMap((entry) => [
      entry.rps?.cpus,
      entry.xps?.spread,
      ...(entry.xps?.queues ?? []),
      entry.irqAffinity?.cpus,
      entry.channels?.combined,
      entry.channels?.rx,
      entry.channels?.tx,
    ]),
  ];
  return sets.some(
    (set) =>
      set === "housekeeping" || set === "numa-local-housekeeping" || set === "housekeeping-cpus",
  );
}

async function gatherExtras(
  { paths, writersMemo }: SnapshotDeps,
  specs: readonly NodeNetworkTuningSpec[],
  cpus: number,
): Promise<NodeExtras> {
  const extras: NodeExtras = {};
  const max = await readConntrackMax(paths);
  if (max !== undefined && max > 0) extras.conntrackMax = max;
  const needs = {
    cpus,
    conntrack: specs.some(setsConntrack),
    cniOwned: specs.some((spec) => Object.keys(spec.sysctls ?? {}).some(ownedByCNI)),
    nics: specs.some((spec) => (spec.interfaces ?? []).length > 0),
  };
  const walk = (wanted: typeof needs): Promise<WriterFacts> =>
    findOtherWriters(paths, wanted, writersMemo?.processes);
  const writers = writersMemo ? await writersMemo.find(needs, walk) : await walk(needs);
  Object.assign(extras, writers);
  // Only a spec with node DNS settings has any business with resolv.conf.
  return specs.some((spec) => spec.dns?.node)
    ? { ...extras, ...(await resolvExtras(paths)) }
    : extras;
}

/** kube-proxy writes connection tracking at its start: only a spec that sets it must look for it. */
function setsConntrack(spec: NodeNetworkTuningSpec): boolean {
  return (
    spec.conntrack !== undefined ||
    Object.keys(spec.sysctls ?? {}).some((key) => key.startsWith("net.netfilter."))
  );
}

async function resolvExtras(paths: HostPaths): Promise<NodeExtras> {
  const extras: NodeExtras = {};
  try {
    const options = await readResolvOptions(paths.resolvConf, paths.root);
    if (options !== undefined) extras.resolvOptions = options.split(/\s+/).filter(Boolean);
  } catch (cause) {
    if (!(cause instanceof HostDataError)) throw cause;
    extras.resolvUnreadable = cause.message;
  }
  const manager = await resolvConfManager(paths.resolvConf);
  if (manager !== undefined) extras.resolvManagedBy = manager;
  return extras;
}
