import { Component } from "../../../api/v1alpha1/identity.ts";
import { apiVersion } from "../../../api/v1alpha1/identity.ts";
import { microTime } from "../../../common/time.ts";
import type { Logger } from "../../../common/logger.ts";
import type { AgentEvent } from "./agent-events.ts";
import { EventCorrelator } from "./event-correlator.ts";
import { APIError, type EventClient, type EventReference } from "./kube.ts";
import type { AgentMetrics } from "./metrics.ts";

/** The controller name in every Event the agents write; the admission policy checks it. */
export const agentController = Component.NodeAgent;

// Events about cluster-scoped objects (a Node, a NodeNetworkTuning) live in "default", as the kubelet's do.
const eventNamespace = "default";

export interface EventRecorderDeps {
  client: EventClient;
  nodeName: string;
  now: () => Date;
  log: Logger;
  metrics: AgentMetrics;
  correlator?: EventCorrelator;
}

/**
 * Writes the agent's Events on its Node and on its NodeNetworkTuning, each
 * object with the other as `related`, so `kubectl describe` of either shows
 * them. Events are best effort, as the kubelet's are: a failed write is logged
 * and counted, and never fails the check that caused it.
 */
export class EventRecorder {
  private readonly deps: EventRecorderDeps;
  private readonly correlator: EventCorrelator;
  private sequence = 0;

  constructor(deps: EventRecorderDeps) {
    this.deps = deps;
    this.correlator = deps.correlator ?? new EventCorrelator(deps.now);
  }

  /**
   * Records `events` on the node and, while it exists, its NodeNetworkTuning
   * (`tuningUID` undefined once it is gone).
   */
  async record(events: AgentEvent[], tuningUID: string | undefined): Promise<void> {
    const node: EventReference = {
      apiVersion: "v1",
      kind: "Node",
      name: this.deps.nodeName,
      // The kubelet names its node by name in the uid field too; `kubectl describe node` searches both.
      uid: this.deps.nodeName,
    };
    const tuning: EventReference | undefined = tuningUID
      ? {
          apiVersion,
          kind: "NodeNetworkTuning",
          name: this.deps.nodeName,
          uid: tuningUID,
        }
      : undefined;
    for (const event of events) {
      await this.write(event, node, tuning);
      if (tuning) await this.write(event, tuning, node);
    }
  }

  private async write(
    event: AgentEvent,
    regarding: EventReference,
    related: EventReference | undefined,
  ): Promise<void> {
    const decision = this.correlator.correlate(`${regarding.kind}/${regarding.name}`, event);
    const { metrics, log } = this.deps;
    try {
      if (decision.send === "nothing") {
        metrics.events.inc({ result: "dropped" });
        return;
      }
      if (decision.send === "series") {
        const wrote = await this.countRepeat(decision.name, decision.count);
        if (wrote) {
          metrics.events.inc({ result: "counted" });
          return;
        }
        this.correlator.forget(decision.key);
      }
      const note = decision.send === "create" ? decision.note : event.note;
      const name = this.eventName(regarding.name);
      await this.deps.client.createEvent(eventNamespace, {
        apiVersion: "events.k8s.io/v1",
        kind: "Event",
        metadata: { name, namespace: eventNamespace },
        eventTime: microTime(this.deps.now()),
        reportingController: agentController,
        reportingInstance: `${agentController}/${this.deps.nodeName}`.slice(0, 128),
        action: event.action,
        reason: event.reason,
        type: event.type,
        note: note.slice(0, 1024),
        regarding,
        ...(related ? { related } : {}),
      });
      this.correlator.created(decision.key, name);
      metrics.events.inc({ result: "created" });
    } catch (error) {
      metrics.events.inc({ result: "failed" });
      log.warn(
        `could not record Event ${event.reason} on ${regarding.kind} ${regarding.name}`,
        error,
      );
    }
  }

  /** Counts a repeat on the Event written first; false when that Event has expired. */
  private async countRepeat(name: string, count: number): Promise<boolean> {
    try {
      await this.deps.client.patchEvent(eventNamespace, name, {
        series: { count, lastObservedTime: microTime(this.deps.now()) },
      });
      return true;
    } catch (error) {
      if (error instanceof APIError && error.code === 404) return false;
      throw error;
    }
  }

  /** The kubelet's naming: the object's name and a unique hexadecimal stamp. */
  private eventName(objectName: string): string {
    const stamp =
      BigInt(this.deps.now().getTime()) * 1_000_000n + BigInt(this.sequence++ % 1_000_000);
    return `${objectName}.${stamp.toString(16)}`;
  }
}
