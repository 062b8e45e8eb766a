import { matchQueues, namingFor, noDeviceVectors } from "./irq-naming.ts";

// The trigger column ends the chip's columns: "2-edge", "67633153-edge",
// "0-edge" after "PCI-MSIX-0000:27:00.0", or "Level" on a GIC. What follows
// is the action names, which may hold spaces ("eth0 CQ 0") or be empty.
const trigger = /\s(?:\S*-)?(?:edge|level|fasteoi|simple|Edge|Level)(?:\s+(?<name>.*))?$/;

/** IRQ number → the action name(s) after the trigger column of /proc/interrupts. */
export function parseInterrupts(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split("\n")) {
    const match = /^\s*(\d+):\s+(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    const rest = match[2].trimEnd();
    const found = trigger.exec(rest);
    const name = found ? (found.groups?.name ?? "").trim() : rest.split(/\s+/).at(-1);
    if (name !== undefined && name !== "" && !/^\d+$/.test(name)) names.set(Number(match[1]), name);
  }
  return names;
}

export interface QueueIRQ {
  irq: number;
  name: string;
  queue: number;
}

export interface QueueIRQMap {
  /** The device's vectors that serve queues, ordered by queue index. */
  queues: QueueIRQ[];
  /** Why no vector could be told to serve a queue although the device has vectors. */
  unknown?: string;
}

/**
 * The device's MSI vectors that serve data queues, by the driver's own naming
 * (irq-naming.ts). Link, mailbox, management and flow-director vectors are
 * left out; an unlisted driver's vectors are not guessed at.
 */
export function queueIRQs(
  device: { driver?: string | undefined; name: string },
  msiIRQs: readonly number[],
  names: ReadonlyMap<number, string>,
): QueueIRQMap {
  if (msiIRQs.length === 0) return { queues: [] };
  const naming = namingFor(device.driver);
  if (naming === undefined) {
    const reason = device.driver === undefined ? undefined : noDeviceVectors[device.driver];
    return {
      queues: [],
      unknown:
        reason ??
        `queue IRQs unknown: NetTune does not know how ${device.driver ?? "this device's driver"} names its ${msiIRQs.length} vectors, so none is taken for a queue`,
    };
  }
  const vectors = msiIRQs.flatMap((irq) => {
    const name = names.get(irq);
    return name === undefined ? [] : [{ irq, name }];
  });
  const all = matchQueues(naming, vectors);
  // A function shared by several ports (cxgb4) names each port's vectors after it.
  const own = all.filter((match) => match.dev === device.name);
  const matches = own.length > 0 ? own : all;
  const queues = matches.map((match) => ({
    irq: match.irq,
    name: match.name,
    queue: naming.queueOf?.(match, matches) ?? match.index,
  }));
  return { queues: queues.sort((a, b) => a.queue - b.queue || a.irq - b.irq) };
}
