// Property: whatever happens to a node (applies of any values, a kill at any
// host write, drift, corruption or removal of the state files, an unreadable
// boot id, a reboot), no original is ever lost. While the state can be read,
// every value that differs from the node's original has that original on
// record; when it cannot, the node refuses every write and says why; and a
// final revert on a readable state brings every value back.
//
// CI runs a fixed seed; NETTUNE_PROPERTY_RUNS=2000 (and NETTUNE_PROPERTY_SEED)
// run it longer, as README's Tests section says.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applySettings, type TargetIO } from "../src/engine/apply.ts";
import { OriginalsStore, StateError } from "../src/engine/originals.ts";
import { revertEntries } from "../src/engine/revert.ts";
import { targetKey, type Target } from "../src/model/targets.ts";

const targets: Target[] = ["somaxconn", "netdev_max_backlog", "netdev_budget", "rmem_max"].map(
  (name) => ({ kind: "proc", path: `sys/net/core/${name}` }),
);
const pristine = new Map(targets.map((target, i) => [targetKey(target), String(1000 + i)]));

/** Thrown by the host at the chosen write: the agent dies there. */
class Killed extends Error {}

/** The node's kernel values in memory; a kill can be armed for the n-th write. */
class Node implements TargetIO {
  values = new Map(pristine);
  killAt: number | undefined;
  writes = 0;

  read(target: Target): Promise<string | undefined> {
    return Promise.resolve(this.values.get(targetKey(target)));
  }
  write(target: Target, value: string): Promise<void> {
    this.writes++;
    if (this.killAt !== undefined && this.writes >= this.killAt) {
      this.killAt = undefined;
      return Promise.reject(new Killed("killed"));
    }
    this.values.set(targetKey(target), value);
    return Promise.resolve();
  }
  writeEthtool(): Promise<void> {
    return Promise.reject(new Error("no ethtool targets here"));
  }
}

type Corruption = "truncate" | "garbage" | "edit" | "remove" | "directory";
type Op =
  | { op: "apply"; values: string[]; killAt?: number }
  | { op: "drift"; target: number; value: string }
  | { op: "corrupt"; how: Corruption }
  | { op: "bootIdUnreadable" }
  | { op: "reboot"; tmpfs: boolean }
  | { op: "revert" };

const value = fc.integer({ min: 1, max: 9 }).map((n) => String(n * 1111));
const ops: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("apply" as const),
    values: fc.array(value, { minLength: 4, maxLength: 4 }),
    killAt: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  }),
  fc.record({ op: fc.constant("drift" as const), target: fc.nat(3), value }),
  fc.record({
    op: fc.constant("corrupt" as const),
    how: fc.constantFrom<Corruption>("truncate", "garbage", "edit", "remove", "directory"),
  }),
  fc.constant({ op: "bootIdUnreadable" as const }),
  fc.record({ op: fc.constant("reboot" as const), tmpfs: fc.boolean() }),
  fc.constant({ op: "revert" as const }),
);

/** The node, its run dir, and what the test knows that the agent must agree with. */
interface World {
  node: Node;
  runDir: string;
  bootId: string | undefined;
  boots: number;
  /** What each value would be had NetTune never touched it. */
  baseline: Map<string, string>;
  /** Set once the state was damaged: until a reboot clears the run dir, the node must refuse. */
  damaged: boolean;
  /** The targets on record in the last state the agent could read. */
  owned: Set<string>;
}

const stateFile = (world: World): string => path.join(world.runDir, "originals.json");

async function open(world: World): Promise<OriginalsStore> {
  return (await OriginalsStore.open(world.runDir, world.bootId)).store;
}

async function step(world: World, op: Op): Promise<void> {
  switch (op.op) {
    case "apply": {
      const store = await open(world);
      world.node.killAt = op.killAt === undefined ? undefined : world.node.writes + op.killAt;
      const planned = targets.map((target, i) => ({
        name: targetKey(target),
        target,
        desired: op.values[i] ?? "1111",
      }));
      const deps = { actuator: world.node, store, mode: "Enforce" as const, initialNetns: true };
      await applySettings(planned, deps).catch((error: unknown) => {
        if (!(error instanceof Killed)) throw error;
      });
      world.node.killAt = undefined;
      return;
    }
    case "revert": {
      const store = await open(world);
      await revertEntries(store.list(), { actuator: world.node, store });
      return;
    }
    case "drift":
      return drift(world, targets[op.target] ?? { kind: "proc", path: "" }, op.value);
    case "corrupt":
      world.damaged = await corrupt(stateFile(world), op.how);
      return;
    case "bootIdUnreadable":
      world.bootId = undefined;
      return;
    case "reboot":
      // The kernel comes back with its own values and a new boot id. On nodes the run dir
      // is a tmpfs and empties too; kept, it shows that a new boot id voids what it holds.
      world.node.values = new Map(pristine);
      world.baseline = new Map(pristine);
      world.bootId = `boot-${++world.boots}`;
      world.owned.clear();
      if (op.tmpfs) {
        await rm(world.runDir, { recursive: true, force: true });
        world.damaged = false;
      }
      return;
  }
}

