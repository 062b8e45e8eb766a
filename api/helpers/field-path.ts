/**
 * Whether `field`, a path such as "spec.interfaces[].match.pciDevices", is set
 * on the object; "list[]" means the rest of the path in any of the list's items.
 */
export function hasFieldPath(at: unknown, field: string): boolean {
  const [key = "", ...rest] = field.split(".");
  const name = key.endsWith("[]") ? key.slice(0, -2) : key;
  if (typeof at !== "object" || at === null || !(name in at)) return false;
  const value = (at as Record<string, unknown>)[name];
  if (rest.length === 0) return true;
  const within = key === name ? [value] : Array.isArray(value) ? value : [];
  return within.some((item) => hasFieldPath(item, rest.join(".")));
}
