// What the hostile-host rows share: their shape and the checks they name.
import { expect } from "vitest";
import type { SettingResult } from "../../api/v1alpha1/node-network-tuning.ts";
import type { HostileContext } from "./hostile-state.host.test.ts";

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  results: SettingResult[];
}

export interface HostileRow {
  name: string;
  /** Apply once before planting: the row then tests what follows an apply. */
  first?: "apply";
  plant: (c: HostileContext) => Promise<unknown>;
  command?: "apply" | "revert";
  output?: string;
  spec?: Record<string, unknown>;
  /** The row itself writes originals that are not the node's (a tampered file): not compared. */
  tampersOriginals?: boolean;
  /** The node must refuse: exit 2, this on its one line, no host file and no state changed. */
  refuses?: RegExp;
  check?: (
    result: Ran,
    seen: {
      pristine: Record<string, string>;
      kernelBefore: Record<string, string>;
      context: HostileContext;
    },
  ) => Promise<void> | void;
}

/** The setting whose name contains `part` was not applied. */
export const notApplied =
  (part: string) =>
  (result: Ran): void => {
    // Not planned at all (its directory is gone from the root) is not applied either.
    const found = result.results.filter((r) => r.name.includes(part));
    for (const setting of found)
      expect([setting.name, setting.state]).not.toEqual([setting.name, "Applied"]);
  };

export const failed =
  (part: string, reason = "UnreadableHostValue") =>
  (result: Ran): void => {
    const found = result.results.find((r) => r.name.includes(part));
    expect(found, result.stdout).toMatchObject({ state: "Failed", reason });
  };