/** Another program writes a value: what NetTune restores stays the original it recorded. */
function drift(world: World, target: Target, value: string): Promise<void> {
  const key = targetKey(target);
  if (!world.owned.has(key)) world.baseline.set(key, value);
  world.node.values.set(key, value);
  return Promise.resolve();
}

/** Damages the state file; false when there was nothing to damage. */
async function corrupt(file: string, how: Corruption): Promise<boolean> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  await rm(file, { recursive: true, force: true });
  // Removed, the current generation is missed only where the agent kept a previous one;
  // without one, nothing was ever recorded by the agent.
  if (how === "remove")
    return await readFile(path.join(path.dirname(file), "originals.previous.json"), "utf8").then(
      () => true,
      () => false,
    );
  if (how === "directory") {
    await mkdir(file, { recursive: true });
    return true;
  }
  const damaged =
    how === "truncate"
      ? (text ?? "{}").slice(0, Math.max(1, Math.floor((text ?? "{}").length / 2)))
      : how === "garbage" || text === undefined
        ? "\u0000\u0001garbage"
        : bumpedGeneration(text);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, damaged);
  return true;
}

/** The state with its generation changed by hand (its checksum no longer holds); garbage stays garbage. */
function bumpedGeneration(text: string): string {
  try {
    const state = JSON.parse(text) as { generation?: number };
    return JSON.stringify({ ...state, generation: (state.generation ?? 0) + 1 });
  } catch {
    return `${text}x`;
  }
}

/** Every value that is not its baseline has the baseline on record, and every record is one. */
function expectNothingLost(world: World, store: OriginalsStore): void {
  for (const target of targets) {
    const key = targetKey(target);
    if (world.node.values.get(key) !== world.baseline.get(key))
      expect([key, store.originalOf(target)]).toEqual([key, world.baseline.get(key)]);
  }
  for (const entry of store.list())
    expect([entry.key, entry.original]).toEqual([entry.key, world.baseline.get(entry.key)]);
}

const refusing = (world: World): boolean => world.damaged || world.bootId === undefined;

describe("the originals store under any sequence of events", () => {
  it("never loses an original: it keeps every one on record, or refuses and says why", async () => {
    const seed = Number(process.env.NETTUNE_PROPERTY_SEED ?? 20261206);
    const numRuns = Number(process.env.NETTUNE_PROPERTY_RUNS ?? 300);
    const root = await mkdtemp(path.join(tmpdir(), "nettune-property-"));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(ops, { maxLength: 10 }), async (sequence) => {
          const world: World = {
            node: new Node(),
            runDir: path.join(root, String(run++)),
            bootId: "boot-0",
            boots: 0,
            baseline: new Map(pristine),
            damaged: false,
            owned: new Set(),
          };
          for (const op of sequence) {
            const before = new Map(world.node.values);
            const refused = await step(world, op).then(
              () => false,
              (error: unknown) => {
                // The only way to fail is to refuse for a reason, and a refusal writes nothing.
                if (!(error instanceof StateError)) throw error;
                return true;
              },
            );
            if (refused) expect(world.node.values).toEqual(before);
            if (op.op === "apply" || op.op === "revert") expect(refused).toBe(refusing(world));
            if (refusing(world)) continue;
            const store = await open(world);
            expectNothingLost(world, store);
            world.owned = new Set(store.list().map((entry) => entry.key));
          }
          if (refusing(world)) return;
          // At the end, a readable state reverts every value the agent changed.
          const store = await open(world);
          await revertEntries(store.list(), { actuator: world.node, store });
          expect(world.node.values).toEqual(world.baseline);
        }),
        { seed, numRuns },
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 300_000);
});
