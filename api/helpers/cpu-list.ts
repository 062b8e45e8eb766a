/** Raised for a CPU list that does not parse; names the offending text. */
export class CPUListError extends Error {
  override name = "CPUListError";
}

/** The highest CPU number accepted anywhere; matches the API's 4-digit pattern. */
export const maxCPU = 9999;

/**
 * Parses a kernel CPU list such as "0-3,8,10-11" into sorted, distinct CPU
 * numbers. `upTo` drops CPUs above it without walking them: a list of many
 * "0-9999" ranges costs the node's CPU count per range, not ten thousand.
 */
export function parseCPUList(text: string, upTo = maxCPU): number[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  const cpus = new Set<number>();
  for (const part of trimmed.split(",")) {
    const match = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(part);
    if (!match?.[1]) throw new CPUListError(`"${text}": "${part}" is not a CPU or a range`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) throw new CPUListError(`"${text}": range ${part} runs backwards`);
    for (let cpu = first; cpu <= Math.min(last, upTo); cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** Formats CPU numbers as the shortest kernel CPU list ("0-3,8"). */
export function formatCPUList(cpus: Iterable<number>): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const ranges: string[] = [];
  let index = 0;
  while (index < sorted.length) {
    const first = sorted[index] ?? 0;
    let last = first;
    while (sorted[index + 1] === last + 1) {
      index++;
      last++;
    }
    ranges.push(first === last ? `${first}` : `${first}-${last}`);
    index++;
  }
  return ranges.join(",");
}

/**
 * Formats CPUs as the comma-separated 32-bit hex words of a kernel cpumask
 * ("ff,00000001"), as rps_cpus, xps_cpus and smp_affinity take it.
 */
export function formatCPUMask(cpus: Iterable<number>): string {
  const words: number[] = [];
  for (const cpu of cpus) {
    const word = Math.floor(cpu / 32);
    while (words.length <= word) words.push(0);
    words[word] = ((words[word] ?? 0) | (1 << (cpu % 32))) >>> 0;
  }
  if (words.length === 0) return "0";
  const hex = words
    .reverse()
    .map((w, i) => (i === 0 ? w.toString(16) : w.toString(16).padStart(8, "0")));
  return hex.join(",");
}

/** Parses a kernel cpumask ("ff,00000001", "00000000,0000000f") into CPU numbers. */
export function parseCPUMask(text: string): number[] {
  const words = text.trim().split(",").reverse();
  const cpus: number[] = [];
  words.forEach((word, index) => {
    if (!/^[0-9a-fA-F]{1,8}$/.test(word)) throw new CPUListError(`"${text}" is not a CPU mask`);
    const value = parseInt(word, 16);
    for (let bit = 0; bit < 32; bit++) {
      if ((value >>> bit) & 1) cpus.push(index * 32 + bit);
    }
  });
  return cpus.sort((a, b) => a - b);
}
