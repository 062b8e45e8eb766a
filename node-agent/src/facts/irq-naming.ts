// How each driver names its MSI-X vectors in /proc/interrupts, written from
// the kernel's own source (the file and format string are cited per driver).
// A vector of a known driver that no queue pattern matches is not a data
// queue (link, mailbox, management, flow director, async events) and is never
// pinned as one. A driver that is not listed here gets no queue IRQs at all:
// its names are not guessed.

/** One queue vector as a pattern found it; `dev` is the interface name where the format has one. */
export interface QueueMatch {
  irq: number;
  name: string;
  index: number;
  kind: "rx" | "tx" | "rxtx";
  dev?: string;
}

export interface DriverNaming {
  /** The names `ethtool -i` or the sysfs driver link give, such as mlx5_core. */
  drivers: readonly string[];
  /** Where the kernel builds the names. */
  source: string;
  /** Anchored patterns with an `index` group, an optional `kind` group and an optional `dev` group. */
  queues: readonly RegExp[];
  /**
   * The queue each matched vector serves, when it is not the index itself
   * (gve numbers its TX blocks first, then its RX blocks).
   */
  queueOf?: (match: QueueMatch, all: readonly QueueMatch[]) => number;
}

// Interface names never hold ':', '/' or white space (dev_valid_name), so a
// `dev` of this shape cannot swallow a PCI address such as 0000:3b:00.0:fdir.
const dev = String.raw`(?<dev>[^:/\s]+)`;
const kindRxTx = String.raw`(?<kind>TxRx|rxtx|rx|tx|Rx|Tx)`;

