import type {
  NodeNetworkTuningSpec,
  SettingResult,
} from "../../../api/v1alpha1/node-network-tuning.ts";
import {
  gatherNodeFacts,
  refreshQueueCounts,
  type EthtoolQuery,
  type GatherScope,
  type NodeFacts,
} from "../facts/gather.ts";
import { Actuator, type WriteObserver } from "../host/actuator.ts";
import type { CommandRunner } from "../host/commands.ts";
import { sysfsQueueCounts } from "../host/queue-counts.ts";
import { Ethtool } from "../host/ethtool.ts";
import type { HostPaths } from "../host/paths.ts";
import { readConntrackMax } from "../facts/host-counters.ts";
import { readBootId } from "../facts/read.ts";
import { HostDataError } from "../host/host-read.ts";
import { readResolvOptions, resolvConfManager } from "../host/resolv-conf.ts";
import { targetKey } from "../host/targets.ts";
import type { PlannedSetting } from "../tuners/types.ts";
import { applySettings, type ApplyDeps, type SettingChange } from "./apply.ts";
import { revertEntries } from "./revert.ts";
import type { DeviceRename } from "./device-renames.ts";
import { readDeviceIdentities } from "../facts/device-identity.ts";
import { otherWriters, withOtherWriters, type OtherWriter } from "./other-writers.ts";
import { ownedByCNI } from "../facts/cni.ts";
import { findOtherWriters } from "../facts/other-writers.ts";
import { OriginalsStore, type StateGeneration } from "./originals.ts";
import { planHardware, planQueuesAndNode, predictFacts, type NodeExtras } from "./plan.ts";
import { sharedTargets } from "./shared-targets.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";

export interface EnactDeps {
  paths: HostPaths;
  run: CommandRunner;
  now?: () => Date;
  observer?: WriteObserver;
  /** Asked after changes that can reset a NIC; see ApplyDeps.probe. */
  probe?: () => Promise<boolean>;
  /** The running agent's `ethtool -i` answers, kept from one check to the next. */
  driverInfoMemo?: Map<string, Record<string, string>>;
}

export interface EnactOptions {
  /** Audit plans and reads only, whatever the spec says. */
  auditOnly?: boolean;
  source?: string;
}

export interface EnactResult {
  mode: "Enforce" | "Audit";
  results: SettingResult[];
  /** Settings restored because the spec no longer asks for them. */
  reverted: SettingResult[];
  facts: NodeFacts;
  discardedStaleOriginals: number;
  /** Interfaces renamed since their originals were recorded, whose originals moved with them. */
  renamed: DeviceRename[];
  /** Every value this check changed and verified, with what the node held before. */
  changes: SettingChange[];
  /** Settings another program on the node (kube-proxy) also writes. */
  otherWriters: OtherWriter[];
}

/** Raised when the spec or some setting is refused; nothing has been written. */
export class InvalidSpecError extends Error {
  override name = "InvalidSpecError";
  readonly refused: PlannedSetting[];
  constructor(refused: PlannedSetting[], problems?: string[]) {
    super(
      `refused before any write: ${(problems ?? refused.map((p) => p.verdict?.message ?? p.name)).join("; ")}`,
    );
    this.refused = refused;
  }
}

/**
 * Brings the node to `spec`: hardware settings first, then (against the
 * queue counts they leave) queue and node-wide settings; finally restores
 * whatever NetTune changed earlier that the spec no longer asks for.
 */
