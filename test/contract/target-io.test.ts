// The unit tests' in-memory host keeps the target contract the real Actuator
// keeps (target-io.host.test.ts runs the same steps on the kernel).
import { describe, expect, it } from "vitest";
import { targetKey, type Target } from "../../node-agent/src/model/targets.ts";
import { MemoryHost } from "../harness/memory-host.ts";
import { runTargetIOContract, targetIOContract } from "./target-io.ts";

describe("the in-memory host", () => {
  it("keeps the target contract", async () => {
    const present: Target = { kind: "proc", path: "sys/net/core/somaxconn" };
    const host = new MemoryHost();
    host.values.set(targetKey(present), "4096");
    // The kernel refuses what somaxconn cannot hold; the memory host is told which value.
    host.invalid.add(`${targetKey(present)}=not-a-number`);
    const transcript = await runTargetIOContract({
      io: host,
      present,
      accepted: "1234",
      refused: "not-a-number",
      absent: { kind: "sys", path: "class/net/nosuch0/tx_queue_len" },
    });
    expect(transcript).toEqual(targetIOContract);
  });
});
