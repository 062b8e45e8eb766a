import type { HostInventory } from "../../../api/v1alpha1/inventory.ts";
import type { OwnerReference } from "../../../api/v1alpha1/meta.ts";
import { canonicalJSON } from "../../../common/canonical-json.ts";
import type { Logger } from "../../../common/logger.ts";
import type { InventoryClient } from "./inventory-client.ts";

export interface InventoryPublisherDeps {
  client: InventoryClient;
  nodeName: string;
  log: Logger;
  /** Counts each inventory write that reached the API server. */
  written(): void;
}

/**
 * Keeps the node's NodeNetworkInventory equal to what the agent found, written
 * only when that changes (docs/adr/0014): a check that finds the same hardware
 * sends nothing. An agent that starts sends one apply, which the API server
 * stores only if the object differs.
 */
export class InventoryPublisher {
  private readonly deps: InventoryPublisherDeps;
  /** The inventory last written, as canonical JSON. */
  private published: string | undefined;

  constructor(deps: InventoryPublisherDeps) {
    this.deps = deps;
  }

  /**
   * Writes the inventory when it differs from the last one written. `owners`
   * (the Node, as the NodeNetworkTuning names it) lets the garbage collector
   * remove the object with its node. A failure is logged and the next check
   * tries again: the inventory is for people, and the report must not wait on it.
   */
  async publish(inventory: HostInventory, owners: OwnerReference[] | undefined): Promise<void> {
    const status = hardwareFacts(inventory);
    const key = canonicalJSON(status);
    if (key === this.published) return;
    const { client, nodeName } = this.deps;
    try {
      if (!(await client.applyInventoryStatus(nodeName, status))) {
        await client.applyInventoryObject(nodeName, nodeOwners(owners));
        if (!(await client.applyInventoryStatus(nodeName, status)))
          throw new Error(`NodeNetworkInventory ${nodeName} was deleted as it was written`);
      }
      this.published = key;
      this.deps.written();
    } catch (error) {
      this.deps.log.warn("the node's inventory was not written; the next check tries again", error);
    }
  }
}

/** The inventory without the conntrack entry count, which changes all the time. */
function hardwareFacts(inventory: HostInventory): HostInventory {
  if (inventory.conntrack?.count === undefined) return inventory;
  const { count: _count, ...conntrack } = inventory.conntrack;
  return { ...inventory, conntrack };
}

/** Only the Node may own the object: the admission policy refuses any other owner. */
function nodeOwners(owners: OwnerReference[] | undefined): OwnerReference[] {
  return (owners ?? [])
    .filter((owner) => owner.kind === "Node" && owner.apiVersion === "v1")
    .map(({ apiVersion, kind, name, uid }) => ({ apiVersion, kind, name, uid }));
}
