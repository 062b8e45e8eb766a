import type { CommandResult, CommandRunner } from "./commands.ts";
import { HostDataError } from "./host-read.ts";
import {
  parseCoalesce,
  parseDriverInfo,
  parseFeatures,
  parseFeaturesAnyShape,
  parsePresetAndCurrent,
  parseRSSEqual,
  parseStatistics,
  type FeatureState,
  type PresetAndCurrent,
} from "./ethtool-parse.ts";
import { channelsAfterSet, featuresAfterSet } from "./ethtool-proof.ts";
import type { HostPaths } from "./paths.ts";
import { sysfsQueueCounts, type QueueCounts } from "./queue-counts.ts";
import type { EthtoolGroup } from "../model/targets.ts";

// What a set can change: channel counts also reshape the RSS table.
const affectedQueries: Record<EthtoolGroup, readonly string[]> = {
  channels: ["-l", "-x"],
  rings: ["-g"],
  coalesce: ["-c"],
  features: ["-k"],
  rss: ["-x"],
};

const setFlags: Record<EthtoolGroup, string> = {
  channels: "-L",
  rings: "-G",
  coalesce: "-C",
  features: "-K",
  rss: "-X",
};

export interface EthtoolOptions {
  binary?: string;
  /** A device's queue counts now (sysfs); with it, a channel change is proven without `ethtool -l`. */
  queueCounts?: (device: string) => Promise<QueueCounts | undefined>;
  /** Driver answers kept across checks (the agent's), by device identity. */
  driverInfoMemo?: Map<string, Record<string, string>>;
}

/**
 * The ethtool command behind a small typed API. A query that ethtool answers
 * with an error means the driver does not support it: the result is
 * undefined, and the caller reports Unsupported. Answers are cached per
 * device until a write to that device; a write whose own answer proves the
 * new values (ethtool-proof.ts) leaves them in place of a read-back.
 */
export class Ethtool {
  private readonly run: CommandRunner;
  private readonly binary: string;
  private readonly queueCounts: EthtoolOptions["queueCounts"];
  private readonly driverInfoMemo: Map<string, Record<string, string>> | undefined;
  private readonly cache = new Map<string, Promise<CommandResult>>();
  private readonly provenChannels = new Map<string, PresetAndCurrent>();
  private readonly provenFeatures = new Map<string, Map<string, FeatureState>>();
  private readonly jsonUnsupported = new Set<string>();

  constructor(run: CommandRunner, options: EthtoolOptions = {}) {
    this.run = run;
    this.binary = options.binary ?? "ethtool";
    this.queueCounts = options.queueCounts;
    this.driverInfoMemo = options.driverInfoMemo;
  }

  async channels(device: string): Promise<PresetAndCurrent | undefined> {
    const proven = this.provenChannels.get(device);
    if (proven) return proven;
    const result = await this.query(device, "-l");
    return result.code === 0 ? parsed(device, ["-l"], result, parsePresetAndCurrent) : undefined;
  }

  async rings(device: string): Promise<PresetAndCurrent | undefined> {
    const result = await this.query(device, "-g");
    return result.code === 0 ? parsed(device, ["-g"], result, parsePresetAndCurrent) : undefined;
  }

  /** The driver's own counters (`ethtool -S`); undefined where it has none. */
  async statistics(device: string): Promise<Map<string, number> | undefined> {
    const result = await this.query(device, "-S");
    return result.code === 0 ? parsed(device, ["-S"], result, parseStatistics) : undefined;
  }

  async coalesce(device: string): Promise<Record<string, string | undefined> | undefined> {
    const result = await this.query(device, "-c");
    return result.code === 0 ? parsed(device, ["-c"], result, parseCoalesce) : undefined;
  }

  async features(device: string): Promise<Map<string, FeatureState> | undefined> {
    const proven = this.provenFeatures.get(device);
    if (proven) return proven;
    if (!this.jsonUnsupported.has("-k")) {
      const json = await this.query(device, "--json", "-k");
      if (json.code === 0) return parsed(device, ["--json", "-k"], json, parseFeaturesAnyShape);
      this.jsonUnsupported.add("-k");
    }
    const result = await this.query(device, "-k");
    return result.code === 0 ? parsed(device, ["-k"], result, parseFeatures) : undefined;
  }

