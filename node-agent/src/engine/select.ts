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

export function matches(match: InterfaceMatch, facts: InterfaceFacts): boolean {
  if ((match.physicalOnly ?? true) && !facts.physical) return false;
  if (match.names && !match.names.includes(facts.name)) return false;
  if (match.namePattern && !matchesGlob(match.namePattern, facts.name)) return false;
  if (match.drivers && !(facts.driver !== undefined && match.drivers.includes(facts.driver)))
    return false;
  return !(match.defaultRoute === true && !facts.defaultRoute);
}
