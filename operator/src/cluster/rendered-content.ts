/**
 * Whether a stored object still holds everything the operator rendered: every
 * rendered field present with the same value, lists of the same length
 * compared item by item. Fields only the stored object has are the API
 * server's defaults (or additions nobody rendered) and do not count, so a
 * hand edit of a rendered field is seen while defaults never look like one.
 */
export function holdsRendered(stored: unknown, rendered: unknown): boolean {
  if (Array.isArray(rendered)) {
    if (!Array.isArray(stored) || stored.length !== rendered.length) return false;
    return rendered.every((item, index) => holdsRendered(stored[index], item));
  }
  if (rendered !== null && typeof rendered === "object") {
    if (stored === null || typeof stored !== "object" || Array.isArray(stored)) return false;
    const have = stored as Record<string, unknown>;
    return Object.entries(rendered).every(
      ([key, value]) => value === undefined || holdsRendered(have[key], value),
    );
  }
  return stored === rendered;
}
