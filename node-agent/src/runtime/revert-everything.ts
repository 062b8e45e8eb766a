import type { SettingResult } from "../../../api/v1alpha1/node-network-tuning.ts";
import { AgentEventAction, AgentEventReason } from "../../../api/v1alpha1/reasons.ts";
import type { Logger } from "../../../common/logger.ts";
import { StateError } from "../engine/state-error.ts";
import { revertedEvent, revertFailedEvent, type AgentEvent } from "./agent-events.ts";

export interface RevertDeps {
  nodeName: string;
  log: Logger;
  revertAll(): Promise<SettingResult[]>;
  events: { record(events: AgentEvent[], tuningUID: string | undefined): Promise<void> };
}

/**
 * Restores every recorded original. Those that could not be restored stay
 * recorded; the check is retried with backoff until they are back.
 */
export async function revertEverything(deps: RevertDeps): Promise<void> {
  let reverted: SettingResult[];
  try {
    reverted = await deps.revertAll();
  } catch (error) {
    if (error instanceof StateError)
      await deps.events.record(
        [
          {
            type: "Warning",
            reason: AgentEventReason.StateUntrusted,
            action: AgentEventAction.Revert,
            note: error.message,
          },
        ],
        undefined,
      );
    throw error;
  }
  if (reverted.length > 0)
    deps.log.info(
      `restored ${reverted.length} settings: no NodeNetworkTuning for ${deps.nodeName}`,
    );
  const events = [
    revertedEvent(reverted, "as no NetworkTuning selects this node any more"),
    revertFailedEvent(reverted),
  ].flatMap((event) => event ?? []);
  if (events.length > 0) await deps.events.record(events, undefined);
  const failed = reverted.filter((r) => r.state === "Failed").length;
  if (failed > 0) throw new Error(`${failed} recorded originals could not be restored`);
}
