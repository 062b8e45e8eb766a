import type { DeviceIdentity } from "../facts/device-identity.ts";
import { targetKey, type Target } from "../model/targets.ts";
import type { OriginalEntry } from "./originals-file.ts";

/** An original recorded under one interface name, found again under another. */
export interface DeviceRename {
  from: string;
  to: string;
}

/** The interface a target belongs to, if it belongs to one. */
export function interfaceOf(target: Target): string | undefined {
  if (target.kind === "ethtool") return target.device;
  if (target.kind === "sys") return /^class\/net\/([^/]+)\//.exec(target.path)?.[1];
  return undefined;
}

/** The same target on the interface's new name. */
export function renamedTarget(target: Target, to: string): Target {
  if (target.kind === "ethtool") return { ...target, device: to };
  if (target.kind === "sys")
    return { ...target, path: target.path.replace(/^class\/net\/[^/]+\//, `class/net/${to}/`) };
  return target;
}

/** Whether two identities name one device: the same bus position, or else the same address. */
export function sameDevice(a: DeviceIdentity, b: DeviceIdentity): boolean {
  if (a.busInfo !== undefined && b.busInfo !== undefined) return a.busInfo === b.busInfo;
  const usable = (address: string | undefined): address is string =>
    address !== undefined && !/^(00:)*00$/.test(address);
  return usable(a.address) && a.address === b.address;
}

/**
 * The recorded interfaces that are gone by name but present under exactly one
 * other name with the same identity. An ambiguous or unknown identity renames
 * nothing: the entry stays as it is, never moved to a guessed device.
 */
export function findRenames(
  recorded: ReadonlyMap<string, DeviceIdentity>,
  present: ReadonlyMap<string, DeviceIdentity>,
): DeviceRename[] {
  const renames: DeviceRename[] = [];
  for (const [from, identity] of recorded) {
    if (present.has(from)) continue;
    const matches = [...present].filter(
      ([name, other]) => !recorded.has(name) && sameDevice(identity, other),
    );
    const [only] = matches;
    if (matches.length === 1 && only) renames.push({ from, to: only[0] });
  }
  return renames;
}

/**
 * The entries with every followed rename applied: targets, keys and setting
 * names move to the interface's new name; everything else stays.
 */
export function followRenames(
  entries: readonly OriginalEntry[],
  present: ReadonlyMap<string, DeviceIdentity>,
): { entries: OriginalEntry[]; renames: DeviceRename[] } {
  const recorded = new Map<string, DeviceIdentity>();
  for (const entry of entries) {
    const name = interfaceOf(entry.target);
    if (name !== undefined && entry.device) recorded.set(name, entry.device);
  }
  const renames = findRenames(recorded, present);
  const to = new Map(renames.map((r) => [r.from, r.to]));
  const moved = entries.map((entry) => {
    const from = interfaceOf(entry.target);
    const name = from === undefined ? undefined : to.get(from);
    if (from === undefined || name === undefined) return entry;
    const target = renamedTarget(entry.target, name);
    return {
      ...entry,
      key: targetKey(target),
      target,
      ...(entry.name?.startsWith(`${from}/`)
        ? { name: `${name}/${entry.name.slice(from.length + 1)}` }
        : {}),
    };
  });
  return { entries: moved, renames };
}
