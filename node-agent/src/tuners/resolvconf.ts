import type { NodeDNSTuning } from "../../../api/v1alpha1/dns.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { step, verdict, type PlannedSetting } from "./types.ts";

export interface ResolvConfContext {
  /** Option tokens the file has now; undefined when there is no file. */
  current?: string[];
  managedBy?: string;
  /** Why the file could not be read: then nothing is written to it. */
  unreadable?: string;
  source?: string;
}

/**
 * The options line NetTune wants: the current tokens with the managed ones
 * replaced, every other option kept in its place.
 */
export function desiredOptions(current: string[], desired: NodeDNSTuning): string[] {
  const tokens = current.filter((token) => !managedBy(desired, token));
  if (desired.singleRequest !== undefined) tokens.push(desired.singleRequest);
  if (desired.timeout !== undefined) tokens.push(`timeout:${desired.timeout}`);
  if (desired.attempts !== undefined) tokens.push(`attempts:${desired.attempts}`);
  if (desired.useVC === true) tokens.push("use-vc");
  if (desired.edns0 === true) tokens.push("edns0");
  return tokens;
}

function managedBy(desired: NodeDNSTuning, token: string): boolean {
  if (
    desired.singleRequest !== undefined &&
    (token === "single-request" || token === "single-request-reopen")
  )
    return true;
  if (desired.timeout !== undefined && token.startsWith("timeout:")) return true;
  if (desired.attempts !== undefined && token.startsWith("attempts:")) return true;
  if (desired.useVC !== undefined && token === "use-vc") return true;
  return desired.edns0 !== undefined && token === "edns0";
}

export function planResolvConf(
  desired: NodeDNSTuning,
  context: ResolvConfContext,
): PlannedSetting[] {
  const name = "dns.node.options";
  if (context.unreadable !== undefined) {
    return [
      verdict(
        name,
        "",
        "Failed",
        SettingReason.UnreadableHostValue,
        context.unreadable,
        context.source,
      ),
    ];
  }
  if (context.current === undefined) {
    return [
      verdict(
        name,
        "",
        "Skipped",
        SettingReason.NotPresent,
        "the node has no resolv.conf",
        context.source,
      ),
    ];
  }
  const options = desiredOptions(context.current, desired).join(" ");
  const note = context.managedBy
    ? `resolv.conf is managed by ${context.managedBy}, which may rewrite it`
    : undefined;
  return [step(name, options, { kind: "resolvconf" }, context.source, note)];
}
