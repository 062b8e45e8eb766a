// Writes crds/*.yaml (and the same schemas as api/v1alpha1/schemas.generated.ts)
// from the TypeScript API types; with --verify, fails when
// the committed files differ from what the types produce. The chart carries
// the same CRDs (Helm installs a chart's crds/ on first install).
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { renderAll } from "./render.ts";

const root = path.resolve(import.meta.dirname, "../..");

async function main(verify: boolean): Promise<number> {
  const { crds, schemas, validators } = renderAll(root);
  const rendered = [
    ...crds.flatMap((crd) => [crd, { ...crd, file: path.join("charts/nettune", crd.file) }]),
    schemas,
    validators,
  ];
  const stale: string[] = [];
  for (const { file, content } of rendered) {
    const target = path.join(root, file);
    if (!verify) {
      await writeFile(target, content);
      console.log(`wrote ${file}`);
      continue;
    }
    const current = await readFile(target, "utf8").catch(() => "");
    if (current !== content) stale.push(file);
  }
  if (stale.length > 0) {
    console.error(`stale generated files (run npm run generate): ${stale.join(", ")}`);
    return 1;
  }
  if (verify) console.log(`generated files are current (${rendered.length} checked)`);
  return 0;
}

process.exitCode = await main(process.argv.includes("--verify"));
