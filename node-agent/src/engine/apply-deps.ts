import type { DeviceIdentity } from "../facts/device-identity.ts";
import type { Actuator } from "../host/actuator.ts";
import type { OriginalsStore } from "./originals.ts";

/** What applying reads and writes through. */
export type TargetIO = Pick<Actuator, "read" | "write" | "writeEthtool"> &
  Partial<Pick<Actuator, "effectiveAffinity">>;

/** What applying needs: the host's targets, the originals, and how the node is run. */
export interface ApplyDeps {
  /** Reads and writes targets: the host's Actuator, or an in-memory one in tests. */
  actuator: TargetIO;
  store: OriginalsStore;
  mode: "Enforce" | "Audit";
  initialNetns: boolean;
  /**
   * Asked after a change that can reset a NIC; false means the node lost its
   * way to the API server and the change is rolled back.
   */
  probe?: () => Promise<boolean>;
  /** Each interface's identity, recorded with its originals so that a rename is followed. */
  identities?: ReadonlyMap<string, DeviceIdentity>;
  /** Told of every write that stuck, with the value it replaced (Events say what changed). */
  onChange?: (change: SettingChange) => void;
}

/** A value the agent changed and verified: what the node held and what it holds now. */
export interface SettingChange {
  name: string;
  from: string;
  to: string;
}
