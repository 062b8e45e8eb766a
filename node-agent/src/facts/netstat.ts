/**
 * /proc/net/netstat and /proc/net/snmp: for each protocol a line of names
 * ("TcpExt: SyncookiesSent ...") and then a line of values ("TcpExt: 0 ...").
 * Read by name, because the columns grow with the kernel; a counter this
 * kernel does not print is absent, never zero.
 */
export function parseNetstat(text: string): Map<string, number> {
  const counters = new Map<string, number>();
  const lines = text.split("\n");
  for (let i = 0; i + 1 < lines.length; i++) {
    const names = /^(\w+):\s+(.*)$/.exec(lines[i] ?? "");
    const values = /^(\w+):\s+(.*)$/.exec(lines[i + 1] ?? "");
    if (!names?.[1] || names[1] !== values?.[1]) continue;
    const keys = (names[2] ?? "").trim().split(/\s+/);
    const numbers = (values[2] ?? "").trim().split(/\s+/);
    if (keys.length !== numbers.length || keys.some((key) => /^-?\d+$/.test(key))) continue;
    keys.forEach((key, index) => {
      const value = numbers[index] ?? "";
      if (/^\d+$/.test(value)) counters.set(`${names[1]} ${key}`, Number(value));
    });
    i++;
  }
  return counters;
}
