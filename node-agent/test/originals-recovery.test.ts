// A person's recovery from an originals file that cannot be trusted: the
// previous generation is read, and the untrusted file is set aside, not lost.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OriginalsStore, StateError } from "../src/engine/originals.ts";
import type { Target } from "../src/model/targets.ts";

const somaxconn: Target = { kind: "proc", path: "sys/net/core/somaxconn" };
let runDir: string;
beforeEach(async () => {
  runDir = await mkdtemp(path.join(tmpdir(), "nettune-recovery-"));
});
afterEach(async () => {
  await rm(runDir, { recursive: true, force: true });
});

describe("recovering from the previous generation", () => {
  it("reads the previous generation although the current one is garbage, and sets the current aside", async () => {
    const { store } = await OriginalsStore.open(runDir, "boot-1");
    await store.record([{ target: somaxconn, original: "4096" }]);
    await writeFile(path.join(runDir, "originals.json"), "{ garbage");
    await expect(OriginalsStore.open(runDir, "boot-1")).rejects.toBeInstanceOf(StateError);

    const recovered = await OriginalsStore.open(runDir, "boot-1", { generation: "previous" });
    expect(recovered.store.originalOf(somaxconn)).toBe("4096");
    const aside = (await readdir(runDir)).filter((name) =>
      name.startsWith("originals.json.untrusted."),
    );
    expect(aside).toHaveLength(1);
    expect(await readFile(path.join(runDir, aside[0] ?? ""), "utf8")).toBe("{ garbage");
  });
});
