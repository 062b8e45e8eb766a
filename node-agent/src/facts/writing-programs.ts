import type { HostPaths } from "../host/paths.ts";
import { findCNI, type CNIConfig } from "./cni.ts";
import { findKubeProxy, type KubeProxyWrites } from "./kube-proxy.ts";
import { findLinkFiles, findNetworkManager, type LinkConfigWriter } from "./link-configs.ts";
import { KnownProcesses } from "./known-processes.ts";
import { ProcessTable } from "./processes.ts";
import { findTuned, type TunedFacts } from "./tuned.ts";

/** What is known of the node's other writers of settings. */
export interface WriterFacts {
  kubeProxy?: KubeProxyWrites;
  cni?: CNIConfig;
  tuned?: TunedFacts;
  networkManager?: LinkConfigWriter;
  linkFiles?: LinkConfigWriter;
  /** A running irqbalance, and the tuning's policy towards it. */
  irqbalance?: "Report" | "BanTunedIRQs";
}

/** Which writers a spec can meet: each is looked for only where the spec sets what it writes. */
export interface WriterNeeds {
  /** Online CPUs: kube-proxy sizes its conntrack table by them. */
  cpus: number;
  /** Connection tracking: kube-proxy writes it at its start. */
  conntrack: boolean;
  /** Forwarding or rp_filter, which the CNI owns. */
  cniOwned: boolean;
  /** NIC settings, which NetworkManager and udev's .link files set when a link comes up. */
  nics: boolean;
}

/**
 * The other programs that write what a spec sets, from one walk of /proc.
 * TuneD may write any sysctl, sysfs file, NIC setting or IRQ: it is always
 * looked for.
 */
export async function findOtherWriters(
  paths: HostPaths,
  needs: WriterNeeds,
  known?: KnownProcesses,
): Promise<WriterFacts> {
  const processes = new ProcessTable(paths.proc, known);
  const found: WriterFacts = {};
  if (needs.conntrack) found.kubeProxy = await findKubeProxy(paths, needs.cpus, processes);
  if (needs.cniOwned) found.cni = await findCNI(paths, processes);
  found.tuned = await findTuned(paths, processes);
  if (needs.nics) {
    found.networkManager = await findNetworkManager(paths, processes);
    found.linkFiles = await findLinkFiles(paths, processes);
  }
  // Absent writers leave no keys, as the plan's extras expect.
  const present: WriterFacts = Object.fromEntries(
    Object.entries(found).filter(([, value]) => value !== undefined),
  );
  return present;
}

/**
 * A running agent's last walk for other writers, kept for `ttlMs`: the checks
 * a spec change or a burst of link events brings within that time reuse it
 * instead of walking /proc again. A writer that starts later is found by the
 * first check after the time is up (the periodic re-verify at the latest).
 */
export class WritersMemo {
  private last: { key: string; at: number; found: WriterFacts } | undefined;
  /** The command lines its walks read, kept so that the next walk reads only what changed. */
  readonly processes: KnownProcesses;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(ttlMs: number, now: () => number = Date.now) {
    this.ttlMs = ttlMs;
    this.now = now;
    this.processes = new KnownProcesses(600_000, now);
  }

  async find(
    needs: WriterNeeds,
    walk: (needs: WriterNeeds) => Promise<WriterFacts>,
  ): Promise<WriterFacts> {
    const key = JSON.stringify(needs);
    const last = this.last;
    if (last?.key === key && this.now() - last.at < this.ttlMs) return last.found;
    const found = await walk(needs);
    this.last = { key, at: this.now(), found };
    return found;
  }
}
