// Tries until done, waiting longer after each failure, and stops when told:
// how the DNS webhook waits for a port another process holds.
import { describe, expect, it } from "vitest";
import { untilDone } from "../src/webhook/backoff.ts";

/** An action that fails `failures` times, then answers "listening". */
function flaky(failures: number): { action: () => Promise<string>; tries: () => number } {
  let tries = 0;
  return {
    action: () => {
      tries++;
      return tries <= failures
        ? Promise.reject(new Error("listen EADDRINUSE"))
        : Promise.resolve("listening");
    },
    tries: () => tries,
  };
}

const options = (signal: AbortSignal, failed: unknown[] = []) => ({
  firstDelayMs: 2,
  maxDelayMs: 8,
  signal,
  failed: (error: unknown) => failed.push(error),
});

describe("trying until done", () => {
  it("returns the first success, after telling each failure", async () => {
    const failed: unknown[] = [];
    const port = flaky(3);
    const started = performance.now();
    await expect(
      untilDone(port.action, options(new AbortController().signal, failed)),
    ).resolves.toBe("listening");
    expect(port.tries()).toBe(4);
    expect(failed).toHaveLength(3);
    // Waits of 2, 4 and 8 ms: it did wait between tries.
    expect(performance.now() - started).toBeGreaterThanOrEqual(10);
  });

  it("stopped while it waits, it ends at once with nothing and tries no more", async () => {
    const port = flaky(Infinity);
    const stop = new AbortController();
    const ended = untilDone(port.action, { ...options(stop.signal), firstDelayMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    stop.abort();
    await expect(ended).resolves.toBeUndefined();
    expect(port.tries()).toBe(1);
  });

  it("stopped before it starts, it tries nothing", async () => {
    const port = flaky(0);
    const stop = new AbortController();
    stop.abort();
    await expect(untilDone(port.action, options(stop.signal))).resolves.toBeUndefined();
    expect(port.tries()).toBe(0);
  });
});
