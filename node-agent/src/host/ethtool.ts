import type { CommandResult, CommandRunner } from "./commands.ts";
import { HostDataError } from "./host-read.ts";
import {
  parseCoalesce,
  parseDriverInfo,
  parseFeatures,
  parseFeaturesJSON,
  parsePresetAndCurrent,
  parseRSSEqual,
  type FeatureState,
  type PresetAndCurrent,
} from "./ethtool-parse.ts";
import type { EthtoolGroup } from "./targets.ts";

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

/**
 * The ethtool command behind a small typed API. A query that ethtool answers
 * with an error means the driver does not support it: the result is
 * undefined, and the caller reports Unsupported. Answers are cached per
 * device until a write to that device.
 */
export class Ethtool {
  private readonly run: CommandRunner;
  private readonly binary: string;
  private readonly cache = new Map<string, Promise<CommandResult>>();
  private readonly jsonUnsupported = new Set<string>();

  constructor(run: CommandRunner, binary = "ethtool") {
    this.run = run;
    this.binary = binary;
  }

  async channels(device: string): Promise<PresetAndCurrent | undefined> {
    const result = await this.query(device, "-l");
    return result.code === 0 ? parsed(device, ["-l"], result, parsePresetAndCurrent) : undefined;
  }

  async rings(device: string): Promise<PresetAndCurrent | undefined> {
    const result = await this.query(device, "-g");
    return result.code === 0 ? parsed(device, ["-g"], result, parsePresetAndCurrent) : undefined;
  }

  async coalesce(device: string): Promise<Record<string, string | undefined> | undefined> {
    const result = await this.query(device, "-c");
    return result.code === 0 ? parsed(device, ["-c"], result, parseCoalesce) : undefined;
  }

  async features(device: string): Promise<Map<string, FeatureState> | undefined> {
    if (!this.jsonUnsupported.has("-k")) {
      const json = await this.query(device, "--json", "-k");
      if (json.code === 0) return parsed(device, ["--json", "-k"], json, parseFeaturesJSON);
      this.jsonUnsupported.add("-k");
    }
    const result = await this.query(device, "-k");
    return result.code === 0 ? parsed(device, ["-k"], result, parseFeatures) : undefined;
  }

  async driverInfo(device: string): Promise<Record<string, string> | undefined> {
    const result = await this.query(device, "-i");
    return result.code === 0 ? parsed(device, ["-i"], result, parseDriverInfo) : undefined;
  }

  /** N when the RSS table spreads evenly over N rings; null when it does not; undefined when unsupported. */
  async rssEqual(device: string): Promise<number | null | undefined> {
    const result = await this.query(device, "-x");
    if (result.code !== 0) return undefined;
    return parsed(device, ["-x"], result, parseRSSEqual) ?? null;
  }

  /**
   * Runs one set command for several parameters of a group, as a person would
   * (`ethtool -L eth0 rx 2 tx 2`); the cache for the device is dropped.
   */
  async set(
    device: string,
    group: EthtoolGroup,
    pairs: readonly (readonly [string, string])[],
  ): Promise<CommandResult> {
    this.invalidate(device, affectedQueries[group]);
    return this.run(this.binary, [setFlags[group], device, ...pairs.flat()]);
  }

  /** Drops cached answers for the device: all of them, or those of the given flags. */
  invalidate(device: string, flags?: readonly string[]): void {
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
