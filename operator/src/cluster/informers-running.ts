import type { KubernetesObject } from "@kubernetes/client-node";
import { Backoff } from "../../../common/backoff.ts";
import type { Logger } from "../../../common/logger.ts";
import type { Watched } from "./kube.ts";

/**
 * Starts an informer and starts it again, with backoff, whenever it stops on
 * an error. Resolves once its first list has filled the cache: decisions made
 * before that would see a cluster with nothing in it.
 */
export function keepRunning<T extends KubernetesObject>(
  name: string,
  informer: Watched<T>,
  log: Logger,
  health: Map<string, boolean>,
): Promise<void> {
  const backoff = new Backoff(500, 30_000);
  let listed = (): void => undefined;
  const firstList = new Promise<void>((resolve) => (listed = resolve));
  const start = (): void => {
    informer.start().then(
      () => {
        health.set(name, true);
        backoff.reset();
        listed();
      },
      (error: unknown) => {
        restart(error);
      },
    );
  };
  const restart = (error: unknown): void => {
    health.set(name, false);
    const delay = backoff.next();
    log.warn(`${name} informer stopped; restarting in ${delay} ms`, error);
    setTimeout(start, delay);
  };
  informer.on("error", restart);
  informer.on("connect", () => health.set(name, true));
  start();
  return firstList;
}
