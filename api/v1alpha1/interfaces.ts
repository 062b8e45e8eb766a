import type { CPUSet, Int32 } from "./meta.ts";
import type { RPSTuning, RSSTuning, XPSTuning } from "./steering.ts";

/**
 * A network interface name. Kernel names are at most 15 characters and never
 * "." or ".."; no "/" can reach a sysfs path through it.
 * @maxLength 15
 * @pattern ^[A-Za-z0-9_-][A-Za-z0-9._-]{0,14}$
 */
export type InterfaceName = string;

/**
 * A kernel driver name as `ethtool -i` reports it, such as mlx5_core or ena.
 * @maxLength 32
 * @pattern ^[A-Za-z0-9_-]{1,32}$
 */
export type DriverName = string;

/**
 * Which interfaces of a node a tuning entry applies to. Criteria combine with
 * AND; at least one of names, namePattern, drivers, pciDevices or defaultRoute is needed.
 * @validation {"rule": "has(self.names) || has(self.namePattern) || has(self.drivers) || (has(self.defaultRoute) && self.defaultRoute)", "message": "match needs at least one of names, namePattern, drivers or defaultRoute: true", "versions": ["v1alpha1"]}
 * @validation {"rule": "has(self.names) || has(self.namePattern) || has(self.drivers) || has(self.pciDevices) || (has(self.defaultRoute) && self.defaultRoute)", "message": "match needs at least one of names, namePattern, drivers, pciDevices or defaultRoute: true", "versions": ["v1beta1"]}
 */
export interface InterfaceMatch {
  /**
   * Exact interface names, such as ["eth0", "ens5"].
   * @maxItems 32
   * @listType set
   */
  names?: InterfaceName[];
  /**
   * A shell-style pattern over interface names, such as "ens*" or "eth[0-3]".
   * @maxLength 32
   * @pattern ^[A-Za-z0-9_*?\[\]-][A-Za-z0-9._*?\[\]-]{0,31}$
   * @validation {"rule": "self.matches('^([^\\\\[\\\\]]|\\\\[[^\\\\[\\\\]]+\\\\])*$')", "message": "every [ needs a closing ] with at least one character between, and no brackets nest", "messageExpression": "'namePattern ' + self + ': every [ needs a closing ] with at least one character between, and no brackets nest'"}
   */
  namePattern?: string;
  /**
   * Kernel drivers the interface must use, such as ["ixgbe", "i40e"].
   * @maxItems 16
   * @listType set
   */
  drivers?: DriverName[];
  /**
   * PCI vendor and device IDs the interface's PCI function must have, as
   * `lspci -n` prints them: ["8086:1572", "15b3:*"] ("*" takes any device of
   * the vendor). A virtio device is matched by the PCI function above it.
   * @maxItems 16
   * @listType set
   * @since v1beta1
   */
  pciDevices?: PCIDeviceID[];
  /** Only the interface that carries the node's IPv4 or IPv6 default route. */
  defaultRoute?: boolean;
  /**
   * Only interfaces backed by a device (with /sys/class/net/NAME/device);
   * leaves out bridges, veths, tunnels and bonds. Defaults to true.
   * @default true
   */
  physicalOnly?: boolean;
}

/**
 * A PCI vendor:device pair in lower-case hex, such as "8086:1572", or "8086:*"
 * for every device of the vendor.
 * @pattern ^[0-9a-f]{4}:([0-9a-f]{4}|\*)$
 */
export type PCIDeviceID = string;

/**
 * A queue count: a number, "max" (the pre-set maximum the driver reports),
 * "cpus" (one per online CPU), "numa-local-cpus" (one per CPU of the NIC's
 * NUMA node) or "housekeeping-cpus" (one per CPU the kubelet leaves to the
 * system: its reserved CPUs, else the static CPU manager's shared pool).
 * Counts above the maximum are clamped to it.
 * @intOrString
 * @validation {"rule": "type(self) == int ? (self >= 1 && self <= 4096) : (self in ['max', 'cpus', 'numa-local-cpus', 'housekeeping-cpus'])", "message": "must be an integer from 1 to 4096, \"max\", \"cpus\", \"numa-local-cpus\" or \"housekeeping-cpus\""}
 */
export type QueueCount = number | string;

/**
 * A ring size in descriptors, or "max" for the pre-set maximum.
 * @intOrString
 * @validation {"rule": "type(self) == int ? (self >= 1 && self <= 65536) : self == 'max'", "message": "must be an integer from 1 to 65536 or \"max\""}
 */
export type RingSize = number | string;

/**
 * Hardware queue (RSS channel) counts, as `ethtool -L`. Use combined for
 * drivers with combined queues, or rx and tx for drivers with separate ones.
 * @validation {"rule": "!(has(self.combined) && (has(self.rx) || has(self.tx)))", "message": "combined cannot be set together with rx or tx"}
 * @validation {"rule": "has(self.combined) || has(self.rx) || has(self.tx)", "message": "set combined, or rx and/or tx"}
 */
