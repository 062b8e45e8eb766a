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

/**
 * Kernel parameters that weaken the node's security or change who can reach
 * what (Documentation/networking/ip-sysctl.rst, admin-guide/sysctl/net.rst):
 * the BPF JIT's hardening, unprivileged ports and ping, forwarding and
 * routing of other hosts' packets, source validation, redirects, source
 * routing, proxy ARP/NDP, router advertisements, policy bypass, SYN cookies.
 * The same expression is in the CRD's rule (node-settings.ts); a test keeps
 * them equal.
 */
export const securitySensitiveSysctlPattern =
  "^net\\.core\\.bpf_.*$|^net\\.ipv4\\.(ip_forward|ip_nonlocal_bind|ip_unprivileged_port_start|ping_group_range|tcp_syncookies|icmp_echo_ignore_broadcasts|icmp_ignore_bogus_error_responses)$|^net\\.ipv6\\.(ip_nonlocal_bind)$|^net\\.ipv4\\.conf\\.[^.]+\\.(forwarding|mc_forwarding|rp_filter|accept_redirects|secure_redirects|send_redirects|accept_source_route|accept_local|route_localnet|proxy_arp|proxy_arp_pvlan|bootp_relay|disable_policy|disable_xfrm|src_valid_mark)$|^net\\.ipv6\\.conf\\.[^.]+\\.(forwarding|mc_forwarding|accept_ra|accept_redirects|accept_source_route|proxy_ndp|disable_policy|disable_ipv6)$";

const securitySensitive = new RegExp(securitySensitiveSysctlPattern);

/** Whether setting this key needs allowSecuritySensitiveSysctls. */
export function isSecuritySensitiveSysctl(key: string): boolean {
  return securitySensitive.test(key);
}
