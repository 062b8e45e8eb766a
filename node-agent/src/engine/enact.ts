import type {
  NodeNetworkTuningSpec,
  SettingResult,
} from "../../../api/v1alpha1/node-network-tuning.ts";
import { refreshQueueCounts, type NodeFacts } from "../facts/gather.ts";
import { gatherSnapshot, type NodeSnapshot } from "../facts/snapshot.ts";
import type { WritersMemo } from "../facts/writing-programs.ts";
import { Actuator, type WriteObserver } from "../host/actuator.ts";
import type { CommandRunner } from "../host/commands.ts";
import { agentEthtool, type Ethtool } from "../host/ethtool.ts";
import type { HostPaths } from "../host/paths.ts";
import { readBootId } from "../facts/read.ts";
import { targetKey } from "../model/targets.ts";
import type { PlannedSetting } from "../tuners/types.ts";
import { applySettings, type ApplyDeps, type SettingChange } from "./apply.ts";
import { revertEntries } from "./revert.ts";
import type { DeviceRename } from "./device-renames.ts";
import { readDeviceIdentities } from "../facts/device-identity.ts";
import { otherWriters, withOtherWriters, type OtherWriter } from "./writer-conflicts.ts";
import { OriginalsStore, type StateGeneration } from "./originals.ts";
import { planHardware, planQueuesAndNode, predictFacts } from "./plan.ts";
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
  /** The running agent's last walk for other writers, reused for a while. */
  writersMemo?: WritersMemo;
}

export interface EnactOptions {
  /** Audit plans and reads only, whatever the spec says. */
  auditOnly?: boolean;
  source?: string;
  /** What the node was read to hold, when a check already read it and wrote nothing since. */
  snapshot?: NodeSnapshot;
  /** Specs checked after this one: the node is read once for all of them. */
  alsoPlanned?: readonly NodeNetworkTuningSpec[];
}

export interface EnactResult {
  mode: "Enforce" | "Audit";
  results: SettingResult[];
  /** Settings restored because the spec no longer asks for them. */
  reverted: SettingResult[];
  facts: NodeFacts;
  /** The node as read before this check; stale once hostWrites is above 0. */
  snapshot: NodeSnapshot;
  /** Writes this check attempted on the node, verified or not. */
  hostWrites: number;
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
  let hostWrites = 0;
  const actuator = new Actuator(deps.paths, ethtool, {
    beforeWrite: (target, value) => {
      hostWrites++;
      deps.observer?.beforeWrite?.(target, value);
    },
  });
  const snapshot = options.snapshot ?? (await readNode(spec, options, deps, ethtool));
  const { facts, extras, identities } = snapshot;
  const mode = options.auditOnly ? "Audit" : (spec.mode ?? "Enforce");
  // A plan or an Audit check changes nothing on the node, not even the originals file.
  const { store, discardedStale } = await OriginalsStore.open(deps.paths.runDir, facts.bootId, {
    ...(deps.now ? { now: deps.now } : {}),
    readOnly: mode === "Audit",
  });
  // A renamed interface keeps its originals: they move to its new name before anything is planned.
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
    snapshot,
    hostWrites,
    renamed,
    discardedStaleOriginals: discardedStale,
    changes,
    otherWriters: writers,
  };
}

/** The node as the spec and those planned after it need it read. */
function readNode(
  spec: NodeNetworkTuningSpec,
  options: EnactOptions,
  { paths, writersMemo }: EnactDeps,
  ethtool: Ethtool,
): Promise<NodeSnapshot> {
  return gatherSnapshot([spec, ...(options.alsoPlanned ?? [])], {
    paths,
    ethtool,
    writersMemo,
  });
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
