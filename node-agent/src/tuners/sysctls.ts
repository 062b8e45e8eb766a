import {
  checkSysctlValue,
  isSecuritySensitiveSysctl,
  sysctlPath,
  SysctlKeyError,
} from "../../../api/helpers/sysctl.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { step, verdict, type PlannedSetting } from "./types.ts";

/**
 * Allowlisted kernel parameters; a key or value outside it, or a
 * security-sensitive key the spec does not allow, is Invalid and nothing gets written.
 */
export function planSysctls(
  desired: Record<string, string>,
  source?: string,
  allowSecuritySensitive = false,
): PlannedSetting[] {
  return Object.entries(desired).map(([key, value]) => {
    const name = `sysctl/${key}`;
    try {
      const path = sysctlPath(key);
      checkSysctlValue(key, value);
      const sensitive = isSecuritySensitiveSysctl(key);
      if (sensitive && !allowSecuritySensitive)
        throw new SysctlKeyError(
          `sysctl ${key} is not on the list of sysctls known to be safe for network tuning: the spec needs allowSecuritySensitiveSysctls: true`,
        );
      const note = sensitive ? "not on the list known to be safe, allowed by the spec" : undefined;
      return step(name, value, { kind: "proc", path: `sys/${path}` }, source, note);
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
