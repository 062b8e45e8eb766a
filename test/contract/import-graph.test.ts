// The production code imports in one direction: no module reaches itself
// again through its imports, type-only ones included (a loop in types is a
// loop in the design, and the first step to one at run time).
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const sourceDirs = ["api", "common", "node-agent/src", "operator/src"];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "test" ? [] : sourceFiles(relative);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [relative] : [];
  });
}

/** Each file's relative imports, resolved to paths from the root. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const specifier = /(?:^|\n)\s*(?:import|export)\b[^"';]*?from\s*"(\.{1,2}\/[^"]+)"/g;
  return new Map(
    files.map((file) => {
      const text = readFileSync(path.join(root, file), "utf8");
      const targets = [...text.matchAll(specifier)].map((match) =>
        path.normalize(path.join(path.dirname(file), match[1] ?? "")),
      );
      return [file, targets];
    }),
  );
}

/** The first loop found, as the files along it, or undefined. */
export function findLoop(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (file: string): string[] | undefined => {
    const at = onPath.indexOf(file);
    if (at >= 0) return [...onPath.slice(at), file];
    if (done.has(file)) return undefined;
    onPath.push(file);
    for (const next of graph.get(file) ?? []) {
      const loop = visit(next);
      if (loop) return loop;
    }
    onPath.pop();
    done.add(file);
    return undefined;
  };
  for (const file of graph.keys()) {
    const loop = visit(file);
    if (loop) return loop;
  }
  return undefined;
}

describe("the import graph", () => {
  it("finds a loop when there is one", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
    ]);
    expect(findLoop(graph)).toEqual(["a.ts", "b.ts", "c.ts", "a.ts"]);
    expect(findLoop(new Map([["a.ts", ["b.ts"]]]))).toBeUndefined();
  });

  it("has no loop in the production code", () => {
    const files = sourceDirs.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(150);
    expect(findLoop(importGraph(files))).toBeUndefined();
  });

  it("has no import from one operator reconciler to another: they meet through the view", () => {
    const reconcilers = sourceFiles("operator/src").filter((f) => f.endsWith("reconciler.ts"));
    expect(reconcilers).toHaveLength(4);
    const graph = importGraph(reconcilers);
    const between = reconcilers.flatMap((file) =>
      (graph.get(file) ?? [])
        .filter((target) => reconcilers.includes(target))
        .map((t) => `${file} -> ${t}`),
    );
    expect(between).toEqual([]);
  });

  it("has no operator reconciler holding the work queue: work goes out as its return value", () => {
    const reconcilers = sourceFiles("operator/src").filter((f) => f.endsWith("reconciler.ts"));
    const holding = reconcilers.filter((file) =>
      /\bWorkQueue\b|\bqueue\.add|workqueue\.ts/.test(readFileSync(path.join(root, file), "utf8")),
    );
    expect(holding).toEqual([]);
  });
});
