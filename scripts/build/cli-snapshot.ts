// npm run build, last step: the CLI as a V8 startup snapshot (dist/cli.blob).
// rolldown bundles node-agent/src/cli-snapshot with its dependencies into one
// CommonJS file (a snapshot's entry may require built-in modules only), and
// `node --build-snapshot` runs it once. The blob belongs to the Node binary
// that built it: the image builds it again with its own Node.
//   node scripts/build/cli-snapshot.ts [dist]
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { build } from "rolldown";

/** Bundles `entry` (compiled or TypeScript) into DIR/cli-snapshot.cjs, and builds DIR/cli.blob from it. */
export async function buildCLISnapshot(entry: string, dir: string): Promise<string> {
  const bundle = path.join(dir, "cli-snapshot.cjs");
  const blob = path.join(dir, "cli.blob");
  await build({
    input: entry,
    platform: "node",
    logLevel: "warn",
    output: { file: bundle, format: "cjs", codeSplitting: false },
  });
  // Node warns that some built-in modules are not yet verified in snapshots; the CLI's
  // host test runs it from the blob.
  await promisify(execFile)(process.execPath, [
    "--no-warnings",
    "--snapshot-blob",
    blob,
    "--build-snapshot",
    bundle,
  ]);
  return blob;
}

if (import.meta.main) {
  const dist = path.resolve(process.argv[2] ?? "dist");
  await buildCLISnapshot(path.join(dist, "node-agent/src/cli-snapshot.js"), dist);
}
