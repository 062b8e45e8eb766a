import type { CPUList, CPUSet, Int32, Int64 } from "./meta.ts";

// Where packets are steered: the hardware's RSS table, and RPS, RFS and XPS in software.

/** Receive-side scaling of the hardware indirection table. */
export interface RSSTuning {
  /**
   * Spread the indirection table evenly over the first N RX queues
   * (`ethtool -X DEV equal N`). Clamped to the number of RX queues.
   * @minimum 1
   * @maximum 4096
   */
  equalQueues: Int32;
}

/** Receive packet steering (software RSS) and receive flow steering. */
export interface RPSTuning {
  /** CPUs that may process packets of each RX queue (rps_cpus). */
  cpus?: CPUSet;
  /**
   * Receive flow steering table size for the node
   * (net.core.rps_sock_flow_entries, such as 32768). Each RX queue gets
   * rps_flow_cnt = flowEntries / RX queues, rounded up to a power of two.
   * The largest value among a node's interfaces is written. 0 turns RFS off.
   * @minimum 0
   * @maximum 134217728
   */
  flowEntries?: Int64;
}

/**
 * Transmit packet steering: which CPUs send on which TX queue.
 * @validation {"rule": "has(self.spread) != has(self.queues)", "message": "set exactly one of spread or queues"}
 */
export interface XPSTuning {
  /** Spread these CPUs over the TX queues, one contiguous share per queue. */
  spread?: CPUSet;
  /**
   * One CPU list per TX queue, by queue index; queues beyond the list are
   * left as they are.
   * @maxItems 4096
   */
  queues?: CPUList[];
}
