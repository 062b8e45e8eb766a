import type { NodeExtras } from "../facts/snapshot.ts";
import type { NodeNetworkTuningSpec } from "../../../api/v1alpha1/node-network-tuning.ts";
import type { IRQAffinityTuning } from "../../../api/v1alpha1/interfaces.ts";
import type { InterfaceFacts, NodeFacts } from "../facts/gather.ts";
import { planChannels } from "../tuners/channels.ts";
import { planCoalesce } from "../tuners/coalesce.ts";
import { planConntrack } from "../tuners/conntrack.ts";
import { planIRQAffinity } from "../tuners/irq.ts";
import { placedIRQs, planIRQBalance, type IRQBalanceFacts } from "../tuners/irqbalance.ts";
import { planDeviceIRQs } from "../tuners/device-irqs.ts";
import { planOffloads } from "../tuners/offloads.ts";
import { planResolvConf } from "../tuners/resolvconf.ts";
import { planRings } from "../tuners/rings.ts";
import { planRPS, planSockFlowEntries } from "../tuners/rps.ts";
import { planRSS } from "../tuners/rss.ts";
import { planSysctls } from "../tuners/sysctls.ts";
import { planTxQueueLength } from "../tuners/txqueuelen.ts";
import type { InterfaceContext, PlannedSetting } from "../tuners/types.ts";
import type { ResolvedCPUs } from "../tuners/cpu-sets.ts";
import { planXPS } from "../tuners/xps.ts";
import { cpuSettingsFailed, withHostProblems } from "./host-problems.ts";
import { selectInterfaces } from "./select.ts";

/**
 * Hardware settings: channels, rings, coalescing, offloads, txqueuelen.
 * Planned and applied first, because channel changes re-create queues.
 */
export function planHardware(
  spec: NodeNetworkTuningSpec,
  facts: NodeFacts,
  source?: string,
): PlannedSetting[] {
  const planned = selectInterfaces(spec.interfaces ?? [], facts.interfaces).flatMap(
    ({ facts: iface, settings }) => {
      const context: InterfaceContext = withSource({ iface, cpus: facts.cpus }, source);
      return [
        ...(settings.channels ? planChannels(settings.channels, context) : []),
        ...(settings.rings ? planRings(settings.rings, context) : []),
        ...(settings.coalesce ? planCoalesce(settings.coalesce, context) : []),
        ...(settings.offloads ? planOffloads(settings.offloads, context) : []),
        ...(settings.txQueueLength !== undefined
          ? planTxQueueLength(settings.txQueueLength, context)
          : []),
      ];
    },
  );
  return withHostProblems(planned, facts);
}

// Interfaces planned between two returns to the event loop: a node of hundreds of
// interfaces with thousands of queues would otherwise hold it for hundreds of milliseconds
// (bench/worst-spec.ts), and the health probes with it.
const interfacesPerTurn = 4;

/** Lets timers and I/O run before planning goes on. */
const nextTurn = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve);
  });

/** Queue-dependent settings (RSS, RPS/RFS, XPS, IRQs), then node-wide ones. */
export async function planQueuesAndNode(
  spec: NodeNetworkTuningSpec,
  facts: NodeFacts,
  extras: NodeExtras,
  source?: string,
): Promise<PlannedSetting[]> {
  const selected = selectInterfaces(spec.interfaces ?? [], facts.interfaces);
  const cpuSets = new Map<string, ResolvedCPUs>();
  const perInterface: PlannedSetting[] = [];
  for (const [index, { facts: iface, settings }] of selected.entries()) {
    if (index > 0 && index % interfacesPerTurn === 0) await nextTurn();
    const context: InterfaceContext = withSource({ iface, cpus: facts.cpus, cpuSets }, source);
    perInterface.push(...planInterfaceQueues(settings, context, facts));
  }
  const flowRequests = selected.flatMap(({ settings }) =>
    settings.rps?.flowEntries === undefined
      ? []
      : [withSource({ flowEntries: settings.rps.flowEntries }, source)],
  );
  const deviceIRQs = spec.deviceIRQs
    ? planDeviceIRQs(
        spec.deviceIRQs,
        withSource(
          {
            irqs: facts.irqs ?? [],
            cpus: facts.cpus,
            placed: new Set(placedIRQs(perInterface)),
            cpuSets,
          },
          source,
        ),
      )
    : [];
  return withHostProblems(
    [
      ...planIRQBalance(
        spec.irqbalance,
        [...perInterface, ...deviceIRQs],
        irqbalanceFacts(facts),
        source,
      ),
      ...planSockFlowEntries(flowRequests),
      ...(spec.conntrack
        ? planConntrack(
            spec.conntrack,
            withSource(
              {
                onlineCPUs: facts.cpus.online.length,
                initialNetns: facts.initialNetns,
                ...maybe("currentMax", raiseFloor(extras)),
              },
              source,
            ),
          )
        : []),
      ...(spec.dns?.node
        ? planResolvConf(
            spec.dns.node,
            withSource(
              {
                ...maybe("current", extras.resolvOptions),
                ...maybe("managedBy", extras.resolvManagedBy),
                ...maybe("unreadable", extras.resolvUnreadable),
              },
              source,
            ),
          )
        : []),
      ...(spec.sysctls
        ? planSysctls(spec.sysctls, source, spec.allowSecuritySensitiveSysctls === true)
        : []),
    ],
    facts,
  );
}

