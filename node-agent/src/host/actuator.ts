import path from "node:path";
import { CPUListError, parseCPUList, parseCPUMask } from "../../../api/helpers/cpu-list.ts";
import { canonicalFeature, ethtoolRefusalCode } from "./ethtool-parse.ts";
import type { Ethtool } from "./ethtool.ts";
import { HostDataError, readHostFile } from "./host-read.ts";
import { WriteError, writeKernelFile } from "./host-write.ts";
import { bannedIRQsOf, formatBannedIRQs, runningIRQBalance } from "./irqbalance-socket.ts";
import type { HostPaths } from "./paths.ts";
import { readResolvOptions, writeResolvOptions } from "./resolv-conf.ts";
import {
  checkTarget,
  targetKey,
  targetTraits,
  type EthtoolGroup,
  type Target,
} from "../model/targets.ts";

export { WriteError };

export interface WriteObserver {
  beforeWrite?(target: Target, value: string): void;
}

/**
 * Reads and writes targets. Every target passes the allowlist first, so a
 * refused target never reaches the file system or ethtool.
 */
export class Actuator {
  private readonly paths: HostPaths;
  private readonly ethtool: Ethtool;
  private readonly observer: WriteObserver;

  constructor(paths: HostPaths, ethtool: Ethtool, observer: WriteObserver = {}) {
    this.paths = paths;
    this.ethtool = ethtool;
    this.observer = observer;
  }

  /**
   * The current value, or undefined when the target does not exist;
   * HostDataError when it cannot be opened or holds what its kind cannot hold
   * (a CPU mask that is not one, a FIFO, megabytes).
   */
  /**
   * Where the kernel delivers an IRQ now (effective_affinity_list), for an IRQ
   * affinity target; undefined for any other target, or where the kernel keeps
   * no effective affinity.
   */
  async effectiveAffinity(target: Target): Promise<string | undefined> {
    const irq = target.kind === "proc" ? /^irq\/(\d+)\/smp_affinity_list$/.exec(target.path) : null;
    if (!irq) return undefined;
    const file = path.join(this.paths.proc, "irq", irq[1] ?? "", "effective_affinity_list");
    return readKernelValue(target, this.paths.root, file);
  }

  async read(target: Target): Promise<string | undefined> {
    checkTarget(target);
    switch (target.kind) {
      case "proc":
        return readKernelValue(target, this.paths.root, path.join(this.paths.proc, target.path));
      case "sys":
        return readKernelValue(target, this.paths.root, path.join(this.paths.sys, target.path));
      case "resolvconf":
        return readResolvOptions(this.paths.resolvConf, this.paths.root);
      case "ethtool":
        return this.readEthtool(target);
      case "irqbalance-bans":
        return this.readBans();
    }
  }

  async write(target: Target, value: string): Promise<void> {
    checkTarget(target);
    if (target.kind !== "ethtool") this.observer.beforeWrite?.(target, value);
    switch (target.kind) {
      case "proc":
        return writeKernelFile(
          this.paths.root,
          path.join(this.paths.proc, target.path),
          value,
          targetKey(target),
        );
      case "sys":
        return writeKernelFile(
          this.paths.root,
          path.join(this.paths.sys, target.path),
          value,
          targetKey(target),
        );
      case "resolvconf":
        return writeResolvOptions(this.paths.resolvConf, value, this.paths.root);
      case "ethtool":
        return this.writeEthtool([{ target, value }]);
      case "irqbalance-bans":
        return this.writeBans(value);
    }
  }

  /** Undefined when irqbalance is not running or has no control socket (built without it). */
  private async readBans(): Promise<string | undefined> {
    const socket = await runningIRQBalance(this.paths.proc);
    if (socket === undefined) return undefined;
    try {
      return formatBannedIRQs(await socket.banned());
    } catch {
      return undefined;
    }
  }

  private async writeBans(value: string): Promise<void> {
    const socket = await runningIRQBalance(this.paths.proc);
    if (socket === undefined)
      throw new WriteError(`irqbalance ban ${value}: irqbalance is not running`, "ESRCH");
    try {
      await socket.ban(bannedIRQsOf(value));
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? "EUNKNOWN";
      throw new WriteError(`irqbalance ban ${value}: ${code}`, code, { cause });
    }
  }

