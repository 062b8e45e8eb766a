/**
 * /proc/net/stat/nf_conntrack: a header of column names, then one line of hex
 * counters per CPU. The columns differ between kernels (older ones have
 * searched/delete_list, newer ones clashres/chainlength), so every value is
 * read by its column's name and summed over CPUs. "entries" is the same on
 * every line (the table's size), so it is taken once.
 */
export function parseConntrackStats(text: string): Map<string, number> {
  const [header, ...rows] = text.trim().split("\n");
  const columns = (header ?? "").trim().split(/\s+/);
  const totals = new Map<string, number>();
  for (const row of rows) {
    const values = row.trim().split(/\s+/);
    columns.forEach((column, index) => {
      const value = parseInt(values[index] ?? "", 16);
      if (Number.isNaN(value)) return;
      totals.set(column, column === "entries" ? value : (totals.get(column) ?? 0) + value);
    });
  }
  return totals;
}
