import type { ClientRequest, IncomingMessage } from "node:http";
import { get } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";

/** Retries an assertion until it passes or the time is up; rethrows the last failure. */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = 20_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(intervalMs);
    }
  }
}

/** Fetches a path of the API server as admin. */
export function apiServerGet(
  target: { server: string; adminToken: string },
  path: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    get(
      new URL(path, target.server),
      { headers: { authorization: `Bearer ${target.adminToken}` }, rejectUnauthorized: false },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => {
          resolve(body);
        });
      },
    ).on("error", reject);
  });
}

/**
 * The API server's own count of requests (apiserver_request_total) matching
 * the labels, summed over response codes.
 */
export async function apiServerRequests(
  target: { server: string; adminToken: string },
  labels: { resource: string; verb: string; subresource?: string },
): Promise<number> {
  const text = await apiServerGet(target, "/metrics");
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const labelText = line.slice(line.indexOf("{") + 1, line.lastIndexOf("}"));
    const found = new Map<string, string>();
    for (const match of labelText.matchAll(/(\w+)="([^"]*)"/g))
      found.set(match[1] ?? "", match[2] ?? "");
    if (found.get("resource") !== labels.resource || found.get("verb") !== labels.verb) continue;
    if ((found.get("subresource") ?? "") !== (labels.subresource ?? "")) continue;
    total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

/**
 * Watches a collection of the API server as admin and calls back with every
 * object as it changes; returns a function that stops the watch.
 */
export function watchObjects(
  target: { server: string; adminToken: string },
  collection: string,
  onObject: (object: unknown, type: string) => void,
): () => void {
  let stopped = false;
  let current: ClientRequest | undefined;
  // A watch ends or is refused (429 while a new CRD's watch cache warms up); a new one
  // without a resourceVersion replays every object as ADDED, so nothing is missed.
  const again = (): void => {
    if (!stopped) setTimeout(start, 200);
  };
  const start = (): void => {
    current = get(
      new URL(`${collection}?watch=1`, target.server),
      { headers: { authorization: `Bearer ${target.adminToken}` }, rejectUnauthorized: false },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          again();
          return;
        }
        readEvents(response, onObject);
        response.on("end", again);
      },
    );
    current.on("error", again);
  };
  start();
  return () => {
    stopped = true;
    current?.destroy();
  };
}

function readEvents(
  response: IncomingMessage,
  onObject: (object: unknown, type: string) => void,
): void {
  let buffer = "";
  response.setEncoding("utf8");
  response.on("data", (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf("\n");
    while (newline !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim()) {
        const event = JSON.parse(line) as { type: string; object: unknown };
        if (event.type !== "ERROR") onObject(event.object, event.type);
      }
      newline = buffer.indexOf("\n");
    }
  });
}

/**
 * Polls `check` until it gives something other than undefined or false, and
 * names `what` in the error when `timeoutMs` passes, with the last error the
 * check threw.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : JSON.stringify(error);
    }
    await sleep(intervalMs);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (${last})` : ""}`);
}

/**
 * How the API server answers a watch of `collection` from `resourceVersion`:
 * the HTTP status, or the code of the first ERROR event (410 when that history
 * is gone), or 200 when the watch opens and stays open for a moment.
 */
export function watchAnswer(
  target: { server: string; adminToken: string },
  collection: string,
  resourceVersion: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(
      new URL(`${collection}?watch=1&resourceVersion=${resourceVersion}`, target.server),
      { headers: { authorization: `Bearer ${target.adminToken}` }, rejectUnauthorized: false },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          resolve(response.statusCode ?? 0);
          return;
        }
        let buffer = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          buffer += chunk;
          const newline = buffer.indexOf("\n");
          if (newline === -1) return;
          const event = JSON.parse(buffer.slice(0, newline)) as {
            type: string;
            object: { code?: number };
          };
          resolve(event.type === "ERROR" ? (event.object.code ?? 0) : 200);
          request.destroy();
        });
      },
    );
    request.on("error", reject);
    setTimeout(() => {
      resolve(200);
      request.destroy();
    }, 3000);
  });
}
