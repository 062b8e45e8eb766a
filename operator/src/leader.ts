import {
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from "@kubernetes/client-node";
import type { Logger } from "../../common/logger.ts";
import { isConflict, type APICalls } from "./cluster/api-calls.ts";

export interface LeaseSettings {
  namespace: string;
  name: string;
  identity: string;
  leaseSeconds: number;
  renewSeconds: number;
}

/**
 * Leader election on a coordination.k8s.io Lease, judged by time this replica
 * observed, as client-go does: a standby takes the lease only once the record
 * (holder, renewTime, resourceVersion) has not changed for a whole lease
 * duration on its own monotonic clock. The holder's renewTime is never
 * compared with the local clock, so clocks that disagree by any amount cannot
 * make two leaders. The resourceVersion on every update makes two takers race
 * safely. Standby replicas only poll.
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly calls: APICalls;
  private readonly settings: LeaseSettings;
  private readonly log: Logger;
  private readonly now: () => Date;
  /** Milliseconds on a clock that only moves forward (performance.now), for every deadline. */
  private readonly monotonic: () => number;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  /** When the last successful renewal was sent, on the monotonic clock. */
  private lastRenew = 0;
  /** The lease record as last read, and when this replica first saw it so. */
  private observed: { record: string; at: number } | undefined;
  private stopped = false;

  constructor(
    config: KubeConfig,
    settings: LeaseSettings,
    log: Logger,
    calls: APICalls,
    now: () => Date = () => new Date(),
    monotonic: () => number = () => performance.now(),
  ) {
    this.api = config.makeApiClient(CoordinationV1Api);
    this.calls = calls;
    this.settings = settings;
    this.log = log;
    this.now = now;
    this.monotonic = monotonic;
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
    const since = this.monotonic() - this.lastRenew;
    return this.leading && since < (this.settings.leaseSeconds * 2000) / 3;
  }

  /** Calls onStarted once leadership is won and onLost if it cannot be renewed in time. */
  run(onStarted: () => void, onLost: () => void): void {
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      // A renewal counts from when it was sent: the API server may record it any time after.
      const sentAt = this.monotonic();
      const held = await this.tryAcquireOrRenew().catch((error: unknown) => {
        this.log.warn("lease request failed", error);
        return undefined;
      });
      if (held === true) {
        this.lastRenew = sentAt;
        if (!this.leading) {
          this.leading = true;
          this.log.info(`became leader as ${this.settings.identity}`);
          onStarted();
        }
      } else if (
        this.leading &&
        (held === false || this.monotonic() - this.lastRenew > this.settings.leaseSeconds * 1000)
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
    if (holder && holder !== identity && !this.expiredAsObserved(lease, leaseSeconds)) return false;
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

  /**
   * Whether the holder's claim ran out as this replica saw it: the record has
   * not changed for a whole lease duration since this replica first read it so.
   */
  private expiredAsObserved(lease: V1Lease, fallbackSeconds: number): boolean {
    const spec = lease.spec ?? {};
    const record = JSON.stringify([
      spec.holderIdentity,
      spec.renewTime,
      lease.metadata?.resourceVersion,
    ]);
    if (this.observed?.record !== record) this.observed = { record, at: this.monotonic() };
    const duration = (spec.leaseDurationSeconds ?? fallbackSeconds) * 1000;
    return this.monotonic() - this.observed.at > duration;
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
