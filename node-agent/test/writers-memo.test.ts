// A running agent walks /proc for other writers once for checks that follow
// one another, and again once the memo's time is up or the spec needs others.
import { describe, expect, it } from "vitest";
import { WritersMemo, type WriterNeeds } from "../src/facts/writing-programs.ts";

const needs: WriterNeeds = { cpus: 4, conntrack: true, cniOwned: false, nics: true };

describe("the other writers' memo", () => {
  it("reuses a walk within its time, and walks again after it or for other needs", async () => {
    let now = 0;
    let walks = 0;
    const memo = new WritersMemo(30_000, () => now);
    const walk = (): Promise<{ irqbalance?: "Report" }> => {
      walks++;
      return Promise.resolve({});
    };
    await memo.find(needs, walk);
    now = 29_999;
    await memo.find(needs, walk);
    expect(walks).toBe(1);
    await memo.find({ ...needs, conntrack: false }, walk);
    expect(walks).toBe(2);
    now = 60_000;
    await memo.find({ ...needs, conntrack: false }, walk);
    expect(walks).toBe(3);
  });
});
