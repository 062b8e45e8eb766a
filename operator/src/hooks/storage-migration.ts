// Moves every stored NetTune object to the storage version (docs/adr/0014).
// The API server stores an object in the version it was written in; after a
// CRD update that changes the storage version, objects nobody wrote since stay
// encoded in the old one, and the old version cannot leave the CRD while any
// is. An unchanged update re-encodes an object: its bytes in etcd differ (the
// stored apiVersion), so the write is stored, as kube-storage-version-migrator
// does. Then storedVersions can say the storage version alone.
import { group, Plural, storageVersion, type PluralName } from "../../../api/v1alpha1/identity.ts";

/** What the migration needs from the API server; each call throws on a non-2xx answer. */
export interface MigrationClient {
  /** The CRD's storage version and status.storedVersions; undefined when there is no such CRD. */
  readCRD(
    name: string,
  ): Promise<{ storage: string | undefined; storedVersions: string[] } | undefined>;
  /** One page of a kind's objects, in the storage version. */
  list(
    plural: PluralName,
    continueToken: string | undefined,
  ): Promise<{ items: StoredObject[]; continueToken: string | undefined }>;
  /** Writes the object back as it was read (an update guarded by its resourceVersion). */
  replace(plural: PluralName, object: StoredObject): Promise<void>;
  setStoredVersions(name: string, versions: string[]): Promise<void>;
  /** The HTTP status of an error the client threw, 0 when it has none. */
  statusOf(error: unknown): number;
}

export interface StoredObject {
  metadata: { name?: string; resourceVersion?: string };
}

/** An expected reason the migration cannot run, in words for the person upgrading. */
export class MigrationRefused extends Error {
  override name = "MigrationRefused";
}

export interface KindMigration {
  crd: string;
  /** Objects written back; 0 when storedVersions already named the storage version alone. */
  rewritten: number;
  /** Objects changed or deleted by someone else meanwhile: that write stored them anew. */
  skipped: number;
  storedVersionsBefore: string[];
}

export const migratedKinds: PluralName[] = [Plural.NetworkTuning, Plural.NodeNetworkTuning];

/** Rewrites each kind's objects, then sets its storedVersions to [storageVersion]. */
export async function migrateStorage(client: MigrationClient): Promise<KindMigration[]> {
  const results: KindMigration[] = [];
  for (const plural of migratedKinds) results.push(await migrateKind(client, plural));
  return results;
}

async function migrateKind(client: MigrationClient, plural: PluralName): Promise<KindMigration> {
  const crd = `${plural}.${group}`;
  const found = await client.readCRD(crd);
  if (!found) throw new MigrationRefused(`${crd} is not installed: kubectl apply -f crds/`);
  if (found.storage !== storageVersion)
    throw new MigrationRefused(
      `${crd} stores ${found.storage ?? "no version"}, this release ${storageVersion}: apply this release's CRDs first (kubectl apply -f crds/)`,
    );
  const result = { crd, rewritten: 0, skipped: 0, storedVersionsBefore: found.storedVersions };
  if (found.storedVersions.length === 1 && found.storedVersions[0] === storageVersion)
    return result;
  let token: string | undefined;
  do {
    const page = await client.list(plural, token);
    for (const object of page.items) {
      if (await rewrite(client, plural, object)) result.rewritten++;
      else result.skipped++;
    }
    token = page.continueToken;
  } while (token !== undefined);
  await client.setStoredVersions(crd, [storageVersion]);
  return result;
}

/** Writes the object back; false when someone changed or deleted it since the list. */
async function rewrite(
  client: MigrationClient,
  plural: PluralName,
  object: StoredObject,
): Promise<boolean> {
  try {
    await client.replace(plural, object);
    return true;
  } catch (error) {
    // 409: written since the list; 404: deleted since. Either way it is no longer old.
    const status = client.statusOf(error);
    if (status !== 409 && status !== 404) throw error;
    return false;
  }
}
