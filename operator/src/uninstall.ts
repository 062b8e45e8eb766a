// nettune-uninstall: the chart's pre-delete hook. Deletes every NetworkTuning,
// then waits until all are gone: each one's finalizer is released only after
// the agents on the nodes it touched restored their original values, so when
// this ends, no node keeps a value NetTune set and no finalizer is left. The
// nodes' inventories go last: they hold no value to restore.
//   nettune-uninstall [--timeout-seconds 300] [--poll-seconds 2]
import { group, Plural, storageVersion } from "../../api/v1alpha1/identity.ts";
import { findCondition } from "../../api/v1alpha1/contract.ts";
import { ApiException, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { NetworkTuning } from "../../api/v1alpha1/network-tuning.ts";
import { runMain } from "../../common/process.ts";
import { TuningConditionType } from "../../api/v1alpha1/reasons.ts";

const version = storageVersion;
const plural = Plural.NetworkTuning;

function seconds(flag: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    console.error(`nettune-uninstall: --${flag}: ${value} is not a positive integer`);
    process.exit(2);
  }
  return parsed;
}

/** Why a tuning still waits, from its own status: the nodes that have not reported. */
function waitingFor(tuning: NetworkTuning): string {
  const ready = findCondition(tuning.status, TuningConditionType.Ready);
  return `${tuning.metadata.name ?? "?"} (${tuning.status?.nodes ?? "?"} nodes; ${ready?.message ?? "no status"})`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      "timeout-seconds": { type: "string", default: "300" },
      "poll-seconds": { type: "string", default: "2" },
    },
  });
  const timeout = seconds("timeout-seconds", values["timeout-seconds"]);
  const poll = seconds("poll-seconds", values["poll-seconds"]);
  const config = new KubeConfig();
  config.loadFromDefault();
  const api = config.makeApiClient(CustomObjectsApi);
  const list = async (): Promise<NetworkTuning[]> =>
    ((await api.listClusterCustomObject({ group, version, plural })) as { items: NetworkTuning[] })
      .items;

  const tunings = await list();
  console.log(`deleting ${tunings.length} NetworkTuning(s); nodes restore their original values`);
  for (const tuning of tunings) {
    const name = tuning.metadata.name ?? "";
    if (!tuning.metadata.deletionTimestamp)
      await api.deleteClusterCustomObject({ group, version, plural, name });
    console.log(`deleted ${name}`);
  }
  const deadline = Date.now() + timeout * 1000;
  for (;;) {
    const left = await list();
    if (left.length === 0) break;
    if (Date.now() > deadline) {
      console.error(
        `nettune-uninstall: after ${timeout} s these tunings still wait for their nodes to restore ` +
          `their values: ${left.map(waitingFor).join("; ")}. Bring those nodes' agents back, or ` +
          `run helm uninstall --no-hooks to leave the values and finalizers as they are.`,
      );
      process.exit(1);
    }
    await sleep(poll * 1000);
  }
  console.log("every node restored its original values; no NetworkTuning is left");
  await deleteInventories(api);
}

/** Deletes every NodeNetworkInventory; none to delete (or no such kind, CRDs older than the chart) is fine. */
async function deleteInventories(api: CustomObjectsApi): Promise<void> {
  try {
    await api.deleteCollectionClusterCustomObject({
      group,
      version,
      plural: Plural.NodeNetworkInventory,
    });
    console.log("deleted the nodes' NodeNetworkInventories");
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 404)) throw error;
  }
}

runMain(main);
