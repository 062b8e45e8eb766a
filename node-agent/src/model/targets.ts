/**
 * Everything the agent may change, as data. A target can be stored in the
 * originals file and written back after a restart, and every target passes
 * one allowlist before it is read or written.
 */
export type Target =
  | { kind: "proc"; path: string }
  | { kind: "sys"; path: string }
  | { kind: "ethtool"; device: string; group: EthtoolGroup; param: string }
  | { kind: "resolvconf" }
  /** The IRQs a running irqbalance leaves alone, through its control socket. */
  | { kind: "irqbalance-bans" };

export type EthtoolGroup = "channels" | "rings" | "coalesce" | "features" | "rss";

/** Raised before any I/O for a target outside the allowlist. */
export class RefusedTargetError extends Error {
  override name = "RefusedTargetError";
}

// No leading "-": the name is passed to ethtool as an argument and must never read as a flag.
const interfaceName = "[A-Za-z0-9_][A-Za-z0-9._-]{0,14}";
const sysctlSegment = "[A-Za-z0-9_][A-Za-z0-9_-]{0,63}";

const allowedProc: RegExp[] = [
  new RegExp(`^sys/net/(core|ipv4|ipv6|netfilter)(/${sysctlSegment}){1,4}$`),
  /^irq\/\d{1,5}\/smp_affinity_list$/,
];

const allowedSys: RegExp[] = [
  new RegExp(`^class/net/${interfaceName}/queues/rx-\\d{1,4}/(rps_cpus|rps_flow_cnt)$`),
  new RegExp(`^class/net/${interfaceName}/queues/tx-\\d{1,4}/xps_cpus$`),
  new RegExp(`^class/net/${interfaceName}/tx_queue_len$`),
  /^module\/nf_conntrack\/parameters\/hashsize$/,
];

const ethtoolParams: Record<EthtoolGroup, RegExp> = {
  channels: /^(rx|tx|combined)$/,
  rings: /^(rx|tx)$/,
  coalesce: /^(adaptive-rx|adaptive-tx|rx-usecs|tx-usecs|rx-frames|tx-frames)$/,
  features: /^[a-z0-9][a-z0-9-]{0,63}$/,
  rss: /^equal$/,
};

const deviceName = new RegExp(`^${interfaceName}$`);

/** Whether NetTune can address an interface of this name (the kernel allows more, such as "x@y"). */
export function isAddressableInterface(name: string): boolean {
  return deviceName.test(name) && name !== "." && name !== "..";
}

/** Throws RefusedTargetError unless the target is on the allowlist. */
export function checkTarget(target: Target): Target {
  switch (target.kind) {
    case "proc":
      return refuseUnless(
        target,
        noParentSegments(target.path) && allowedProc.some((re) => re.test(target.path)),
      );
    case "sys":
      return refuseUnless(
        target,
        noParentSegments(target.path) && allowedSys.some((re) => re.test(target.path)),
      );
    case "ethtool":
      return refuseUnless(
        target,
        deviceName.test(target.device) &&
          target.device !== ".." &&
          ethtoolParams[target.group].test(target.param),
      );
    case "resolvconf":
    case "irqbalance-bans":
      return target;
    default:
      // A target kind this agent does not know (a state file from elsewhere) is never touched.
      throw new RefusedTargetError(
        `refused: target kind ${JSON.stringify((target as { kind?: unknown }).kind)} is not one NetTune knows`,
      );
  }
}

function noParentSegments(path: string): boolean {
  return !path.split("/").some((segment) => segment === ".." || segment === "." || segment === "");
}

function refuseUnless(target: Target, allowed: boolean): Target {
  if (!allowed)
    throw new RefusedTargetError(
      `refused: ${targetKey(target)} is not a setting NetTune may change`,
    );
  return target;
}

/** A stable, readable identity for a target; keys the originals file. */
export function targetKey(target: Target): string {
  switch (target.kind) {
    case "proc":
      return `/proc/${target.path}`;
    case "sys":
      return `/sys/${target.path}`;
    case "ethtool":
      return `ethtool:${target.device}:${target.group}.${target.param}`;
    case "resolvconf":
      return "resolv.conf:options";
    case "irqbalance-bans":
      return "irqbalance:banned-irqs";
  }
}

/**
 * What a target is, for the rules that decide about it: the rules ask these
 * questions instead of reading meaning out of path text.
 */
export interface TargetTraits {
  /** How two values compare: CPU masks and lists and word sets as sets, the rest word by word. */
  value: "cpumask" | "cpulist" | "irqset" | "wordset" | "words";
  /** Whose setting it is: a NIC's through ethtool, an IRQ's affinity, irqbalance's, the resolver's, or a kernel file. */
  owner: "ethtool" | "irq" | "irqbalance" | "resolver" | "kernel";
  /** A change that can take a NIC down for a moment (channels, rings, RSS, offloads): probed after. */
  probeGated: boolean;
  /** A net sysctl: global ones exist only in the initial network namespace. */
  netSysctl: boolean;
  /** Connection tracking's: it exists only once the nf_conntrack module is loaded. */
  conntrack: boolean;
  /**
   * Another writer keeps moving later targets until this write reaches it
   * (irqbalance's ban list): the settings after it are read only once it is written.
   */
  gatesLaterReads: boolean;
}

const probeGatedGroups: readonly EthtoolGroup[] = ["channels", "rings", "rss", "features"];

export function targetTraits(target: Target): TargetTraits {
  const traits: TargetTraits = {
    value: "words",
    owner: "kernel",
    probeGated: false,
    netSysctl: false,
    conntrack: false,
    gatesLaterReads: false,
  };
  switch (target.kind) {
    case "ethtool":
      return { ...traits, owner: "ethtool", probeGated: probeGatedGroups.includes(target.group) };
    case "irqbalance-bans":
      return { ...traits, owner: "irqbalance", value: "irqset", gatesLaterReads: true };
    case "resolvconf":
      return { ...traits, owner: "resolver", value: "wordset" };
    case "proc":
      if (/^irq\/\d+\/smp_affinity_list$/.test(target.path))
        return { ...traits, owner: "irq", value: "cpulist" };
      return {
        ...traits,
        netSysctl: target.path.startsWith("sys/net/"),
        conntrack: target.path.startsWith("sys/net/netfilter/nf_conntrack_"),
      };
    case "sys":
      return {
        ...traits,
        value: /_cpus$/.test(target.path) ? "cpumask" : "words",
        conntrack: target.path.startsWith("module/nf_conntrack/"),
      };
  }
}
