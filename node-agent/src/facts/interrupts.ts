/** IRQ number → the action name in the last column of /proc/interrupts. */
export function parseInterrupts(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split("\n")) {
    const match = /^\s*(\d+):\s+(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    const fields = match[2].trim().split(/\s+/);
    const name = fields.at(-1);
    if (name !== undefined && !/^\d+$/.test(name)) names.set(Number(match[1]), name);
  }
  return names;
}

// Queue vectors as drivers name them: eth0-TxRx-3, ens5-Tx-Rx-1, mlx5_comp3@pci:...,
// virtio2-input.0, i40e-eth0-TxRx-7, ice-eth0-TxRx-2, ens6-rx-0, nvme-like -fp-3.
const queueName = /(?:txrx|tx-rx|rxtx|comp|input|output|[-_]rx|[-_]tx|fp|queue)[-_.]?(\d+)(?:@|$)/i;

export interface QueueIRQ {
  irq: number;
  name: string;
  queue: number;
}

/**
 * The device's MSI vectors that serve queues, ordered by queue index. Admin,
 * async and config vectors are left out: they are not on the data path.
 */
export function queueIRQs(msiIRQs: number[], names: Map<number, string>): QueueIRQ[] {
  const queues: QueueIRQ[] = [];
  for (const irq of msiIRQs) {
    const name = names.get(irq);
    const match = name === undefined ? null : queueName.exec(name);
    if (name !== undefined && match?.[1] !== undefined)
      queues.push({ irq, name, queue: Number(match[1]) });
  }
  return queues.sort((a, b) => a.queue - b.queue || a.irq - b.irq);
}
