import { checkSysctlValue, sysctlPath, SysctlKeyError } from "../../../api/helpers/sysctl.ts";
import { SettingReason } from "./reasons.ts";
import { step, verdict, type PlannedSetting } from "./types.ts";

/** Allowlisted kernel parameters; a key or value outside it is Invalid and nothing gets written. */
export function planSysctls(desired: Record<string, string>, source?: string): PlannedSetting[] {
  return Object.entries(desired).map(([key, value]) => {
    const name = `sysctl/${key}`;
    try {
      const path = sysctlPath(key);
      checkSysctlValue(key, value);
      return step(name, value, { kind: "proc", path: `sys/${path}` }, source);
    } catch (cause) {
      if (!(cause instanceof SysctlKeyError)) throw cause;
      return verdict(
        name,
        value.slice(0, 64),
        "Invalid",
        SettingReason.Refused,
        cause.message,
        source,
      );
    }
  });
}
