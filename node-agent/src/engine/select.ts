import { matchesGlob } from "../../../api/helpers/glob.ts";
import type { InterfaceMatch, InterfaceTuning } from "../../../api/v1alpha1/interfaces.ts";
import type { InterfaceFacts } from "../facts/gather.ts";

/** The settings that apply to one interface, merged from every entry that matches it. */
export interface SelectedInterface {
  facts: InterfaceFacts;
  settings: Omit<InterfaceTuning, "match">;
}

/** Matches entries to interfaces; a later entry's settings win over an earlier one's. */
export function selectInterfaces(
  entries: InterfaceTuning[],
  interfaces: InterfaceFacts[],
): SelectedInterface[] {
  const selected: SelectedInterface[] = [];
  for (const facts of interfaces) {
    const matching = entries.filter((entry) => matches(entry.match, facts));
    if (matching.length === 0) continue;
    const settings: Omit<InterfaceTuning, "match"> = {};
    for (const { match, ...entrySettings } of matching) Object.assign(settings, entrySettings);
    selected.push({ facts, settings });
  }
  return selected;
}

/** The checks a match makes, in order; an interface must pass every one. */
const matchChecks: readonly ((match: InterfaceMatch, facts: InterfaceFacts) => boolean)[] = [
  (match, facts) => !(match.physicalOnly ?? true) || facts.physical,
  (match, facts) => match.names?.includes(facts.name) ?? true,
  (match, facts) => !match.namePattern || matchesGlob(match.namePattern, facts.name),
  (match, facts) =>
    !match.drivers || (facts.driver !== undefined && match.drivers.includes(facts.driver)),
  (match, facts) =>
    !match.pciDevices || match.pciDevices.some((id) => pciDeviceMatches(id, facts.pciDevice)),
  (match, facts) => match.defaultRoute !== true || facts.defaultRoute,
];

export function matches(match: InterfaceMatch, facts: InterfaceFacts): boolean {
  return matchChecks.every((check) => check(match, facts));
}

/** "8086:1572" or "8086:*" against the function's own "8086:1572"; a device without one never matches. */
function pciDeviceMatches(wanted: string, has: string | undefined): boolean {
  if (has === undefined) return false;
  const [vendor, device] = wanted.split(":");
  return device === "*" ? has.startsWith(`${vendor}:`) : has === wanted;
}