export const driverNamings: readonly DriverNaming[] = [
  {
    drivers: ["virtio_net"],
    source:
      'drivers/net/virtio_net.c virtnet_alloc_queues: "input.%u", "output.%u"; drivers/virtio/virtio_pci_common.c vp_request_msix_vectors: "%s-%s" (dev_name), "%s-config", "%s-virtqueues" (one vector shared by all queues)',
    queues: [/^virtio\d+-(?<kind>input|output)\.(?<index>\d+)$/],
  },
  {
    drivers: ["e1000e"],
    source:
      'drivers/net/ethernet/intel/e1000e/netdev.c e1000_request_msix: "%s-rx-0", "%s-tx-0", and the netdev name alone for the link vector',
    queues: [new RegExp(String.raw`^${dev}-(?<kind>rx|tx)-(?<index>\d+)$`)],
  },
  {
    drivers: ["vmxnet3"],
    source:
      'drivers/net/vmxnet3/vmxnet3_drv.c vmxnet3_request_irqs: "%s-tx-%d", "%s-rx-%d", "%s-rxtx-%d", "%s-event-%d"',
    queues: [new RegExp(String.raw`^${dev}-(?<kind>rxtx|rx|tx)-(?<index>\d+)$`)],
  },
  {
    drivers: ["ixgbe", "ixgbevf", "igb", "igbvf", "igc"],
    source:
      'drivers/net/ethernet/intel/{ixgbe/ixgbe_main.c ixgbe_request_msix_irqs, igb/igb_main.c igb_request_msix, igc/igc_main.c igc_request_msix}: "%s-TxRx-%u", "%s-rx-%u", "%s-tx-%u"; the netdev name alone for the link vector; igb/igc "%s-unused"',
    queues: [new RegExp(String.raw`^${dev}-${kindRxTx}-(?<index>\d+)$`)],
  },
  {
    drivers: ["i40e", "iavf"],
    source:
      'drivers/net/ethernet/intel/i40e/i40e_main.c i40e_vsi_request_irq_msix: "%s-%s-%d" (basename, "TxRx"/"rx"/"tx", index), basename "%s-%s" (driver, netdev) from i40e_vsi_open; "%s-%s:misc" and "%s-%s:fdir" (driver, PCI address) are not data queues',
    queues: [new RegExp(String.raw`^(?:i40e|iavf)-${dev}-${kindRxTx}-(?<index>\d+)$`)],
  },
  {
    drivers: ["ice"],
    source:
      'drivers/net/ethernet/intel/ice/ice_main.c ice_vsi_req_irq_msix: "%s-%s-%d" (basename, "TxRx"/"rx"/"tx", index), basename "%s-%s" (driver, netdev) from ice_vsi_open; "%s-%s:misc" and the control VSI "%s-%s:ctrl" (driver, PCI address) are not data queues',
    queues: [new RegExp(String.raw`^ice-${dev}-${kindRxTx}-(?<index>\d+)$`)],
  },
  {
    drivers: ["idpf"],
    source:
      'drivers/net/ethernet/intel/idpf/idpf_txrx.c idpf_vport_intr_req_irq: "%s-%s-%s-%d" (driver, netdev, "TxRx"/"Rx"/"Tx", vector); the mailbox vector is not a data queue',
    queues: [new RegExp(String.raw`^idpf-${dev}-${kindRxTx}-(?<index>\d+)$`)],
  },
  {
    drivers: ["mlx5_core"],
    source:
      'drivers/net/ethernet/mellanox/mlx5/core/pci_irq.c: "mlx5_comp%d" then "%s@pci:%s" (PCI address); "mlx5_async%d" and "mlx5_ctrl" are not data queues. Channel i completes on comp vector i.',
    queues: [/^mlx5_comp(?<index>\d+)@pci:/],
  },
  {
    drivers: ["mlx4_core", "mlx4_en"],
    source:
      'drivers/net/ethernet/mellanox/mlx4/eq.c mlx4_init_eq_table: "mlx4-comp-%d@pci:%s"; "mlx4-async@pci:%s" is not a data queue',
    queues: [/^mlx4-comp-(?<index>\d+)@pci:/],
  },
  {
    drivers: ["bnxt_en"],
    source:
      'drivers/net/ethernet/broadcom/bnxt/bnxt.c bnxt_setup_msix: "%s-%s-%d" (netdev, "TxRx" for shared rings, else "rx" for the first rx_nr_rings vectors and "tx" after them, counting on from there)',
    queues: [new RegExp(String.raw`^${dev}-${kindRxTx}-(?<index>\d+)$`)],
    // Without shared rings the TX vectors keep counting after the RX ones.
    queueOf: (match: QueueMatch, all: readonly QueueMatch[]): number =>
      match.kind === "tx"
        ? match.index - all.filter((other) => other.kind === "rx").length
        : match.index,
  },
  {
    drivers: ["ena"],
    source:
      'drivers/net/ethernet/amazon/ena/ena_netdev.c ena_setup_io_intr: "%s-Tx-Rx-%d"; ena_setup_mgmnt_intr: "ena-mgmnt@pci:%s" is not a data queue',
    queues: [new RegExp(String.raw`^${dev}-Tx-Rx-(?<index>\d+)$`)],
  },
  {
    drivers: ["gve"],
    source:
      'drivers/net/ethernet/google/gve/gve_main.c gve_alloc_notify_blocks: "gve-ntfy-blk%d@pci:%s" (before 2023: "%s-ntfy-block.%d" with the netdev name at probe, often the unexpanded "eth%d"); gve.h gve_tx_idx_to_ntfy / gve_rx_idx_to_ntfy: the first half of the blocks serve TX queues, the second half RX queues; "gve-mgmnt@pci:%s" ("%s-mgmnt" before) is not a data queue',
    queues: [/^gve-ntfy-blk(?<index>\d+)@pci:/, /^\S+-ntfy-block\.(?<index>\d+)$/],
    queueOf: (match: QueueMatch, all: readonly QueueMatch[]): number => {
      const half = Math.floor(all.length / 2);
      return match.index < half ? match.index : match.index - half;
    },
  },
  {
    drivers: ["mana"],
    source:
      'drivers/net/ethernet/microsoft/mana/gdma_main.c mana_gd_setup_irqs: "mana_q%d@pci:%s" for the queue vectors; "mana_hwc@pci:%s" (the hardware channel) is not a data queue',
    queues: [/^mana_q(?<index>\d+)@pci:/],
  },
  {
    drivers: ["be2net"],
    source:
      'drivers/net/ethernet/emulex/benet/be_main.c be_msix_register: "%s-q%d" (one event queue serves an RX and a TX queue)',
    queues: [new RegExp(String.raw`^${dev}-q(?<index>\d+)$`)],
  },
  {
    drivers: ["cxgb4"],
    source:
      'drivers/net/ethernet/chelsio/cxgb4/cxgb4_main.c name_msix_vecs: "%s-Rx%d" per port; "%s" (non-data), "%s-FWeventq", "%s-ofld%d" and "%s-rdma%d" are not Ethernet queues',
    queues: [new RegExp(String.raw`^${dev}-Rx(?<index>\d+)$`)],
  },
  {
    drivers: ["bna"],
    source:
      'drivers/net/ethernet/brocade/bna/bnad.c bnad_rx_msix_register: "%s CQ %d"; bnad_tx_msix_register: "%s TXQ %d" (names with spaces)',
    queues: [new RegExp(String.raw`^${dev} (?:CQ|TXQ) (?<index>\d+)$`)],
  },
];

/** Drivers whose queues interrupt through something other than the device's own vectors. */
export const noDeviceVectors: Readonly<Record<string, string>> = {
  hv_netvsc:
    "hv_netvsc's queues are VMBus channels: they interrupt through the hypervisor's callback vector, not per-device IRQs (an accelerated-networking VF, mana or mlx5, has its own)",
};

export function namingFor(driver: string | undefined): DriverNaming | undefined {
  if (driver === undefined) return undefined;
  return driverNamings.find((naming) => naming.drivers.includes(driver));
}

/** The queue vectors a naming finds among the device's vectors, before filtering by interface. */
export function matchQueues(
  naming: DriverNaming,
  vectors: readonly { irq: number; name: string }[],
): QueueMatch[] {
  const matches: QueueMatch[] = [];
  for (const { irq, name } of vectors) {
    for (const pattern of naming.queues) {
      const groups = pattern.exec(name)?.groups;
      if (groups?.index === undefined) continue;
      const kind = kindOf(groups.kind);
      matches.push({ irq, name, index: Number(groups.index), kind, ...devOf(groups.dev) });
      break;
    }
  }
  return matches;
}

function devOf(dev: string | undefined): { dev?: string } {
  return dev === undefined ? {} : { dev };
}

function kindOf(word: string | undefined): QueueMatch["kind"] {
  const lower = word?.toLowerCase();
  if (lower === "rx" || lower === "input") return "rx";
  if (lower === "tx" || lower === "output") return "tx";
  return "rxtx";
}
