/**
 * Parsers for `ethtool` text output (and `--json` where ethtool has it). The
 * text format comes from ethtool, not the driver; drivers differ in which
 * fields they leave "n/a". A missing or "n/a" field is undefined.
 */

export interface PresetAndCurrent {
  max: Record<string, number | undefined>;
  current: Record<string, number | undefined>;
}

/**
 * `ethtool -l` and `ethtool -g`: "Pre-set maximums:" then "Current hardware
 * settings:". Some ethtool builds print the two blocks without those headers;
 * then the first block is the maximums, and a key seen again starts the
 * current settings.
 */
export function parsePresetAndCurrent(text: string): PresetAndCurrent {
  const result: PresetAndCurrent = { max: {}, current: {} };
  let section: Record<string, number | undefined> = result.max;
  for (const line of text.split("\n")) {
    if (/^Pre-set maximums:/.test(line)) section = result.max;
    else if (/^Current hardware settings:/.test(line)) section = result.current;
    else {
      const field = /^([A-Za-z][A-Za-z ]*?):\s+(\S+)/.exec(line);
      if (!field?.[1] || !field[2]) continue;
      const key = normalizeKey(field[1]);
      if (section === result.max && key in result.max) section = result.current;
      section[key] = numberOrUndefined(field[2]);
    }
  }
  return result;
}

/**
 * `ethtool -S`: "     rx_no_buffer_count: 12" under "NIC statistics:". A name a
 * driver prints once per queue (vmxnet3's "pkts rx OOB") is summed over them.
 */
export function parseStatistics(text: string): Map<string, number> {
  const stats = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^\s+(\S.*?):\s+(\d+)\s*$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    stats.set(match[1], (stats.get(match[1]) ?? 0) + Number(match[2]));
  }
  return stats;
}

/** `ethtool -c`: "Adaptive RX: on  TX: off", "rx-usecs: 8", "CQE mode RX: on  TX: off". */
export function parseCoalesce(text: string): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const line of text.split("\n")) {
    const pair = /^(Adaptive|CQE mode) RX:\s*(\S+)\s+TX:\s*(\S+)/.exec(line);
    if (pair?.[1] && pair[2] && pair[3]) {
      const prefix = pair[1] === "Adaptive" ? "adaptive" : "cqe-mode";
      values[`${prefix}-rx`] = textOrUndefined(pair[2]);
      values[`${prefix}-tx`] = textOrUndefined(pair[3]);
      continue;
    }
    const field = /^([a-z][a-z-]*):\s+(\S+)/.exec(line);
    if (field?.[1] && field[2]) values[field[1]] = textOrUndefined(field[2]);
  }
  return values;
}

export interface FeatureState {
  active: boolean;
  fixed: boolean;
}

/** `ethtool -k`: "name: on", "\tsub-name: off [fixed]", "name: off [requested on]". */
export function parseFeatures(text: string): Map<string, FeatureState> {
  const features = new Map<string, FeatureState>();
  for (const line of text.split("\n")) {
    const field = /^\s*([a-z0-9][a-z0-9_-]*):\s+(on|off)(.*)$/.exec(line);
    if (field?.[1] && field[2]) {
      features.set(field[1], {
        active: field[2] === "on",
        fixed: (field[3] ?? "").includes("[fixed]"),
      });
    }
  }
  return features;
}

/**
 * What `ethtool --json -k` printed, read by its shape: some ethtool builds
 * accept --json and print the plain "Features for DEV:" text all the same.
 */
export function parseFeaturesAnyShape(text: string): Map<string, FeatureState> {
  if (/^\s*[[{]/.test(text)) return parseFeaturesJSON(text);
  if (/^Features for \S+:$/m.test(text)) return parseFeatures(text);
  // Neither shape: garbage, never read as "no features".
  throw new Error("neither ethtool's JSON nor its text");
}

/** `ethtool --json -k`: [{"ifname": ..., "name": {"active": bool, "fixed": bool, ...}}]. */
export function parseFeaturesJSON(text: string): Map<string, FeatureState> {
  const parsed = JSON.parse(text) as unknown;
  const first: unknown = Array.isArray(parsed) ? parsed[0] : undefined;
  const features = new Map<string, FeatureState>();
  if (typeof first !== "object" || first === null) return features;
  for (const [name, value] of Object.entries(first)) {
    if (typeof value === "object" && value !== null && "active" in value) {
      const state = value as { active: unknown; fixed?: unknown };
      features.set(name, { active: state.active === true, fixed: state.fixed === true });
    }
  }
  return features;
}

/** `ethtool -i`: "driver: mlx5_core", "bus-info: 0000:3b:00.0". */
export function parseDriverInfo(text: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const field = /^([a-z-]+):\s*(.*)$/.exec(line);
    if (field?.[1]) info[field[1]] = (field[2] ?? "").trim();
  }
  return info;
}

/**
 * `ethtool -x`: the indirection table. Returns N when the table spreads
 * evenly over rings 0..N-1 (what `ethtool -X DEV equal N` writes), else undefined.
 */
export function parseRSSEqual(text: string): number | undefined {
  const entries: number[] = [];
  for (const line of text.split("\n")) {
    const row = /^\s*\d+:\s+([\d\s]+)$/.exec(line);
    if (row?.[1]) entries.push(...row[1].trim().split(/\s+/).map(Number));
  }
  if (entries.length === 0) return undefined;
  const rings = Math.max(...entries) + 1;
  return entries.every((ring, index) => ring === index % rings) ? rings : undefined;
}

/** Short feature names `ethtool -K` accepts, mapped to the names `-k` prints. */
export const featureAliases: Readonly<Record<string, string>> = {
  rx: "rx-checksumming",
  tx: "tx-checksumming",
  sg: "scatter-gather",
  tso: "tcp-segmentation-offload",
  gso: "generic-segmentation-offload",
  gro: "generic-receive-offload",
  lro: "large-receive-offload",
  rxvlan: "rx-vlan-offload",
  txvlan: "tx-vlan-offload",
  ntuple: "ntuple-filters",
  rxhash: "receive-hashing",
};

export function canonicalFeature(name: string): string {
  return featureAliases[name] ?? name;
}

function normalizeKey(label: string): string {
  return label.trim().toLowerCase().replace(/\s+/g, "-");
}

function numberOrUndefined(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function textOrUndefined(text: string): string | undefined {
  return text === "n/a" ? undefined : text;
}

/**
 * The errno a refused ethtool set names on stderr (`netlink error: Operation not
 * supported`, or the ioctl path's `Cannot set ...: Operation not supported`), as
 * its symbolic code; "ETHTOOL" for any other refusal. The runner pins LC_ALL=C,
 * so the text is strerror's English.
 */
export function ethtoolRefusalCode(stderr: string): "EOPNOTSUPP" | "ETHTOOL" {
  return /: Operation not supported$/m.test(stderr) ? "EOPNOTSUPP" : "ETHTOOL";
}
