/** Raised before any write for a sysctl key outside the allowlist or unsafe as a path. */
export class SysctlKeyError extends Error {
  override name = "SysctlKeyError";
}

const allowedPrefixes = ["net.core.", "net.ipv4.", "net.ipv6.", "net.netfilter."] as const;
const segmentPattern = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const valuePattern = /^[A-Za-z0-9_.:, \t-]{1,256}$/;

/**
 * Checks a sysctl key against the allowlist and returns its path below
 * /proc/sys. Every segment must be a plain name, so no "/", ".." or empty
 * segment can steer the write elsewhere.
 */
export function sysctlPath(key: string): string {
  if (!allowedPrefixes.some((prefix) => key.startsWith(prefix))) {
    throw new SysctlKeyError(
      `sysctl ${JSON.stringify(key)}: only ${allowedPrefixes.map((p) => `${p}*`).join(", ")} may be set`,
    );
  }
  const segments = key.split(".");
  if (segments.length > 6)
    throw new SysctlKeyError(`sysctl ${JSON.stringify(key)}: too many segments`);
  for (const segment of segments) {
    if (!segmentPattern.test(segment)) {
      throw new SysctlKeyError(
        `sysctl ${JSON.stringify(key)}: segment ${JSON.stringify(segment)} is not a plain name`,
      );
    }
  }
  return segments.join("/");
}

/** Checks a sysctl value: printable words and numbers, at most 256 characters. */
export function checkSysctlValue(key: string, value: string): string {
  if (!valuePattern.test(value)) {
    throw new SysctlKeyError(
      `sysctl ${key}=${JSON.stringify(value.slice(0, 40))}: value is not allowed`,
    );
  }
  return value;
}
