import { describe, expect, it } from "vitest";
import { holdsRendered } from "../src/cluster/rendered-content.ts";

describe("whether a stored object holds what was rendered", () => {
  const rendered = {
    spec: {
      maxUnavailable: "10%",
      containers: [{ name: "a", image: "x:1", ports: [{ containerPort: 9464 }] }],
    },
  };
  const cases: { sentence: string; stored: unknown; holds: boolean }[] = [
    { sentence: "the same object holds it", stored: structuredClone(rendered), holds: true },
    {
      sentence: "defaults the API server added do not count",
      stored: {
        spec: {
          maxUnavailable: "10%",
          revisionHistoryLimit: 10,
          containers: [
            {
              name: "a",
              image: "x:1",
              terminationMessagePath: "/dev/termination-log",
              ports: [{ containerPort: 9464, protocol: "TCP" }],
            },
          ],
        },
        status: { numberReady: 1 },
      },
      holds: true,
    },
    {
      sentence: "an edited value does not hold it",
      stored: { spec: { ...rendered.spec, maxUnavailable: "100%" } },
      holds: false,
    },
    {
      sentence: "a removed field does not hold it",
      stored: { spec: { containers: rendered.spec.containers } },
      holds: false,
    },
    {
      sentence: "an added list item does not hold it",
      stored: {
        spec: { ...rendered.spec, containers: [...rendered.spec.containers, { name: "b" }] },
      },
      holds: false,
    },
    {
      sentence: "a number where a string was rendered does not hold it",
      stored: { spec: { ...rendered.spec, maxUnavailable: 10 } },
      holds: false,
    },
    {
      sentence: "an object where a list was rendered does not hold it",
      stored: { spec: { ...rendered.spec, containers: { 0: rendered.spec.containers[0] } } },
      holds: false,
    },
  ];
  it.each(cases)("$sentence", ({ stored, holds }) => {
    expect(holdsRendered(stored, rendered)).toBe(holds);
  });
});
