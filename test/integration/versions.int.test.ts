// From v1alpha1 to v1beta1 on a real API server (docs/adr/0014): objects stored
// with the previous release's CRDs (v1alpha1 only), this release's CRDs applied
// over them, the stored objects migrated by nettune-migrate's code, and every
// field read back exactly under both versions. etcd is read directly to see in
// which version each object is stored.
import { KubeConfig } from "@kubernetes/client-node";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { hasFieldPath } from "../../api/helpers/field-path.ts";
import { kindSchemas, laterFields, type KindPlural } from "../../api/v1alpha1/schemas.generated.ts";
import type { JSONSchemaProps } from "../../api/generate/schema.ts";
import { migrationClient } from "../../operator/src/hooks/migration-client.ts";
import { MigrationRefused, migrateStorage } from "../../operator/src/hooks/storage-migration.ts";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.ts";
import { kubectl } from "../harness/kubectl.ts";
import {
  everyFieldNodeTuning,
  everyFieldTunings,
  laterNodeSpec,
  laterSpec,
  laterStatus,
} from "./fixtures/every-field.ts";

const root = path.resolve(import.meta.dirname, "../..");
const previousCRDs = path.join(root, "test/fixtures/previous-release/crds");
const alpha = "nettune.io/v1alpha1";

let controlPlane: ControlPlane;

async function run(args: string[], input?: string): Promise<string> {
  const result = await kubectl(controlPlane, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

type Stored = Record<string, unknown> & {
  metadata: Record<string, unknown>;
  spec?: unknown;
  status?: unknown;
};

const objects: { plural: KindPlural; name: string }[] = [
  { plural: "networktunings", name: "every-field" },
  { plural: "networktunings", name: "every-field-max" },
  { plural: "nodenetworktunings", name: "node-a" },
  { plural: "nodenetworktunings", name: "ratchet" },
];

const read = async (plural: KindPlural, name: string, version: string): Promise<Stored> =>
  JSON.parse(await run(["get", `${plural}.${version}.nettune.io`, name, "-o", "json"])) as Stored;

/** The apiVersion etcd holds the object in. */
async function storedAs(plural: KindPlural, name: string): Promise<string | undefined> {
  const bytes = await controlPlane.etcdValue(`/registry/nettune.io/${plural}/${name}`);
  return (JSON.parse(bytes ?? "{}") as { apiVersion?: string }).apiVersion;
}

async function storedVersions(plural: KindPlural): Promise<string[]> {
  const out = await run([
    "get",
    "crd",
    `${plural}.nettune.io`,
    "-o",
    "jsonpath={.status.storedVersions}",
  ]);
  return JSON.parse(out) as string[];
}

async function applyCRDs(dir: string): Promise<void> {
  await run(["apply", "--server-side", "--force-conflicts", "-f", dir]);
  await run(["wait", "--for=condition=Established", "--timeout=60s", "-f", dir]);
}

const patchStatus = (plural: KindPlural, name: string, version: string, status: unknown) =>
  kubectl(controlPlane, [
    "patch",
    `${plural}.${version}.nettune.io`,
    name,
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify({ status }),
  ]);

/** What a version's read must keep: everything but the apiVersion and the write's own marks. */
const kept = (object: Stored): unknown => {
  const { resourceVersion: _rv, managedFields: _mf, ...metadata } = object.metadata;
  return { kind: object.kind, metadata, spec: object.spec, status: object.status };
};

/** Schema fields that none of the values sets (metadata aside). */
function unset(schema: JSONSchemaProps, values: unknown[], at = ""): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, child]) => {
    if (at === "" && name === "metadata") return [];
    const here = at === "" ? name : `${at}.${name}`;
    const found = values.flatMap((v) =>
      typeof v === "object" && v !== null && name in v
        ? [(v as Record<string, unknown>)[name]]
        : [],
    );
    if (found.length === 0) return [here];
    if (!child.items) return unset(child, found, here);
    return unset(child.items, found.flat(), `${here}[]`);
  });
}

const clientConfig = (): KubeConfig => {
  const config = new KubeConfig();
  config.loadFromFile(controlPlane.kubeconfig);
  return config;
};

const before = new Map<string, Stored>();
const earlier = (plural: KindPlural, name: string): Stored => {
  const found = before.get(`${plural}/${name}`);
  if (!found) throw new Error(`${plural}/${name} was not read before the upgrade`);
  return found;
};

beforeAll(async () => {
  controlPlane = await startControlPlane({ binDir: path.dirname(inject("kubectlPath")) });
});

afterAll(async () => {
  await controlPlane.stop();
});