  /**
   * `ethtool -i`. With an identity that changes when the device does (its
   * name and ifindex), the answer is kept for later checks: a device keeps
   * its driver for as long as it exists.
   */
  async driverInfo(device: string, identity?: string): Promise<Record<string, string> | undefined> {
    const known = identity === undefined ? undefined : this.driverInfoMemo?.get(identity);
    if (known) return known;
    const result = await this.query(device, "-i");
    if (result.code !== 0) return undefined;
    const info = parsed(device, ["-i"], result, parseDriverInfo);
    if (identity !== undefined) this.driverInfoMemo?.set(identity, info);
    return info;
  }

  /** Forgets the kept driver answers of devices that are gone. */
  forgetDriverInfoExcept(identities: ReadonlySet<string>): void {
    for (const identity of this.driverInfoMemo?.keys() ?? [])
      if (!identities.has(identity)) this.driverInfoMemo?.delete(identity);
  }

  /** N when the RSS table spreads evenly over N rings; null when it does not; undefined when unsupported. */
  async rssEqual(device: string): Promise<number | null | undefined> {
    const result = await this.query(device, "-x");
    if (result.code !== 0) return undefined;
    return parsed(device, ["-x"], result, parseRSSEqual) ?? null;
  }

  /**
   * Runs one set command for several parameters of a group, as a person would
   * (`ethtool -L eth0 rx 2 tx 2`); the cache for the device is dropped, and
   * what the write itself proves takes its place.
   */
  async set(
    device: string,
    group: EthtoolGroup,
    pairs: readonly (readonly [string, string])[],
  ): Promise<CommandResult> {
    const earlier = await this.earlierAnswers(device, group);
    this.invalidate(device, affectedQueries[group]);
    const result = await this.run(this.binary, [setFlags[group], device, ...pairs.flat()]);
    if (result.code !== 0) return result;
    if (earlier.channels) {
      const after = channelsAfterSet(
        earlier.channels,
        earlier.queues,
        pairs,
        await this.queueCounts?.(device),
      );
      if (after) this.provenChannels.set(device, after);
    }
    if (earlier.features) {
      const after = featuresAfterSet(earlier.features, pairs, result.stdout);
      if (after) this.provenFeatures.set(device, after);
    }
    return result;
  }

  /** What was read before a set that a proof can build on, without asking ethtool anything new. */
  private async earlierAnswers(device: string, group: EthtoolGroup) {
    const asked = (flags: string): boolean => this.cache.has(`${device}\0${flags}`);
    if (
      group === "channels" &&
      this.queueCounts &&
      (asked("-l") || this.provenChannels.has(device))
    )
      return {
        channels: await this.channels(device).catch(() => undefined),
        queues: await this.queueCounts(device),
      };
    if (
      group === "features" &&
      (asked("--json -k") || asked("-k") || this.provenFeatures.has(device))
    )
      return { features: await this.features(device).catch(() => undefined) };
    return {};
  }

  /** Drops cached answers for the device: all of them, or those of the given flags. */
  invalidate(device: string, flags?: readonly string[]): void {
    if (flags === undefined || flags.includes("-l")) this.provenChannels.delete(device);
    if (flags === undefined || flags.includes("-k")) this.provenFeatures.delete(device);
    for (const key of this.cache.keys()) {
      const [cachedDevice, cachedFlags = ""] = key.split("\0");
      const flag = cachedFlags.split(" ").at(-1) ?? "";
      if (cachedDevice === device && (flags === undefined || flags.includes(flag)))
        this.cache.delete(key);
    }
  }

  private query(device: string, ...flags: string[]): Promise<CommandResult> {
    const key = `${device}\0${flags.join(" ")}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.run(this.binary, [...flags, device]);
      this.cache.set(key, pending);
    }
    return pending;
  }
}

/** A parser's answer; whatever it throws on output it cannot read becomes a HostDataError. */
function parsed<T>(
  device: string,
  flags: readonly string[],
  result: CommandResult,
  parse: (text: string) => T,
): T {
  try {
    return parse(result.stdout);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new HostDataError(
      `ethtool ${flags.join(" ")} ${device}`,
      `unreadable output (${message})`,
      {
        cause,
      },
    );
  }
}

/** The ethtool of the agent's checks: queue counts proven by sysfs, drivers kept across checks. */
export function agentEthtool(deps: {
  paths: HostPaths;
  run: CommandRunner;
  driverInfoMemo?: Map<string, Record<string, string>>;
}): Ethtool {
  return new Ethtool(deps.run, {
    queueCounts: sysfsQueueCounts(deps.paths.root, deps.paths.sys),
    ...(deps.driverInfoMemo ? { driverInfoMemo: deps.driverInfoMemo } : {}),
  });
}
