import type { NodeNetworkTuning } from "../../../api/v1alpha1/node-network-tuning.ts";
import { Backoff } from "../../../common/backoff.ts";
import { ResourceExpiredError, type NodeTuningClient } from "./kube.ts";
import type { Logger } from "../../../common/logger.ts";

export interface OwnObjectWatchDeps {
  client: NodeTuningClient;
  name: string;
  log: Logger;
  /** Called with the object after every list and event; undefined when it does not exist. */
  onObject(object: NodeNetworkTuning | undefined): void;
  onRestart?(): void;
  backoff?: Backoff;
}

/**
 * One list and one watch on the agent's own NodeNetworkTuning, by field
 * selector: one object, however large the cluster. Every interruption lists
 * again (a single object costs nothing) and restarts with backoff; a 410
 * lists again at once.
 */
export class OwnObjectWatch {
  private readonly deps: OwnObjectWatchDeps;
  private readonly backoff: Backoff;
  private current: { abort(): void } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private connected = false;

  constructor(deps: OwnObjectWatchDeps) {
    this.deps = deps;
    this.backoff = deps.backoff ?? new Backoff();
  }

  /** True while a watch is open after a successful list. */
  get healthy(): boolean {
    return this.connected;
  }

  start(): void {
    void this.listAndWatch();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.current?.abort();
    this.connected = false;
  }

  private async listAndWatch(): Promise<void> {
    if (this.stopped) return;
    try {
      const { object, resourceVersion } = await this.deps.client.get(this.deps.name);
      this.deps.onObject(object);
      this.current = await this.deps.client.watch(
        this.deps.name,
        resourceVersion,
        (event) => {
          if (event.type === "BOOKMARK") return;
          this.deps.onObject(event.type === "DELETED" ? undefined : event.object);
        },
        (error) => {
          this.ended(error);
        },
      );
      this.connected = true;
      this.backoff.reset();
    } catch (error) {
      this.ended(error);
    }
  }

  private ended(error: unknown): void {
    this.connected = false;
    this.current = undefined;
    if (this.stopped) return;
    this.deps.onRestart?.();
    // A watch the server closed in the normal way, or a 410, starts over at once.
    const immediate =
      error === null || error === undefined || error instanceof ResourceExpiredError;
    const delay = immediate ? 0 : this.backoff.next();
    if (!immediate)
      this.deps.log.warn(`watch of ${this.deps.name} failed; retrying in ${delay} ms`, error);
    this.timer = setTimeout(() => void this.listAndWatch(), delay);
  }
}