export interface ChannelsTuning {
  /** Combined RX+TX channels (`ethtool -L DEV combined N`). */
  combined?: QueueCount;
  /** RX-only channels (`ethtool -L DEV rx N`). */
  rx?: QueueCount;
  /** TX-only channels (`ethtool -L DEV tx N`). */
  tx?: QueueCount;
}

/**
 * RX and TX ring sizes, as `ethtool -G`. Sizes above the pre-set maximum are
 * clamped to it; drivers that cannot change rings report Unsupported.
 * @validation {"rule": "has(self.rx) || has(self.tx)", "message": "set rx and/or tx"}
 */
export interface RingsTuning {
  /** RX ring descriptors. */
  rx?: RingSize;
  /** TX ring descriptors. */
  tx?: RingSize;
}

/**
 * Interrupt coalescing, as `ethtool -C`.
 * @validation {"rule": "has(self.adaptiveRx) || has(self.adaptiveTx) || has(self.rxUsecs) || has(self.txUsecs) || has(self.rxFrames) || has(self.txFrames)", "message": "set at least one coalescing field"}
 */
export interface CoalesceTuning {
  /** Let the driver adapt RX coalescing to the load (adaptive-rx). */
  adaptiveRx?: boolean;
  /** Let the driver adapt TX coalescing to the load (adaptive-tx). */
  adaptiveTx?: boolean;
  /**
   * Microseconds to delay an RX interrupt after a packet arrives (rx-usecs).
   * @minimum 0
   * @maximum 100000
   */
  rxUsecs?: Int32;
  /**
   * Microseconds to delay a TX interrupt (tx-usecs).
   * @minimum 0
   * @maximum 100000
   */
  txUsecs?: Int32;
  /**
   * Packets to wait for before an RX interrupt (rx-frames).
   * @minimum 0
   * @maximum 65536
   */
  rxFrames?: Int32;
  /**
   * Packets to wait for before a TX interrupt (tx-frames).
   * @minimum 0
   * @maximum 65536
   */
  txFrames?: Int32;
}

/**
 * Where the interrupts of the interface's queues may run.
 * @validation {"rule": "self.policy != 'Pin' || has(self.cpus)", "message": "cpus is required when policy is Pin"}
 * @validation {"rule": "self.policy != 'Leave' || !has(self.cpus)", "message": "cpus cannot be set when policy is Leave"}
 */
export interface IRQAffinityTuning {
  /**
   * Spread: one queue IRQ per CPU over cpus (default: every online CPU).
   * Pin: every queue IRQ may run on any CPU of cpus. Leave: do not touch.
   */
  policy: "Spread" | "Pin" | "Leave";
  /** The CPUs IRQs may use. */
  cpus?: CPUSet;
  /**
   * Use the CPUs of the NIC's NUMA node before the others when spreading.
   * @default true
   */
  numaLocalFirst?: boolean;
  /**
   * Use hyper-thread siblings only after every physical core has one IRQ.
   * @default true
   */
  siblingsLast?: boolean;
}

/**
 * Settings for the interfaces its match selects. Queue-dependent settings
 * (RSS, RPS, XPS, IRQ affinity) are planned after channel changes, against the
 * new queue count.
 */
export interface InterfaceTuning {
  /** Which interfaces these settings apply to. */
  match: InterfaceMatch;
  /** Hardware queue counts. */
  channels?: ChannelsTuning;
  /** RX/TX ring sizes. */
  rings?: RingsTuning;
  /** Interrupt coalescing. */
  coalesce?: CoalesceTuning;
  /**
   * ethtool features to turn on (true) or off (false), by the names
   * `ethtool -k` prints or their short forms: gro, gso, tso, lro, rx, tx,
   * rxvlan, txvlan, ntuple, rxhash, generic-receive-offload and so on.
   * @maxProperties 64
   * @validation {"rule": "self.all(k, k.matches('^[a-z0-9][a-z0-9-]{0,63}$'))", "message": "offload names are lower-case ethtool feature names such as gro or tx-checksum-ip-generic"}
   */
  offloads?: Record<string, boolean>;
  /** The RSS indirection table. */
  rss?: RSSTuning;
  /** Receive packet and flow steering. */
  rps?: RPSTuning;
  /** Transmit packet steering. */
  xps?: XPSTuning;
  /**
   * Length of the transmit queue in packets (`ip link set DEV txqueuelen N`).
   * @minimum 1
   * @maximum 1000000
   */
  txQueueLength?: Int32;
  /** Interrupt affinity of the interface's queue IRQs. */
  irqAffinity?: IRQAffinityTuning;
}
