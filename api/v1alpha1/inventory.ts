// What the agent reports of its node's hardware and configuration (status.inventory).
import type { CPUList, Int32, Int64 } from "./meta.ts";

/** Queue counts as `ethtool -l` reports them; absent where not reported. */
export interface ChannelCounts {
  /** Current RX channels. */
  rx?: Int32;
  /** Current TX channels. */
  tx?: Int32;
  /** Current combined channels. */
  combined?: Int32;
  /** Pre-set maximum RX channels. */
  maxRx?: Int32;
  /** Pre-set maximum TX channels. */
  maxTx?: Int32;
  /** Pre-set maximum combined channels. */
  maxCombined?: Int32;
}

/** A network interface of the node. */
export interface InterfaceInventory {
  /**
   * Interface name.
   * @maxLength 15
   */
  name: string;
  /**
   * Driver as `ethtool -i` reports it.
   * @maxLength 64
   */
  driver?: string;
  /**
   * The PCI function's vendor and device IDs, such as "8086:1572" (what match.pciDevices compares).
   * @maxLength 9
   * @since v1beta1
   */
  pciDevice?: string;
  /** Link speed in Mb/s, when known. */
  speedMbps?: Int32;
  /** NUMA node of the device, -1 when unknown. */
  numaNode?: Int32;
  /** Whether the interface is backed by a device. */
  physical?: boolean;
  /** Whether it carries the default route. */
  defaultRoute?: boolean;
  /** RX queues in sysfs. */
  rxQueues?: Int32;
  /** TX queues in sysfs. */
  txQueues?: Int32;
  /** ethtool channel counts. */
  channels?: ChannelCounts;
  /**
   * The interface's queue IRQs, by queue, with where each may run now.
   * @maxItems 1024
   */
  irqs?: QueueIRQInventory[];
  /**
   * Why irqs is empty although the device has interrupt vectors: the agent does not know how its driver names them (README, "What it tunes"), so IRQ affinity leaves them alone rather than guess.
   * @maxLength 256
   * @since v1beta1
   */
  irqsUnknown?: string;
}

/** One queue IRQ of an interface, as /proc/interrupts and /proc/irq show it. */
export interface QueueIRQInventory {
  /** IRQ number. */
  irq: Int32;
  /**
   * The name in /proc/interrupts, such as virtio2-input.0 or eth1-rx-0.
   * @maxLength 64
   */
  name: string;
  /** The queue it serves. */
  queue: Int32;
  /** Its smp_affinity_list: the CPUs it may run on now. */
  affinity?: CPUList;
}

/** A NUMA node and its CPUs. */
export interface NUMANodeInventory {
  /** NUMA node id. */
  id: Int32;
  /** Its CPUs. */
  cpus: CPUList;
}

/** CPUs and their topology. */
export interface CPUInventory {
  /** Online CPUs. */
  count: Int32;
  /** The online CPU list. */
  online: CPUList;
  /**
   * NUMA nodes.
   * @maxItems 64
   */
  numaNodes?: NUMANodeInventory[];
  /** Whether some core has hyper-thread siblings. */
  smt?: boolean;
}

/** Connection tracking as observed. */
export interface ConntrackInventory {
  /** Current entries. */
  count?: Int64;
  /** nf_conntrack_max. */
  max?: Int64;
  /** Hash buckets. */
  buckets?: Int64;
}

/** The node's resolver configuration. */
export interface ResolvConfInventory {
  /**
   * Options on the options lines.
   * @maxItems 32
   */
  options?: string[];
  /**
   * The service managing the file when it is a symlink, such as systemd-resolved.
   * @maxLength 253
   */
  managedBy?: string;
}

/** What the agent found on the node. */
export interface HostInventory {
  /**
   * Kernel release.
   * @maxLength 128
   */
  kernel?: string;
  /**
   * Network interfaces.
   * @maxItems 256
   */
  interfaces?: InterfaceInventory[];
  /** CPUs. */
  cpus?: CPUInventory;
  /** Connection tracking. */
  conntrack?: ConntrackInventory;
  /** The resolver configuration. */
  resolvConf?: ResolvConfInventory;
  /** Whether an irqbalance process runs on the node. */
  irqbalanceRunning?: boolean;
}
