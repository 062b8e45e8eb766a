import { describe, expect, it } from "vitest";
import { canonicalJSON } from "../canonical-json.ts";

describe("canonical JSON", () => {
  it.each([
    {
      sentence: "key order does not matter, at any depth",
      a: { b: 1, a: { d: 2, c: 3 } },
      b: { a: { c: 3, d: 2 }, b: 1 },
      same: true,
    },
    {
      sentence: "an undefined field is as good as a missing one",
      a: { a: 1, b: undefined },
      b: { a: 1 },
      same: true,
    },
    { sentence: "array order matters", a: { list: [1, 2] }, b: { list: [2, 1] }, same: false },
    {
      sentence: "objects inside arrays are sorted too",
      a: [{ y: 1, x: 2 }],
      b: [{ x: 2, y: 1 }],
      same: true,
    },
    { sentence: "different values differ", a: { a: "1" }, b: { a: 1 }, same: false },
  ])("$sentence", ({ a, b, same }) => {
    expect(canonicalJSON(a) === canonicalJSON(b)).toBe(same);
  });

  it("orders keys by code units, whatever the locale (capitals before small letters)", () => {
    expect(canonicalJSON({ b: 1, a: 2, B: 3, "a-b": 6, ab: 7, Z: 8 })).toBe(
      '{"B":3,"Z":8,"a":2,"a-b":6,"ab":7,"b":1}',
    );
  });
});