/**
 * The queue counts the hardware plan will leave, so that the queue plan can
 * be checked (and shown in Audit mode) before anything is written.
 */
export function predictFacts(facts: NodeFacts, hardware: PlannedSetting[]): NodeFacts {
  const counts = new Map<string, Partial<Pick<InterfaceFacts, "rxQueues" | "txQueues">>>();
  for (const planned of hardware) {
    const target = planned.target;
    if (target?.kind !== "ethtool" || target.group !== "channels") continue;
    const count = Number(planned.desired);
    const entry = counts.get(target.device) ?? {};
    if (target.param !== "tx") entry.rxQueues = count;
    if (target.param !== "rx") entry.txQueues = count;
    counts.set(target.device, entry);
  }
  return {
    ...facts,
    interfaces: facts.interfaces.map((iface) => ({ ...iface, ...counts.get(iface.name) })),
  };
}

/** One interface's RSS, RPS, XPS and IRQ settings. */
function planInterfaceQueues(
  settings: SelectedSettings,
  context: InterfaceContext,
  facts: NodeFacts,
): PlannedSetting[] {
  const cpuPlaced =
    facts.cpusUnreadable !== undefined
      ? cpuSettingsFailed(context.iface, settings, facts.cpusUnreadable, context.source)
      : [
          ...(settings.rps ? planRPS(settings.rps, context) : []),
          ...(settings.xps ? planXPS(settings.xps, context) : []),
          ...planQueueIRQs(settings.irqAffinity, context, facts.interruptsUnreadable),
        ];
  return [...(settings.rss ? planRSS(settings.rss, context) : []), ...cpuPlaced];
}

type SelectedSettings = ReturnType<typeof selectInterfaces>[number]["settings"];

/**
 * Queue IRQ affinity, or its failure when /proc/interrupts could not be read:
 * without it no IRQ is known to be a queue's, and that is not "no queue IRQs".
 */
function planQueueIRQs(
  desired: IRQAffinityTuning | undefined,
  context: InterfaceContext,
  interruptsUnreadable: string | undefined,
): PlannedSetting[] {
  if (desired === undefined) return [];
  if (interruptsUnreadable === undefined || desired.policy === "Leave")
    return planIRQAffinity(desired, context);
  return cpuSettingsFailed(
    context.iface,
    { irqAffinity: desired },
    interruptsUnreadable,
    context.source,
  );
}

function withSource<T extends object>(
  value: T,
  source: string | undefined,
): T & { source?: string } {
  return source === undefined ? value : { ...value, source };
}

function maybe<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function irqbalanceFacts(facts: NodeFacts): IRQBalanceFacts {
  return {
    running: facts.irqbalanceRunning === true,
    ...maybe("banned", facts.irqbalanceBanned),
    ...maybe("socketProblem", facts.irqbalanceSocketProblem),
  };
}

/**
 * What onlyRaise measures the table size against: the node's value, or what
 * kube-proxy writes at its start when that is larger. onlyRaise then never
 * lowers kube-proxy's value, and the two never fight over the size.
 */
function raiseFloor(extras: NodeExtras): number | undefined {
  const kubeProxy = extras.kubeProxy?.writes.find((w) => w.sysctl === "nf_conntrack_max");
  if (!kubeProxy) return extras.conntrackMax;
  return Math.max(Number(kubeProxy.value), extras.conntrackMax ?? 0);
}
