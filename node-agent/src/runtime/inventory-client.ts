import { apiVersion, collectionPath, Kind, Plural } from "../../../api/v1alpha1/identity.ts";
import type { HostInventory } from "../../../api/v1alpha1/inventory.ts";
import type { OwnerReference } from "../../../api/v1alpha1/meta.ts";

/** The agent's writes of its NodeNetworkInventory, by server-side apply (docs/adr/0014). */
export interface InventoryClient {
  /** Applies the object's status; false when the object does not exist yet. */
  applyInventoryStatus(name: string, inventory: HostInventory): Promise<boolean>;
  /** Creates the object, or takes it over, owned by what the agent names (its Node). */
  applyInventoryObject(name: string, owners: OwnerReference[]): Promise<void>;
}

/** One request to the API server; throws an error with the HTTP status as `code` on a non-2xx answer. */
export type Send = (
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
) => Promise<unknown>;

const applyPatch = "application/apply-patch+yaml";
// force: the agent is the object's only writer; a field another manager claims
// (a user's kubectl edit) goes back to what the node has.
const applyQuery = "fieldManager=nettune-agent&force=true";

export function inventoryRequests(
  send: Send,
  isNotFound: (error: unknown) => boolean,
): InventoryClient {
  const objectPath = (name: string): string =>
    `${collectionPath(Plural.NodeNetworkInventory)}/${encodeURIComponent(name)}`;
  const identity = (name: string, extra: object = {}): object => ({
    apiVersion,
    kind: Kind.NodeNetworkInventory,
    metadata: { name, ...extra },
  });
  return {
    async applyInventoryStatus(name, inventory) {
      try {
        await send(
          "PATCH",
          `${objectPath(name)}/status?${applyQuery}`,
          { ...identity(name), status: inventory },
          applyPatch,
        );
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
    async applyInventoryObject(name, owners) {
      const metadata = owners.length > 0 ? { ownerReferences: owners } : {};
      await send(
        "PATCH",
        `${objectPath(name)}?${applyQuery}`,
        identity(name, metadata),
        applyPatch,
      );
    },
  };
}
