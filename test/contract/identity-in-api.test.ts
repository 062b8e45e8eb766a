// The API's identity (group, kinds' plurals, finalizer, annotations, component
// names) is spelled once, in api/v1alpha1/identity.ts: the operator, the agent
// and common code name it through those constants.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".generated.ts"))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

// A quoted or templated group, or a plural as a string of its own.
const spelled = /nettune\.io|["'`](networktunings|nodenetworktunings)["'`]/;

describe("the API's identity is spelled only in api/", () => {
  it("no source file of the operator, the agent or common spells the group or a plural", async () => {
    const offending: string[] = [];
    for (const dir of ["operator/src", "node-agent/src", "common"])
      for (const file of await sources(dir)) {
        const lines = (await readFile(path.join(root, file), "utf8")).split("\n");
        lines.forEach((line, i) => {
          const code = line.replace(/\/\/.*$/, "").replace(/^\s*\*.*$/, "");
          if (spelled.test(code)) offending.push(`${file}:${i + 1}: ${line.trim()}`);
        });
      }
    expect(offending).toEqual([]);
  });
});
