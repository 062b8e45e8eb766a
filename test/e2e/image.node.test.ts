// What the image built from the Dockerfile holds, read from its root
// filesystem in buildah's storage (the node tier built it): the five programs,
// and nothing to install packages with or gain privileges through.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

/** Runs `script` with the image's root filesystem mounted at $m. */
async function inImage(script: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    "bash",
    [
      "-c",
      `set -euo pipefail
source scripts/image/lib.sh
version=$(awk '$1 == "appVersion:" {gsub(/"/, "", $2); print $2}' charts/nettune/Chart.yaml)
c=$(bah from --pull=never "ghcr.io/nettune/nettune:$version")
trap 'bah umount "$c" >/dev/null; bah rm "$c" >/dev/null' EXIT
m=$(bah mount "$c")
${script}`,
    ],
    { cwd: root, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

describe("the image", () => {
  it("holds the five programs, no npm, npx or corepack, and no setuid or setgid file", async () => {
    const listing = await inImage(
      `ls "$m/usr/local/bin"; echo ---; find "$m" -xdev -type f -perm /6000 -printf '%P\\n'; echo ---; ls "$m/usr/local/lib/node_modules" 2>/dev/null || true`,
    );
    const [programs = "", privileged = "", globalModules = ""] = listing.split("---\n");
    expect(programs.trim().split("\n").sort()).toEqual([
      "nettune-agent",
      "nettune-agent-cli",
      "nettune-migrate",
      "nettune-operator",
      "nettune-uninstall",
      "node",
    ]);
    expect(privileged.trim()).toBe("");
    expect(globalModules.trim()).toBe("");
  });
});
