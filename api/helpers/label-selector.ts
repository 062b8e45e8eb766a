import type { LabelSelector } from "../v1alpha1/meta.ts";

// As Kubernetes checks them (IsQualifiedName, IsValidLabelValue).
const labelName = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** What is wrong with a label key, or undefined when Kubernetes would accept it. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const [prefix, name] =
    slash === -1 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && (prefix.length > 253 || !dnsSubdomain.test(prefix)))
    return `label key ${JSON.stringify(key)}: the prefix must be a DNS subdomain`;
  if (!labelName.test(name))
    return `label key ${JSON.stringify(key)}: the name must be 1-63 letters, digits, "-", "_" or ".", beginning and ending with a letter or digit`;
  return undefined;
}

/**
 * Every reason Kubernetes would refuse this selector in a DaemonSet's node
 * affinity or a list call; none means it is usable. Objects stored before
 * the schema checked this, or written around it, still reach the operator.
 */
export function selectorProblems(selector: LabelSelector | undefined): string[] {
  if (!selector) return [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) problems.push(`matchLabels: ${keyProblem}`);
    if (!labelValue.test(value))
      problems.push(`matchLabels: value ${JSON.stringify(value)} of ${key} is not a label value`);
  }
  (selector.matchExpressions ?? []).forEach(({ key, operator, values = [] }, i) => {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) problems.push(`matchExpressions[${i}]: ${keyProblem}`);
    for (const value of values)
      if (!labelValue.test(value))
        problems.push(`matchExpressions[${i}]: ${JSON.stringify(value)} is not a label value`);
    const needsValues = operator === "In" || operator === "NotIn";
    if (needsValues !== values.length > 0)
      problems.push(
        `matchExpressions[${i}]: ${operator} ${needsValues ? "needs values" : "takes no values"}`,
      );
  });
  return problems;
}
