import type { LabelSelector } from "../../../api/v1alpha1/meta.ts";

/** Whether labels satisfy a label selector; an empty or absent selector matches everything. */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string> = {},
): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  return (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const has = Object.hasOwn(labels, key);
    switch (operator) {
      case "In":
        return has && values.includes(labels[key] ?? "");
      case "NotIn":
        return !has || !values.includes(labels[key] ?? "");
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
    }
  });
}

export interface NodeSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

/** A label selector as one node affinity term (requirements ANDed). */
export function selectorToTerm(selector: LabelSelector | undefined): {
  matchExpressions: NodeSelectorRequirement[];
} {
  const fromLabels = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => ({
    key,
    operator: "In" as const,
    values: [value],
  }));
  const expressions = (selector?.matchExpressions ?? []).map(({ key, operator, values }) => ({
    key,
    operator,
    ...(values && values.length > 0 ? { values } : {}),
  }));
  return { matchExpressions: [...fromLabels, ...expressions] };
}
