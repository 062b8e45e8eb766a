// The agent's own process on its metrics endpoint: heap in use, and what keeps
// its event loop alive, by kind, so that a soak can watch them for a slope.
import Registry from "prom-client/lib/registry.js";
import { describe, expect, it } from "vitest";
import { processGauges } from "../src/runtime/process-metrics.ts";

describe("the agent's process metrics", () => {
  it("count a timer it holds and drop it once cleared, beside the heap in use", async () => {
    const registry = new Registry();
    processGauges(registry);
    const timeouts = async (): Promise<number> => {
      const text = await registry.metrics();
      return Number(/nettune_agent_active_resources\{type="Timeout"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await timeouts();
    const timers = [setTimeout(() => undefined, 60_000), setTimeout(() => undefined, 60_000)];
    expect(await timeouts()).toBe(before + 2);
    for (const timer of timers) clearTimeout(timer);
    expect(await timeouts()).toBe(before);
    const heap = /nettune_agent_heap_used_bytes (\d+)/.exec(await registry.metrics())?.[1];
    expect(Number(heap)).toBeGreaterThan(1_000_000);
  });
});
