import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WorkQueue } from "../src/workqueue.ts";
import { nodeKey, tuningKey, workOf } from "../src/work-keys.ts";

/** Takes every key ready now, marking each done unless told to hold it. */
async function drain(queue: WorkQueue, hold: string[] = []): Promise<string[]> {
  const taken: string[] = [];
  while (queue.depth > 0) {
    const key = await queue.next();
    if (key === undefined) break;
    taken.push(key);
    if (!hold.includes(key)) queue.done(key);
  }
  return taken;
}

describe("work queue", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("a key added many times waits once", async () => {
    const queue = new WorkQueue();
    for (const key of ["a", "b", "a", "a", "b"]) queue.add(key);
    expect(await drain(queue)).toEqual(["a", "b"]);
  });

  it("a key added while in process runs once more after, never twice at once", async () => {
    const queue = new WorkQueue();
    queue.add("a");
    expect(await drain(queue, ["a"])).toEqual(["a"]);
    queue.add("a");
    queue.add("a");
    expect(queue.depth).toBe(0);
    queue.done("a");
    expect(await drain(queue)).toEqual(["a"]);
  });

  it("addAfter folds a burst into one add after the delay", async () => {
    const queue = new WorkQueue();
    for (let i = 0; i < 50; i++) queue.addAfter("status", 500);
    expect(queue.depth).toBe(0);
    vi.advanceTimersByTime(499);
    expect(queue.depth).toBe(0);
    vi.advanceTimersByTime(1);
    expect(await drain(queue)).toEqual(["status"]);
  });

  it("retries come back after growing delays until forgotten", async () => {
    const queue = new WorkQueue();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      queue.retry("k");
      let waited = 0;
      while (queue.depth === 0) {
        vi.advanceTimersByTime(10);
        waited += 10;
      }
      delays.push(waited);
      await drain(queue);
    }
    expect(delays[3]).toBeGreaterThan(delays[0] ?? 0);
    queue.forget("k");
    queue.retry("k");
    let waited = 0;
    while (queue.depth === 0) {
      vi.advanceTimersByTime(10);
      waited += 10;
    }
    expect(waited).toBeLessThan(delays[3] ?? 0);
  });

  it("shutting down drops waiting and delayed keys and releases idle workers", async () => {
    const queue = new WorkQueue();
    const idle = queue.next();
    queue.addAfter("later", 100);
    queue.shutDown();
    queue.add("late");
    vi.advanceTimersByTime(200);
    expect(await idle).toBeUndefined();
    expect(queue.depth).toBe(0);
  });
});

describe("the operator's work keys", () => {
  it.each([
    {
      sentence: "a node's key reads back as that node",
      key: nodeKey("ip-10-0-1-7.ec2.internal"),
      work: { kind: "node", name: "ip-10-0-1-7.ec2.internal" },
    },
    {
      sentence: "a tuning's key reads back as that tuning",
      key: tuningKey("web-pool"),
      work: { kind: "tuning", name: "web-pool" },
    },
    {
      sentence: "the DaemonSet's key is its own kind",
      key: "daemonset" as const,
      work: { kind: "daemonset" },
    },
    {
      sentence: "the budget's key is its own kind",
      key: "next-in-line" as const,
      work: { kind: "next-in-line" },
    },
  ])("$sentence", ({ key, work }) => {
    expect(workOf(key)).toEqual(work);
  });
});
