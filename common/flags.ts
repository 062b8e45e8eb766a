/** A command-line flag whose value cannot be used; programs print it with their usage and exit 2. */
export class FlagError extends Error {
  override name = "FlagError";
}

// Decimal notation only, exponent allowed: Helm renders 7776000 from a values file as 7.776e+06.
const decimal = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/**
 * A whole-number flag within [min, max]. Number("abc") is NaN, and Node's
 * timers take NaN as 1 ms: an unchecked `--resync-seconds abc` would be a busy loop.
 */
export function integerFlag(
  flag: string,
  value: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const parsed = decimal.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new FlagError(`--${flag}: ${JSON.stringify(value)} is not a whole number ${range}`);
  }
  return parsed;
}

/** A TCP port flag; 0 where the program lets the kernel choose or turns the listener off. */
export function portFlag(flag: string, value: string, zeroAllowed = false): number {
  return integerFlag(flag, value, zeroAllowed ? 0 : 1, 65535);
}
