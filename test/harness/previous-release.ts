// The release before this one, as the upgrade tests install it: tag v0.1.0,
// named by its commit so that a clone without tags still finds it
// (test/fixtures/previous-release/README.md).
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

export const previousRelease = {
  tag: "v0.1.0",
  commit: "291dd28e1e87ea18af42e7676482b6e35ed2f65e",
  /** Its chart's appVersion: the tag of the image it runs. */
  version: "0.1.0",
};

const root = path.resolve(import.meta.dirname, "../..");

/** The previous release's chart, unpacked from git into a new directory; returns the chart's path. */
export async function previousChart(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "nettune-previous-"));
  await promisify(execFile)(
    "bash",
    ["-c", `git archive ${previousRelease.commit} charts/nettune | tar -x -C "${dir}"`],
    { cwd: root },
  );
  return path.join(dir, "charts/nettune");
}

/** The previous release's compiled operator and agent (dist/), built once per commit; returns its root. */
export async function previousBuild(): Promise<string> {
  const { stdout } = await promisify(execFile)(
    "bash",
    [path.join(root, "scripts/previous-dist.sh"), previousRelease.commit],
    { cwd: root, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout.trim().split("\n").at(-1) ?? "";
}
