import { describe, expect, it } from "vitest";
import {
  MigrationRefused,
  migrateStorage,
  type MigrationClient,
  type StoredObject,
} from "../src/hooks/storage-migration.ts";

class HTTPError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`HTTP ${status}`);
    this.status = status;
  }
}

interface FakeOptions {
  storage?: string;
  storedVersions?: string[];
  /** Per object name, the status its rewrite answers with. */
  failures?: Record<string, number>;
  missingCRD?: boolean;
}

function fakeClient(options: FakeOptions = {}) {
  const replaced: string[] = [];
  const stored: Record<string, string[]> = {};
  const pages: StoredObject[][] = [
    [{ metadata: { name: "a" } }, { metadata: { name: "b" } }],
    [{ metadata: { name: "c" } }],
  ];
  const client: MigrationClient = {
    readCRD: () =>
      Promise.resolve(
        options.missingCRD
          ? undefined
          : {
              storage: options.storage ?? "v1beta1",
              storedVersions: options.storedVersions ?? ["v1alpha1", "v1beta1"],
            },
      ),
    list: (_plural, token) => {
      const index = token === undefined ? 0 : Number(token);
      return Promise.resolve({
        items: pages[index] ?? [],
        continueToken: index + 1 < pages.length ? String(index + 1) : undefined,
      });
    },
    replace: (plural, object) => {
      const status = options.failures?.[object.metadata.name ?? ""];
      if (status !== undefined) return Promise.reject(new HTTPError(status));
      replaced.push(`${plural}/${object.metadata.name ?? ""}`);
      return Promise.resolve();
    },
    setStoredVersions: (name, versions) => {
      stored[name] = versions;
      return Promise.resolve();
    },
    statusOf: (error) => (error instanceof HTTPError ? error.status : 0),
  };
  return { client, replaced, stored };
}

describe("moving stored objects to the storage version", () => {
  it("rewrites every object of every page of both kinds, then names the storage version alone", async () => {
    const { client, replaced, stored } = fakeClient();
    const result = await migrateStorage(client);
    expect(replaced).toHaveLength(6);
    expect(replaced.slice(0, 3)).toEqual([
      "networktunings/a",
      "networktunings/b",
      "networktunings/c",
    ]);
    expect(result.map((r) => [r.crd, r.rewritten, r.skipped])).toEqual([
      ["networktunings.nettune.io", 3, 0],
      ["nodenetworktunings.nettune.io", 3, 0],
    ]);
    expect(stored).toEqual({
      "networktunings.nettune.io": ["v1beta1"],
      "nodenetworktunings.nettune.io": ["v1beta1"],
    });
  });

  it.each([
    ["written by someone since the list", 409],
    ["deleted since the list", 404],
  ])("an object %s counts as skipped: that write stored it anew", async (_sentence, status) => {
    const { client, stored } = fakeClient({ failures: { b: status } });
    const result = await migrateStorage(client);
    expect(result[0]).toMatchObject({ rewritten: 2, skipped: 1 });
    expect(stored["networktunings.nettune.io"]).toEqual(["v1beta1"]);
  });

  it("any other failure stops the migration before storedVersions changes", async () => {
    const { client, stored } = fakeClient({ failures: { b: 500 } });
    await expect(migrateStorage(client)).rejects.toThrow("HTTP 500");
    expect(stored).toEqual({});
  });

  it("a kind already stored in the storage version alone is left alone", async () => {
    const { client, replaced } = fakeClient({ storedVersions: ["v1beta1"] });
    const result = await migrateStorage(client);
    expect(replaced).toEqual([]);
    expect(result.map((r) => r.rewritten)).toEqual([0, 0]);
  });

  it.each([
    [
      "CRDs older than the release",
      { storage: "v1alpha1" },
      /stores v1alpha1, this release v1beta1: apply this release's CRDs first/,
    ],
    [
      "no CRDs at all",
      { missingCRD: true },
      /networktunings\.nettune\.io is not installed: kubectl apply -f crds\//,
    ],
  ])("refuses with %s, naming what to do", async (_sentence, options, says) => {
    const { client, replaced } = fakeClient(options);
    const refused = migrateStorage(client);
    await expect(refused).rejects.toBeInstanceOf(MigrationRefused);
    await expect(refused).rejects.toThrow(says);
    expect(replaced).toEqual([]);
  });
});
