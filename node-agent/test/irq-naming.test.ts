// Queue IRQs of every driver NetTune maps, from /proc/interrupts as each
// driver prints it (fixtures/interrupts/README.md says where each came from).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { driverNamings } from "../src/facts/irq-naming.ts";
import { parseInterrupts, queueIRQs } from "../src/facts/interrupts.ts";

const fixture = (file: string): Map<number, string> =>
  parseInterrupts(readFileSync(path.join(import.meta.dirname, "fixtures", file), "utf8"));

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

interface Row {
  sentence: string;
  driver: string;
  iface: string;
  file: string;
  msi: number[];
  /** [irq, queue] of every queue vector, in order. */
  queues: [number, number][];
}

const rows: Row[] = [
  {
    sentence: "virtio_net's input and output vectors serve their queue, its config vector none",
    driver: "virtio_net",
    iface: "eth0",
    file: "guest/interrupts.txt",
    msi: range(30, 38),
    queues: [
      [31, 0],
      [32, 0],
      [33, 1],
      [34, 1],
      [35, 2],
      [36, 2],
      [37, 3],
      [38, 3],
    ],
  },
  {
    sentence: "e1000e's rx and tx vectors serve queue 0, its link vector none",
    driver: "e1000e",
    iface: "eth1",
    file: "guest/interrupts.txt",
    msi: [39, 40, 41],
    queues: [
      [39, 0],
      [40, 0],
    ],
  },
  {
    sentence: "vmxnet3's rxtx vectors serve queues, its event vector none",
    driver: "vmxnet3",
    iface: "eth2",
    file: "guest/interrupts.txt",
    msi: range(42, 46),
    queues: [
      [42, 0],
      [43, 1],
      [44, 2],
      [45, 3],
    ],
  },
  {
    sentence: "ixgbe's TxRx vectors serve queues, the vector named after the netdev none",
    driver: "ixgbe",
    iface: "eth0",
    file: "interrupts/ixgbe.txt",
    msi: range(120, 124),
    queues: [
      [120, 0],
      [121, 1],
      [122, 2],
      [123, 3],
    ],
  },
  {
    sentence: "igb's TxRx vectors serve queues, its first (link) vector none",
    driver: "igb",
    iface: "enp5s0f0",
    file: "interrupts/igb.txt",
    msi: range(60, 64),
    queues: [
      [61, 0],
      [62, 1],
      [63, 2],
      [64, 3],
    ],
  },
  {
    sentence: "igc's separate rx and tx vectors each serve their queue",
    driver: "igc",
    iface: "enp3s0",
    file: "interrupts/igc.txt",
    msi: range(130, 134),
    queues: [
      [131, 0],
      [133, 0],
      [132, 1],
      [134, 1],
    ],
  },
  {
    sentence: "i40e's TxRx vectors serve queues; misc and flow director vectors are no queue 0",
    driver: "i40e",
    iface: "enP1s15",
    file: "interrupts/i40e.txt",
    msi: range(9, 14),
    queues: [
      [10, 0],
      [11, 1],
      [12, 2],
      [13, 3],
    ],
  },
  {
    sentence:
      "i40e's flow director vector is no queue 0 even when the names are older than the interface's name",
    driver: "i40e",
    iface: "eth5",
    file: "interrupts/i40e.txt",
    msi: range(9, 14),
    queues: [
      [10, 0],
      [11, 1],
      [12, 2],
      [13, 3],
    ],
  },
  {
    sentence: "ice's TxRx vectors serve queues; the control VSI's TxRx-0 and misc are no queue",
    driver: "ice",
    iface: "lan1",
    file: "interrupts/ice.txt",
    msi: [66, ...range(77, 81)],
    queues: [
      [78, 0],
      [79, 1],
      [80, 2],
      [81, 3],
    ],
  },
  {
    sentence: "idpf's TxRx vectors serve queues, its mailbox none",
    driver: "idpf",
    iface: "ens6",
    file: "interrupts/idpf.txt",
    msi: range(150, 154),
    queues: [
      [151, 0],
      [152, 1],
      [153, 2],
      [154, 3],
    ],
  },
  {
    sentence: "mlx5's completion vectors serve channels, its async vector none",
    driver: "mlx5_core",
    iface: "enp129s0f0np0",
    file: "interrupts/mlx5_core.txt",
    msi: range(297, 301),
    queues: [
      [298, 0],
      [299, 1],
      [300, 2],
      [301, 3],
    ],
  },
  {
    sentence: "mlx4's completion vectors serve rings, its async vector none",
    driver: "mlx4_en",
    iface: "eth0",
    file: "interrupts/mlx4_en.txt",
    msi: range(80, 84),
    queues: [
      [80, 0],
      [81, 1],
      [82, 2],
      [83, 3],
    ],
  },
  {
    sentence: "bnxt's shared-ring vectors serve queues",
    driver: "bnxt_en",
    iface: "eno1np0",
    file: "interrupts/bnxt_en.txt",
    msi: range(90, 93),
    queues: [
      [90, 0],
      [91, 1],
      [92, 2],
      [93, 3],
    ],
  },
  {
    sentence: "bnxt's tx vectors, counted on after the rx ones, serve tx queues from 0",
    driver: "bnxt_en",
    iface: "eno1np0",
    file: "interrupts/bnxt_en-split-rings.txt",
    msi: range(90, 93),
    queues: [
      [90, 0],
      [92, 0],
      [91, 1],
      [93, 1],
    ],
  },
  {
    sentence: "ena's Tx-Rx vector serves its queue; management and unnamed vectors are none",
    driver: "ena",
    iface: "enp39s0",
    file: "interrupts/ena.txt",
    msi: range(65, 69),
    queues: [[66, 0]],
  },
  {
    sentence: "gve's first notify block serves TX queue 0 and its second RX queue 0",
    driver: "gve",
    iface: "ens4",
    file: "interrupts/gve.txt",
    msi: range(24, 26),
    queues: [
      [24, 0],
      [25, 0],
    ],
  },
  {
    sentence: "gve's older eth%d-ntfy-block names split into 8 TX then 8 RX queues",
    driver: "gve",
    iface: "ens4",
    file: "interrupts/gve-before-2023.txt",
    msi: [...range(24, 39), 40],
    queues: range(0, 7).flatMap((q): [number, number][] => [
      [24 + q, q],
      [32 + q, q],
    ]),
  },
  {
    sentence: "mana's queue vectors serve queues, its hardware channel none",
    driver: "mana",
    iface: "enP30832s1",
    file: "interrupts/mana.txt",
    msi: range(24, 28),
    queues: [
      [25, 0],
      [26, 1],
      [27, 2],
      [28, 3],
    ],
  },
  {
    sentence: "be2net's event queue vectors serve queues",
    driver: "be2net",
    iface: "eth0",
    file: "interrupts/be2net.txt",
    msi: range(100, 103),
    queues: [
      [100, 0],
      [101, 1],
      [102, 2],
      [103, 3],
    ],
  },
  {
    sentence:
      "cxgb4's Rx vectors of this port serve its queues; the other port's and firmware's none",
    driver: "cxgb4",
    iface: "eth1",
    file: "interrupts/cxgb4.txt",
    msi: range(110, 116),
    queues: [
      [114, 0],
      [115, 1],
    ],
  },
  {
    sentence: "bna's vectors, whose names hold spaces, serve their queues",
    driver: "bna",
    iface: "eth0",
    file: "interrupts/bna.txt",
    msi: range(70, 73),
    queues: [
      [71, 0],
      [72, 0],
      [73, 1],
    ],
  },
];