export async function enact(
  spec: NodeNetworkTuningSpec,
  deps: EnactDeps,
  options: EnactOptions = {},
): Promise<EnactResult> {
  const ethtool = agentEthtool(deps);
  const actuator = new Actuator(deps.paths, ethtool, deps.observer);
  const facts = await gatherNodeFacts({ paths: deps.paths, ethtool }, gatherScope(spec));
  const mode = options.auditOnly ? "Audit" : (spec.mode ?? "Enforce");
  // A plan or an Audit check changes nothing on the node, not even the originals file.
  const { store, discardedStale } = await OriginalsStore.open(deps.paths.runDir, facts.bootId, {
    ...(deps.now ? { now: deps.now } : {}),
    readOnly: mode === "Audit",
  });
  const extras = await gatherExtras(deps.paths, spec, facts.cpus.online.length);
  // A renamed interface keeps its originals: they move to its new name before anything is planned.
  const identities = await readDeviceIdentities(deps.paths);
  const renamed = await store.followRenames(identities);

  const hardware = planHardware(spec, facts, options.source);
  const predicted = await planQueuesAndNode(
    spec,
    predictFacts(facts, hardware),
    extras,
    options.source,
  );
  refuseBeforeAnyWrite([...hardware, ...predicted]);

  const changes: SettingChange[] = [];
  const applyDeps: ApplyDeps = {
    actuator,
    store,
    mode,
    initialNetns: facts.initialNetns,
    identities,
    onChange: (change) => changes.push(change),
  };
  if (deps.probe) applyDeps.probe = deps.probe;
  const hardwareResults = await applySettings(hardware, applyDeps);
  // Channel changes re-create queues: plan queue settings against the counts now in sysfs.
  const recreated = new Set(
    hardware.flatMap((planned, index) =>
      planned.target?.kind === "ethtool" &&
      planned.target.group === "channels" &&
      hardwareResults[index]?.reason === SettingReason.Written
        ? [planned.target.device]
        : [],
    ),
  );
  const queuePlan =
    recreated.size > 0
      ? await planQueuesAndNode(
          spec,
          await refreshQueueCounts(facts, deps.paths, recreated),
          extras,
          options.source,
        )
      : predicted;
  const writers = otherWriters([...hardware, ...queuePlan], {
    ...extras,
    ...(facts.irqbalanceRunning ? { irqbalance: spec.irqbalance?.policy ?? "Report" } : {}),
  });
  const results = withOtherWriters(
    [...hardwareResults, ...(await applySettings(queuePlan, applyDeps))],
    writers,
  );

  const planned = new Set(
    [...hardware, ...queuePlan].flatMap((p) => (p.target ? [targetKey(p.target)] : [])),
  );
  const unplanned = store.list().filter((entry) => !planned.has(entry.key));
  const reverted = mode === "Enforce" ? await revertEntries(unplanned, { actuator, store }) : [];
  return {
    mode,
    results,
    reverted,
    facts,
    renamed,
    discardedStaleOriginals: discardedStale,
    changes,
    otherWriters: writers,
  };
}

/** Throws InvalidSpecError for settings refused by their planners or writing one file twice. */
function refuseBeforeAnyWrite(planned: PlannedSetting[]): void {
  const refused = planned.filter((p) => p.verdict?.state === "Invalid");
  if (refused.length > 0) throw new InvalidSpecError(refused);
  const shared = sharedTargets(planned);
  if (shared.length > 0)
    throw new InvalidSpecError(
      shared.flatMap((s) => s.settings),
      shared.map((s) => s.problem),
    );
}

/**
 * Restores everything NetTune recorded, newest first. `generation: "previous"`
 * restores from the generation kept before the current one, when the current
 * cannot be trusted (a person's recovery; the current is set aside, not lost).
 */
export async function revertAll(
  deps: EnactDeps,
  generation: StateGeneration = "current",
): Promise<SettingResult[]> {
  const ethtool = agentEthtool(deps);
  const actuator = new Actuator(deps.paths, ethtool, deps.observer);
  const bootId = await readBootId(deps.paths.root, deps.paths.proc);
  const { store } = await OriginalsStore.open(deps.paths.runDir, bootId, {
    ...(deps.now ? { now: deps.now } : {}),
    generation,
  });
  await store.followRenames(await readDeviceIdentities(deps.paths));
  return revertEntries(store.list(), { actuator, store });
}

/**
 * What the spec needs to know: only the interfaces it names (when every
 * entry names them) and only the ethtool queries its settings use.
 */
export function gatherScope(spec: NodeNetworkTuningSpec): GatherScope {
  const entries = spec.interfaces ?? [];
  const queries = new Set<EthtoolQuery>();
  for (const entry of entries) {
    for (const query of ["channels", "rings", "coalesce"] as const)
      if (entry[query]) queries.add(query);
    if (entry.offloads) queries.add("features");
  }
  const named = entries.every((entry) => entry.match.names && !entry.match.namePattern);
  const irqbalance =
    entries.some((entry) => entry.irqAffinity) ||
    spec.irqbalance !== undefined ||
    spec.deviceIRQs !== undefined;
  const irqbalanceBans = spec.irqbalance?.policy === "BanTunedIRQs";
  const housekeeping = usesHousekeeping(spec);
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
  paths: HostPaths,
  spec: NodeNetworkTuningSpec,
  cpus: number,
): Promise<NodeExtras> {
  const extras: NodeExtras = {};
  const max = await readConntrackMax(paths);
  if (max !== undefined && max > 0) extras.conntrackMax = max;
  const writers = await findOtherWriters(paths, {
    cpus,
    conntrack: setsConntrack(spec),
    cniOwned: Object.keys(spec.sysctls ?? {}).some(ownedByCNI),
    nics: (spec.interfaces ?? []).length > 0,
  });
  Object.assign(extras, writers);
  // Only a spec with node DNS settings has any business with resolv.conf.
  return spec.dns?.node ? { ...extras, ...(await resolvExtras(paths)) } : extras;
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

/** The ethtool of the agent's checks: queue counts proven by sysfs, drivers kept across checks. */
export function agentEthtool(deps: EnactDeps): Ethtool {
  return new Ethtool(deps.run, {
    queueCounts: sysfsQueueCounts(deps.paths.root, deps.paths.sys),
    ...(deps.driverInfoMemo ? { driverInfoMemo: deps.driverInfoMemo } : {}),
  });
}