describe("from v1alpha1 to v1beta1 on a real API server", () => {
  it("the previous release's CRDs store tunings with every field under v1alpha1", async () => {
    await applyCRDs(previousCRDs);
    const [first, second] = everyFieldTunings(alpha);
    const node = everyFieldNodeTuning(alpha);
    // A reason this release's schema no longer admits, written while the old one did.
    const ratchet = {
      ...everyFieldNodeTuning(alpha),
      metadata: { name: "ratchet" },
      spec: { ...everyFieldNodeTuning(alpha).spec, conntrack: { max: 262144 } },
      status: { settings: [{ name: "conntrack.max", state: "Failed", reason: "write failed" }] },
    };
    for (const object of [first, second, node, ratchet]) {
      if (!object) throw new Error("fixture missing");
      const { status, ...created } = object;
      await run(["create", "-f", "-"], stringify(created));
      const plural = object.kind === "NetworkTuning" ? "networktunings" : "nodenetworktunings";
      if (status) {
        const patched = await patchStatus(plural, object.metadata.name ?? "", "v1alpha1", status);
        expect(patched.stderr).toBe("");
      }
    }
    for (const { plural, name } of objects) {
      before.set(`${plural}/${name}`, await read(plural, name, "v1alpha1"));
      expect(await storedAs(plural, name)).toBe(alpha);
    }
    expect(before.get("networktunings/every-field")).toMatchObject(first ?? {});
    expect(before.get("nodenetworktunings/node-a")).toMatchObject(node);
  });

  it("nettune-migrate refuses while the CRDs are older than the release, and changes nothing", async () => {
    const refused = migrateStorage(migrationClient(clientConfig()));
    await expect(refused).rejects.toBeInstanceOf(MigrationRefused);
    await expect(refused).rejects.toThrow(
      /networktunings\.nettune\.io stores v1alpha1, this release v1beta1: apply this release's CRDs first \(kubectl apply -f crds\/\)/,
    );
    expect(await storedVersions("networktunings")).toEqual(["v1alpha1"]);
  });

  it("this release's CRDs serve both versions and leave the objects stored as they were", async () => {
    await applyCRDs(path.join(root, "crds"));
    for (const { plural, name } of objects) {
      expect(await storedAs(plural, name)).toBe(alpha);
      expect(kept(await read(plural, name, "v1beta1"))).toEqual(kept(earlier(plural, name)));
    }
    expect(await storedVersions("networktunings")).toEqual(["v1alpha1", "v1beta1"]);
    expect(await storedVersions("nodenetworktunings")).toEqual(["v1alpha1", "v1beta1"]);
  });

  it("a reason stored before the pattern stays until it is changed, and a bad new one is refused", async () => {
    const refused = await patchStatus("nodenetworktunings", "ratchet", "v1beta1", {
      settings: [{ name: "conntrack.max", state: "Failed", reason: "still not camel case" }],
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/status\.settings\[0\]\.reason: Invalid value.*should match/);
    const untouched = await patchStatus("nodenetworktunings", "ratchet", "v1beta1", {
      observedGeneration: 2,
    });
    expect(untouched.stderr).toBe("");
  });

  it("nettune-migrate stores every object in v1beta1 and leaves v1beta1 alone in storedVersions", async () => {
    const generations = new Map<string, unknown>();
    for (const { plural, name } of objects)
      generations.set(
        `${plural}/${name}`,
        (await read(plural, name, "v1beta1")).metadata.generation,
      );
    const result = await migrateStorage(migrationClient(clientConfig()));
    expect(result.map((kind) => [kind.crd, kind.rewritten, kind.skipped])).toEqual([
      ["networktunings.nettune.io", 2, 0],
      ["nodenetworktunings.nettune.io", 2, 0],
    ]);
    for (const { plural, name } of objects) {
      expect(await storedAs(plural, name)).toBe("nettune.io/v1beta1");
      const after = await read(plural, name, "v1beta1");
      expect(after.metadata.generation).toEqual(generations.get(`${plural}/${name}`));
    }
    expect(await storedVersions("networktunings")).toEqual(["v1beta1"]);
    expect(await storedVersions("nodenetworktunings")).toEqual(["v1beta1"]);
  });

  it("reads every field back exactly under both versions", async () => {
    for (const { plural, name } of objects) {
      const old = earlier(plural, name);
      const expected = kept(old) as { status?: Record<string, unknown> };
      if (name === "ratchet") expected.status = { ...expected.status, observedGeneration: 2 };
      expect(kept(await read(plural, name, "v1alpha1"))).toEqual(expected);
      expect(kept(await read(plural, name, "v1beta1"))).toEqual(expected);
    }
  });

  it("the fields v1beta1 added are kept under v1beta1 and absent under v1alpha1", async () => {
    const written = [
      { plural: "networktunings", name: "every-field" },
      { plural: "nodenetworktunings", name: "node-a" },
    ] as const;
    for (const { plural, name } of written) {
      const spec = plural === "nodenetworktunings" ? { ...laterSpec, ...laterNodeSpec } : laterSpec;
      const patched = await patchStatus(plural, name, "v1beta1", laterStatus[plural]);
      expect(patched.stderr).toBe("");
      const specPatched = await kubectl(controlPlane, [
        "patch",
        `${plural}.v1beta1.nettune.io`,
        name,
        "--type=merge",
        "-p",
        JSON.stringify({ spec }),
      ]);
      expect(specPatched.stderr).toBe("");
      const beta = await read(plural, name, "v1beta1");
      expect(beta.status).toMatchObject(laterStatus[plural]);
      expect(beta.spec).toMatchObject(spec);
      const old = await read(plural, name, "v1alpha1");
      for (const field of laterFields[plural].v1alpha1 ?? []) {
        expect(hasFieldPath(beta, field), `${field} under v1beta1`).toBe(true);
        expect(hasFieldPath(old, field), `${field} under v1alpha1`).toBe(false);
      }
      // A field v1alpha1 does not serve changes the spec, and so the generation, under both.
      const before = kept(earlier(plural, name)) as { metadata: Record<string, unknown> };
      expect(kept(old)).toEqual({
        ...before,
        metadata: { ...before.metadata, generation: Number(before.metadata.generation) + 1 },
      });
    }
    // Between them, the objects set every field the storage version has.
    for (const plural of ["networktunings", "nodenetworktunings"] as const) {
      const all = await Promise.all(
        objects.filter((o) => o.plural === plural).map((o) => read(plural, o.name, "v1beta1")),
      );
      expect(unset(kindSchemas[plural], all)).toEqual([]);
    }
  });

  it("a second run finds every kind migrated and writes nothing", async () => {
    const result = await migrateStorage(migrationClient(clientConfig()));
    expect(result.map((kind) => kind.rewritten + kind.skipped)).toEqual([0, 0]);
  });
});
