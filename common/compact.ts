/**
 * The fields whose value is defined, so that optional fields stay absent
 * rather than present as undefined (strict optional types, and JSON that
 * says only what is known).
 */
export function compact<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
