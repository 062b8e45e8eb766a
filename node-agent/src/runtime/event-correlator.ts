import type { AgentEvent } from "./agent-events.ts";

/**
 * The kubelet's Event hygiene, for one agent: a token bucket per object so a
 * flapping node cannot flood the API server, similar notes folded into one
 * combined Event, and a repeat of an Event already written counted on it
 * (events.k8s.io `series`) instead of written again.
 */
export interface CorrelatorLimits {
  /** Events an object may have at once before the bucket runs dry. */
  burst: number;
  /** One more Event per this many milliseconds, per object. */
  refillMs: number;
  /** Distinct notes of one reason, per object, before they are combined. */
  similar: number;
  /** How long a written Event takes repeats, and how long similar notes are counted. */
  windowMs: number;
  /** Events remembered for counting repeats; the oldest are forgotten first. */
  remembered: number;
}

/** client-go's defaults for the kubelet's recorder. */
export const kubeletLimits: CorrelatorLimits = {
  burst: 25,
  refillMs: 300_000,
  similar: 10,
  windowMs: 600_000,
  remembered: 4096,
};

/** What to send for one Event about one object. */
export type Correlated =
  | { send: "create"; note: string; key: string }
  | { send: "series"; name: string; count: number; key: string }
  | { send: "nothing" };

interface Written {
  name: string;
  count: number;
  at: number;
}

const combinedPrefix = "(combined from similar events): ";

export class EventCorrelator {
  private readonly now: () => Date;
  private readonly limits: CorrelatorLimits;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly similarNotes = new Map<string, { notes: Set<string>; since: number }>();
  // Insertion-ordered: re-inserting on use makes the first key the least recently used.
  private readonly written = new Map<string, Written>();

  constructor(now: () => Date, limits: CorrelatorLimits = kubeletLimits) {
    this.now = now;
    this.limits = limits;
  }

  /** What to send for `event` about the object `regarding` ("Node/n1"). */
  correlate(regarding: string, event: AgentEvent): Correlated {
    const at = this.now().getTime();
    if (!this.take(regarding, at)) return { send: "nothing" };
    const { note, sameAs } = this.combine(regarding, event, at);
    const key = [regarding, event.type, event.reason, event.action, sameAs].join("\u0000");
    const before = this.written.get(key);
    if (before && at - before.at < this.limits.windowMs) {
      this.remember(key, { ...before, count: before.count + 1 });
      return { send: "series", name: before.name, count: before.count + 1, key };
    }
    return { send: "create", note, key };
  }

  /** Records the name the API server has for a created Event, so repeats count on it. */
  created(key: string, name: string): void {
    this.remember(key, { name, count: 1, at: this.now().getTime() });
  }

  /** Forgets an Event the API server no longer has (expired): the next repeat creates anew. */
  forget(key: string): void {
    this.written.delete(key);
  }

  private take(regarding: string, at: number): boolean {
    const { burst, refillMs } = this.limits;
    const bucket = this.buckets.get(regarding) ?? { tokens: burst, at };
    const refilled = Math.floor((at - bucket.at) / refillMs);
    const tokens = Math.min(burst, bucket.tokens + refilled);
    const since = bucket.at + refilled * refillMs;
    if (tokens < 1) {
      this.buckets.set(regarding, { tokens, at: since });
      return false;
    }
    this.buckets.set(regarding, { tokens: tokens - 1, at: tokens === burst ? at : since });
    return true;
  }

  /**
   * The note to write and what makes a repeat: the event's own note, or once
   * similar notes pile up, one combined Event that every further one counts on
   * (events.k8s.io keeps a note as first written).
   */
  private combine(
    regarding: string,
    event: AgentEvent,
    at: number,
  ): { note: string; sameAs: string } {
    const key = [regarding, event.type, event.reason, event.action].join("\u0000");
    const seen = this.similarNotes.get(key);
    const current =
      seen && at - seen.since < this.limits.windowMs
        ? seen
        : { notes: new Set<string>(), since: at };
    current.notes.add(event.note);
    this.similarNotes.set(key, current);
    return current.notes.size >= this.limits.similar
      ? { note: `${combinedPrefix}${event.note}`, sameAs: combinedPrefix }
      : { note: event.note, sameAs: event.note };
  }

  private remember(key: string, written: Written): void {
    this.written.delete(key);
    this.written.set(key, written);
    if (this.written.size <= this.limits.remembered) return;
    const oldest = this.written.keys().next().value;
    if (oldest !== undefined) this.written.delete(oldest);
  }
}
