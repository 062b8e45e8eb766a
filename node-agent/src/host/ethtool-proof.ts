import type { FeatureState, PresetAndCurrent } from "./ethtool-parse.ts";
import type { QueueCounts } from "./queue-counts.ts";

/**
 * What a successful `ethtool -L` or `-K` proves without a read-back process.
 * Each answer is the earlier read with the requested values in it, or
 * undefined when the proof does not hold and ethtool must be asked again.
 */

/**
 * Channels: the driver's queues in sysfs follow its channel counts (RX queues
 * = combined + rx, TX queues = combined + tx) before the change, and again
 * after it with the requested counts. A driver whose TX queues are not its
 * channels (traffic classes multiply them, say) fails the first test, and is
 * read back with `ethtool -l` as before.
 */
export function channelsAfterSet(
  before: PresetAndCurrent,
  queuesBefore: QueueCounts | undefined,
  pairs: readonly (readonly [string, string])[],
  queuesAfter: QueueCounts | undefined,
): PresetAndCurrent | undefined {
  if (!queuesBefore || !queuesAfter || !queuesFollow(before.current, queuesBefore))
    return undefined;
  const current = { ...before.current };
  for (const [param, value] of pairs) {
    if (!/^\d+$/.test(value)) return undefined;
    current[param] = Number(value);
  }
  return queuesFollow(current, queuesAfter) ? { max: before.max, current } : undefined;
}

function queuesFollow(channels: Record<string, number | undefined>, queues: QueueCounts): boolean {
  const combined = channels.combined ?? 0;
  return combined + (channels.rx ?? 0) === queues.rx && combined + (channels.tx ?? 0) === queues.tx;
}

/**
 * Features: ethtool prints nothing after a set unless the kernel's reply
 * names a requested feature that did not take ("off [requested on]") or one
 * that changed along with it. Silence proves every requested feature is as
 * asked and no other changed; anything printed is read back with `ethtool -k`.
 */
export function featuresAfterSet(
  before: Map<string, FeatureState>,
  pairs: readonly (readonly [string, string])[],
  setOutput: string,
): Map<string, FeatureState> | undefined {
  if (setOutput.trim() !== "") return undefined;
  const after = new Map(before);
  for (const [name, value] of pairs) {
    const state = before.get(name);
    if (state === undefined || (value !== "on" && value !== "off")) return undefined;
    after.set(name, { ...state, active: value === "on" });
  }
  return after;
}
