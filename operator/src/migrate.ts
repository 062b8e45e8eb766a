// nettune-migrate: the chart's post-install and post-upgrade hook. Stores every
// NetworkTuning and NodeNetworkTuning in this release's storage version and
// sets the CRDs' storedVersions to it alone (see storage-migration.ts), so an
// older version can later be dropped from the CRDs. Safe to run again: a kind
// already migrated is left alone.
//   nettune-migrate
import { KubeConfig } from "@kubernetes/client-node";
import { storageVersion } from "../../api/v1alpha1/identity.ts";
import { runMain } from "../../common/process.ts";
import { migrationClient } from "./hooks/migration-client.ts";
import { MigrationRefused, migrateStorage } from "./hooks/storage-migration.ts";

async function main(): Promise<void> {
  const config = new KubeConfig();
  config.loadFromDefault();
  try {
    for (const kind of await migrateStorage(migrationClient(config)))
      console.log(
        kind.rewritten + kind.skipped === 0 && kind.storedVersionsBefore.join() === storageVersion
          ? `${kind.crd}: already stored in ${storageVersion} alone`
          : `${kind.crd}: ${kind.rewritten} objects stored in ${storageVersion} (${kind.skipped} written by others meanwhile); storedVersions was [${kind.storedVersionsBefore.join(", ")}], is [${storageVersion}]`,
      );
  } catch (error) {
    if (!(error instanceof MigrationRefused)) throw error;
    console.error(`nettune-migrate: ${error.message}`);
    process.exitCode = 1;
  }
}

runMain(main);