  /**
   * Writes several parameters of one ethtool group of one device in a single
   * command: a NIC reconfigures once instead of once per parameter.
   */
  async writeEthtool(writes: readonly { target: Target; value: string }[]): Promise<void> {
    const first = writes[0]?.target;
    if (first?.kind !== "ethtool") return;
    const pairs = writes.map(({ target, value }) => {
      checkTarget(target);
      if (
        target.kind !== "ethtool" ||
        target.device !== first.device ||
        target.group !== first.group
      ) {
        throw new Error(
          `${targetKey(target)}: not in the same ethtool group as ${targetKey(first)}`,
        );
      }
      this.observer.beforeWrite?.(target, value);
      return [
        target.group === "features" ? canonicalFeature(target.param) : target.param,
        value,
      ] as const;
    });
    const result = await this.ethtool.set(first.device, first.group, pairs);
    if (result.code !== 0) {
      const what = writes.map(({ target, value }) => `${targetKey(target)}=${value}`).join(" ");
      throw new WriteError(
        `${what}: ${result.stderr.trim() || `exit ${result.code}`}`,
        ethtoolRefusalCode(result.stderr),
      );
    }
  }

  private async readEthtool(
    target: Extract<Target, { kind: "ethtool" }>,
  ): Promise<string | undefined> {
    return ethtoolReaders[target.group](this.ethtool, target.device, target.param);
  }
}

type EthtoolReader = (
  ethtool: Ethtool,
  device: string,
  param: string,
) => Promise<string | undefined>;

const ethtoolReaders: Record<EthtoolGroup, EthtoolReader> = {
  channels: async (ethtool, device, param) =>
    (await ethtool.channels(device))?.current[param]?.toString(),
  rings: async (ethtool, device, param) =>
    (await ethtool.rings(device))?.current[param]?.toString(),
  coalesce: async (ethtool, device, param) => (await ethtool.coalesce(device))?.[param],
  features: async (ethtool, device, param) => {
    const state = (await ethtool.features(device))?.get(canonicalFeature(param));
    return state === undefined ? undefined : state.active ? "on" : "off";
  },
  rss: async (ethtool, device) => {
    const equal = await ethtool.rssEqual(device);
    return equal === undefined ? undefined : equal === null ? "custom" : String(equal);
  },
};

/** Whether two values of a target mean the same, in the target's own terms. */
export function sameValue(target: Target, a: string, b: string): boolean {
  switch (targetTraits(target).value) {
    case "cpumask":
      return sameSet(parseCPUMask(a), parseCPUMask(b));
    case "cpulist":
      return sameSet(parseCPUList(a), parseCPUList(b));
    case "irqset":
      return sameSet(bannedIRQsOf(a), bannedIRQsOf(b));
    case "wordset":
      return sameSet(a.split(/\s+/).filter(Boolean), b.split(/\s+/).filter(Boolean));
    case "words":
      return a.trim().split(/\s+/).join(" ") === b.trim().split(/\s+/).join(" ");
  }
}

function sameSet<T>(a: T[], b: T[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}

// A kernel setting's file holds one short line; a 4096-CPU mask is about 1 KiB.
const kernelValueLimit = 64 * 1024;

async function readKernelValue(
  target: Target,
  root: string,
  file: string,
): Promise<string | undefined> {
  // Absent is undefined; a file that is there but cannot be opened (EACCES, EIO) is
  // unreadable, never absent: a revert that took it for gone would forget its original.
  const text = await readHostFile(root, file, kernelValueLimit);
  const value = text?.trim();
  if (value === undefined) return undefined;
  try {
    const kind = targetTraits(target).value;
    if (kind === "cpumask") parseCPUMask(value);
    if (kind === "cpulist") parseCPUList(value);
  } catch (cause) {
    if (!(cause instanceof CPUListError)) throw cause;
    throw new HostDataError(file, cause.message, { cause });
  }
  return value;
}
