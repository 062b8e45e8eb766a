import Gauge from "prom-client/lib/gauge.js";
import type Registry from "prom-client/lib/registry.js";

/**
 * The agent's own process, read at scrape time: its V8 heap and the handles
 * and requests that keep its event loop alive (timers, sockets, file reads),
 * by kind. A leak shows as a slope in either, long before the RSS says so.
 */
export function processGauges(registry: Registry): void {
  const registers = [registry];
  new Gauge({
    name: "nettune_agent_heap_used_bytes",
    help: "The agent's V8 heap in use.",
    registers,
    collect() {
      this.set(process.memoryUsage().heapUsed);
    },
  });
  new Gauge({
    name: "nettune_agent_active_resources",
    help: "Handles and requests keeping the agent's event loop alive, by kind (Timeout, TCPWrap, ...).",
    labelNames: ["type"],
    registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const type of process.getActiveResourcesInfo())
        counts.set(type, (counts.get(type) ?? 0) + 1);
      for (const [type, count] of counts) this.set({ type }, count);
    },
  });
}
