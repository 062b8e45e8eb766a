// The counters a driver keeps in `ethtool -S` that say its RX ring had no
// descriptor or buffer for a packet, named as each driver's source names them.
// A driver not listed here is read from sysfs alone: names are never guessed.

export interface RingCounterNaming {
  drivers: readonly string[];
  /** Names as `ethtool -S` prints them; one printed per queue is summed. */
  counters: readonly string[];
  /** Where the kernel names them. */
  source: string;
}

export const ringCounterNamings: readonly RingCounterNaming[] = [
  {
    drivers: ["e1000e", "igb", "igc"],
    counters: ["rx_no_buffer_count"],
    source:
      'drivers/net/ethernet/intel/{e1000e/ethtool.c e1000_gstrings_stats, igb/igb_ethtool.c, igc/igc_ethtool.c igc_gstrings_stats}: "rx_no_buffer_count" (RNBC: no RX descriptor free when a packet came)',
  },
  {
    drivers: ["ixgbe"],
    counters: ["rx_no_dma_resources"],
    source:
      'drivers/net/ethernet/intel/ixgbe/ixgbe_ethtool.c ixgbe_gstrings_stats: "rx_no_dma_resources" (QPRDC: packets dropped for want of RX descriptors)',
  },
  {
    drivers: ["mlx5_core"],
    counters: ["rx_out_of_buffer"],
    source:
      'drivers/net/ethernet/mellanox/mlx5/core/en_stats.c q_stats_desc: "rx_out_of_buffer" (no receive WQE posted for a packet)',
  },
  {
    drivers: ["vmxnet3"],
    counters: ["pkts rx OOB", "rx buf alloc fail"],
    source:
      'drivers/net/vmxnet3/vmxnet3_ethtool.c vmxnet3_rq_dev_stats "pkts rx OOB" (ring out of buffers) and vmxnet3_rq_driver_stats "rx buf alloc fail", printed once per RX queue',
  },
];

/** The ring counters of `driver`, empty when its names are not known. */
export function ringCountersOf(driver: string | undefined): readonly string[] {
  if (driver === undefined) return [];
  return ringCounterNamings.find((naming) => naming.drivers.includes(driver))?.counters ?? [];
}
