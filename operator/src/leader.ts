import {
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from "@kubernetes/client-node";
import type { Logger } from "../../common/logger.ts";
import { isConflict, type APICalls } from "./api-calls.ts";

export interface LeaseSettings {
  namespace: string;
  name: string;
  identity: string;
  leaseSeconds: number;
  renewSeconds: number;
}

/**
 * Leader election on a coordination.k8s.io Lease. A replica takes the lease
 * when it is free or expired (renewTime + leaseDurationSeconds in the past),
 * then renews it; the resourceVersion on every update makes two takers race
 * safely. Standby replicas only poll.
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly calls: APICalls;
  private readonly settings: LeaseSettings;
  private readonly log: Logger;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private lastRenew = 0;
  private stopped = false;

  constructor(
    config: KubeConfig,
    settings: LeaseSettings,
    log: Logger,
    calls: APICalls,
    now: () => Date = () => new Date(),
  ) {
    this.api = config.makeApiClient(CoordinationV1Api);
    this.calls = calls;
    this.settings = settings;
    this.log = log;
    this.now = now;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Whether this replica may still act as leader: it leads and renewed the lease
   * within the renew deadline (two thirds of the lease), before any other replica
   * could take it. Writes check this first (write-fence.ts).
   */
  holdsLease(): boolean {
    return this.leading && Date.now() - this.lastRenew < (this.settings.leaseSeconds * 2000) / 3;
  }

  /** Calls onStarted once leadership is won and onLost if it cannot be renewed in time. */
  run(onStarted: () => void, onLost: () => void): void {
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      const held = await this.tryAcquireOrRenew().catch((error: unknown) => {
        this.log.warn("lease request failed", error);
        return undefined;
      });
      if (held === true) {
        this.lastRenew = Date.now();
        if (!this.leading) {
          this.leading = true;
          this.log.info(`became leader as ${this.settings.identity}`);
          onStarted();
        }
      } else if (
        this.leading &&
        (held === false || Date.now() - this.lastRenew > this.settings.leaseSeconds * 1000)
      ) {
        this.leading = false;
        onLost();
      }
      this.timer = setTimeout(
        () => void tick(),
        (this.leading ? this.settings.renewSeconds : 2) * 1000,
      );
    };
    void tick();
  }

  /** Gives the lease up so that a standby takes over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    const lease = await this.read();
    if (lease?.spec?.holderIdentity !== this.settings.identity) return;
    lease.spec.holderIdentity = undefined;
    lease.spec.renewTime = undefined;
    lease.spec.leaseDurationSeconds = 1;
    await this.calls.call("release lease", () =>
      this.api.replaceNamespacedLease({
        name: this.settings.name,
        namespace: this.settings.namespace,
        body: lease,
      }),
    );
    this.leading = false;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseSeconds } = this.settings;
    const now = new V1MicroTime(this.now().getTime());
    const lease = await this.read();
    if (!lease) {
      const created = {
        metadata: { name, namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: leaseSeconds,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: 0,
        },
      };
      // Another replica created it first: it leads.
      return this.wins("create lease", () =>
        this.api.createNamespacedLease({ namespace, body: created }),
      );
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity;
    if (holder && holder !== identity && expiresAt(spec, leaseSeconds) > this.now().getTime())
      return false;
    const taking = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: leaseSeconds,
      renewTime: now,
      ...(taking ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    return this.wins("renew lease", () =>
      this.api.replaceNamespacedLease({ name, namespace, body: lease }),
    );
  }

  /** Whether a write of the lease went through; a 409 lost to another replica's write. */
  private async wins(verb: string, write: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.calls.call(verb, write);
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  private read(): Promise<V1Lease | undefined> {
    return this.calls.find("get lease", () =>
      this.api.readNamespacedLease({
        name: this.settings.name,
        namespace: this.settings.namespace,
      }),
    );
  }
}

/** When the holder's claim runs out: its last renewal plus the lease duration. */
function expiresAt(spec: NonNullable<V1Lease["spec"]>, fallbackSeconds: number): number {
  const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
  return renewed + (spec.leaseDurationSeconds ?? fallbackSeconds) * 1000;
}
