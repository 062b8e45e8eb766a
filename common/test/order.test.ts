import { describe, expect, it } from "vitest";
import { compareCodeUnits } from "../order.ts";

describe("ordering by code units", () => {
  it("sorts .link file names as udev does (strcmp: digits, then capitals, then small letters)", () => {
    const names = ["b.link", "99-default.link", "Z.link", "10-eth0.link", "a.link", "9-x.link"];
    expect([...names].sort(compareCodeUnits)).toEqual([
      "10-eth0.link",
      "9-x.link",
      "99-default.link",
      "Z.link",
      "a.link",
      "b.link",
    ]);
  });

  it("calls equal strings equal", () => {
    expect(compareCodeUnits("eth0", "eth0")).toBe(0);
  });
});