describe("queue IRQs by the driver's own naming", () => {
  it.each(rows)("$sentence", ({ driver, iface, file, msi, queues }) => {
    const found = queueIRQs({ driver, name: iface }, msi, fixture(file));
    expect(found.unknown).toBeUndefined();
    expect(found.queues.map((q) => [q.irq, q.queue])).toEqual(queues);
  });

  it("covers at least twelve drivers, each with a row", () => {
    const tested = new Set(rows.map((row) => row.driver));
    expect(tested.size).toBeGreaterThanOrEqual(12);
    for (const naming of driverNamings)
      expect(
        naming.drivers.some((name) => tested.has(name)),
        naming.drivers.join(),
      ).toBe(true);
  });

  it("takes no vector of an unlisted driver for a queue, and says so", () => {
    const found = queueIRQs(
      { driver: "sim", name: "sim0" },
      [40, 41],
      fixture("interrupts/unknown-driver.txt"),
    );
    expect(found.queues).toEqual([]);
    expect(found.unknown).toMatch(
      /^queue IRQs unknown: NetTune does not know how sim names its 2 vectors/,
    );
  });

  it("says hv_netvsc's queues have no device vectors of their own", () => {
    const found = queueIRQs(
      { driver: "hv_netvsc", name: "eth0" },
      [5],
      new Map([[5, "eth0-TxRx-0"]]),
    );
    expect(found.queues).toEqual([]);
    expect(found.unknown).toMatch(/VMBus channels/);
  });

  it("has nothing to say of a device without vectors", () => {
    expect(queueIRQs({ driver: "veth", name: "veth0" }, [], new Map())).toEqual({ queues: [] });
  });
});

describe("the action names of /proc/interrupts", () => {
  it.each([
    {
      sentence: "keeps the spaces in a name",
      line: "  72:  40 0 0 0  IR-PCI-MSI 1310722-edge      eth0 CQ 0",
      name: "eth0 CQ 0",
    },
    {
      sentence: "reads a name after a per-device MSI domain",
      line: " 66:  1 0  PCI-MSIX-0000:27:00.0   1-edge      enp39s0-Tx-Rx-0",
      name: "enp39s0-Tx-Rx-0",
    },
    {
      sentence: "keeps every handler of a shared line",
      line: "  24:  0 0  PCI-MSI 67108864-edge      PCIe PME, aerdrv, pciehp",
      name: "PCIe PME, aerdrv, pciehp",
    },
    {
      sentence: "reads a GIC's level trigger",
      line: "  11:  2601 2030  GICv3  30 Level     arch_timer",
      name: "arch_timer",
    },
    {
      sentence: "falls back to the last field without a trigger column",
      line: "  40:   1 0 0 0  PCI-MSIX  sim0-TxRx-0",
      name: "sim0-TxRx-0",
    },
  ])("$sentence", ({ line, name }) => {
    expect([...parseInterrupts(line).values()]).toEqual([name]);
  });

  it("gives a vector printed without a name no name", () => {
    expect(parseInterrupts(" 67:  0 163 0 1  PCI-MSIX-0000:27:00.0   2-edge    \n").size).toBe(0);
  });
});
