// The storage migration's API calls over client-node (see storage-migration.ts).
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from "@kubernetes/client-node";
import { group, storageVersion } from "../../../api/v1alpha1/identity.ts";
import { statusOf } from "../cluster/api-calls.ts";
import type { MigrationClient, StoredObject } from "./storage-migration.ts";

const pageSize = 500;
const fieldManager = "nettune-migrate";

/** The migration's client: reads CRDs, lists and rewrites objects, sets storedVersions. */
export function migrationClient(config: KubeConfig): MigrationClient {
  const crds = config.makeApiClient(ApiextensionsV1Api);
  const custom = config.makeApiClient(CustomObjectsApi);
  return {
    async readCRD(name) {
      try {
        const crd = await crds.readCustomResourceDefinition({ name });
        const storage = crd.spec.versions.find((v) => v.storage)?.name;
        return { storage, storedVersions: crd.status?.storedVersions ?? [] };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
    async list(plural, continueToken) {
      const page = (await custom.listClusterCustomObject({
        group,
        version: storageVersion,
        plural,
        limit: pageSize,
        ...(continueToken ? { _continue: continueToken } : {}),
      })) as { items: StoredObject[]; metadata?: { _continue?: string } };
      return {
        items: page.items,
        continueToken: page.metadata?._continue || undefined,
      };
    },
    async replace(plural, object) {
      await custom.replaceClusterCustomObject({
        group,
        version: storageVersion,
        plural,
        name: object.metadata.name ?? "",
        body: object,
        fieldManager,
      });
    },
    async setStoredVersions(name, versions) {
      await crds.patchCustomResourceDefinitionStatus(
        { name, body: { status: { storedVersions: versions } }, fieldManager },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    },
    statusOf,
  };
}
