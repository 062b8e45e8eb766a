import path from "node:path";
import { HostDataError, listHostDir, readHostFile } from "../host/host-read.ts";
import type { HostPaths } from "../host/paths.ts";
import { runningIRQBalance } from "../host/irqbalance-socket.ts";
import type { CPUTopology } from "./cpu-topology.ts";
import {
  gatherInterface,
  queueCountsOf,
  type EthtoolQuery,
  type GatherDeps,
  type InterfaceFacts,
} from "./interface-facts.ts";
import { findKubeletCPUs, housekeepingCPUs } from "./kubelet-cpus.ts";
import { parseInterrupts, queueIRQs } from "./interrupts.ts";
import { pciFunction } from "./pci.ts";
import { readBootId, readText } from "./read.ts";
import { defaultRouteInterfaces, gatherTopology, isInitialNetns } from "./node-layout.ts";

export type { EthtoolQuery, GatherDeps, InterfaceFacts } from "./interface-facts.ts";

export interface NodeFacts {
  interfaces: InterfaceFacts[];
  cpus: CPUTopology;
  /** Why the CPU topology could not be read; then cpus lists no CPU at all. */
  cpusUnreadable?: string;
  /** Why /proc/interrupts could not be read; then no IRQ is known to belong to a queue. */
  interruptsUnreadable?: string;
  /** Every IRQ /proc/interrupts names, by number (device IRQs; per-CPU ones have no number). */
  irqs?: { irq: number; name: string }[];
  /** False inside a network namespace other than the host's. */
  initialNetns: boolean;
  /** Undefined when the kernel's boot id cannot be read: nothing is written then. */
  bootId: string | undefined;
  kernel: string;
  /** Absent when not looked for. */
  irqbalanceRunning?: boolean;
  /** The IRQs a running irqbalance leaves alone; looked for only when bans are wanted. */
  irqbalanceBanned?: number[];
  /** Why irqbalance's control socket did not answer, when bans are wanted. */
  irqbalanceSocketProblem?: string;
}

export interface GatherScope {
  /** Only these interfaces; every one but lo when absent. */
  interfaces?: Set<string>;
  /** Only these ethtool queries; all of them when absent (for the inventory). */
  queries?: Set<EthtoolQuery>;
  /** Whether to look for irqbalance among the processes; true when absent. */
  irqbalance?: boolean;
  /** Whether to ask a running irqbalance which IRQs it leaves alone. */
  irqbalanceBans?: boolean;
  /** Whether to read the kubelet's CPU reservation and CPU manager state. */
  housekeeping?: boolean;
}

/** Reads what the planners need to know about the node; writes nothing. */
export async function gatherNodeFacts(
  deps: GatherDeps,
  scope: GatherScope = {},
): Promise<NodeFacts> {
  const only = scope.interfaces;
  const { paths } = deps;
  const names = (await listHostDir(paths.root, path.join(paths.sys, "class/net"))).filter(
    (name) => name !== "lo" && (only === undefined || only.has(name)),
  );
  const defaults = await defaultRouteInterfaces(paths.root, paths.proc);
  const { interrupts, interruptsUnreadable } = await readInterrupts(paths);
  const identities = new Set<string>();
  const interfaces = await Promise.all(
    names
      .sort()
      .map((name) =>
        gatherInterface(deps, name, defaults.has(name), interrupts, scope.queries, identities),
      ),
  );
  if (only === undefined) deps.ethtool.forgetDriverInfoExcept(identities);
  const topology = await gatherTopology(paths.root, paths.sys);
  if (scope.housekeeping)
    topology.cpus.housekeeping = housekeepingCPUs(
      await findKubeletCPUs(paths, deps.processes),
      topology.cpus.online,
    );
  return {
    interfaces,
    ...topology,
    initialNetns: await isInitialNetns(paths.root, paths.proc),
    bootId: await readBootId(paths.root, paths.proc),
    kernel: (await readText(paths.root, path.join(paths.proc, "sys/kernel/osrelease"))).trim(),
    irqs: namedIRQs(interrupts),
    ...(interruptsUnreadable === undefined ? {} : { interruptsUnreadable }),
    ...(scope.irqbalance === false ? {} : await gatherIRQBalance(paths.proc, scope)),
  };
}

function namedIRQs(interrupts: ReadonlyMap<number, string>): { irq: number; name: string }[] {
  return [...interrupts].map(([irq, name]) => ({ irq, name })).sort((a, b) => a.irq - b.irq);
}

/**
 * /proc/interrupts, the only map from a queue to its IRQ. Unreadable (over the
 * cap, not a file) is said, never taken for "no queue IRQs".
 */
async function readInterrupts(
  paths: HostPaths,
): Promise<{ interrupts: Map<number, string>; interruptsUnreadable?: string }> {
  try {
    const text = await readHostFile(paths.root, path.join(paths.proc, "interrupts"));
    return { interrupts: parseInterrupts(text ?? "") };
  } catch (cause) {
    if (!(cause instanceof HostDataError)) throw cause;
    return { interrupts: new Map(), interruptsUnreadable: cause.message };
  }
}

async function gatherIRQBalance(
  proc: string,
  scope: GatherScope,
): Promise<Pick<NodeFacts, "irqbalanceRunning" | "irqbalanceBanned" | "irqbalanceSocketProblem">> {
  const socket = await runningIRQBalance(proc);
  if (socket === undefined) return { irqbalanceRunning: false };
  if (scope.irqbalanceBans !== true) return { irqbalanceRunning: true };
  try {
    const banned = await socket.banned();
    return { irqbalanceRunning: true, irqbalanceBanned: banned };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
    return {
      irqbalanceRunning: true,
      irqbalanceSocketProblem: `its control socket did not answer (${code})`,
    };
  }
}

/**
 * Queue counts and queue IRQs re-read, after channel changes re-created the
 * queues (a driver may free and request its vectors again).
 */
export async function refreshQueueCounts(
  facts: NodeFacts,
  paths: HostPaths,
  devices: Set<string>,
): Promise<NodeFacts> {
  const { interrupts, interruptsUnreadable } = await readInterrupts(paths);
  const interfaces = await Promise.all(
    facts.interfaces.map(async (iface) => {
      if (!devices.has(iface.name)) return iface;
      const base = path.join(paths.sys, "class/net", iface.name);
      const counts = await queueCountsOf(paths.root, base);
      const pci = await pciFunction(paths.root, base);
      const irqs = queueIRQs(iface, pci?.msiIRQs ?? [], interrupts);
      const { queueIRQsUnknown: _stale, ...rest } = iface;
      return {
        ...rest,
        rxQueues: counts.rx,
        txQueues: counts.tx,
        queueIRQs: irqs.queues,
        ...(irqs.unknown === undefined ? {} : { queueIRQsUnknown: irqs.unknown }),
      };
    }),
  );
  const refreshed = { ...facts, interfaces, irqs: namedIRQs(interrupts) };
  if (interruptsUnreadable !== undefined) refreshed.interruptsUnreadable = interruptsUnreadable;
  return refreshed;
}
