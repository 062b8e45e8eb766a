// The image's nettune-agent wrapper starts Node with the flags the footprint
// bench measures the agent with.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { agentNodeFlags } from "../src/node-flags.ts";

const dockerfile = readFileSync(path.join(import.meta.dirname, "../../Dockerfile"), "utf8");

describe("the agent's Node flags", () => {
  it("are the ones the Dockerfile writes into nettune-agent", () => {
    const written = /\[ "\$name" = agent \] && run="([^"]*) \$run"/.exec(dockerfile)?.[1];
    expect(written?.trim().split(/\s+/)).toEqual([...agentNodeFlags]);
  });

  it("are all flags Node takes on its command line", () => {
    for (const flag of agentNodeFlags) expect(flag).toMatch(/^--[a-z][a-z-]*(=\S+)?$/);
  });
});
