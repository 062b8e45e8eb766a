import { ApiException } from "@kubernetes/client-node";

/** A failed API call: its verb, and the HTTP status the API server answered (0 when none did). */
export class APICallError extends Error {
  override name = "APICallError";
  readonly verb: string;
  readonly status: number;

  constructor(verb: string, status: number, cause: unknown) {
    super(`${verb} failed${status > 0 ? ` (HTTP ${status})` : ""}`, { cause });
    this.verb = verb;
    this.status = status;
  }
}

/** The HTTP status of a failed call; 0 for an error that never reached the API server. */
export function statusOf(error: unknown): number {
  if (error instanceof APICallError) return error.status;
  if (error instanceof ApiException) return error.code;
  return 0;
}

/** What the API server said about a failed call (its Status message), for people. */
export function apiServerWords(error: unknown): string {
  const cause = error instanceof APICallError ? error.cause : error;
  if (cause instanceof ApiException) {
    const body: unknown = cause.body;
    try {
      const status = (typeof body === "string" ? JSON.parse(body) : body) as { message?: unknown };
      if (typeof status.message === "string") return status.message.slice(0, 512);
    } catch {
      // Not a Status object: fall through to the error's own message.
    }
  }
  return error instanceof Error ? error.message : String(error);
}

/** A write that lost to another (its resourceVersion was stale) or a create of what exists. */
export const isConflict = (error: unknown): boolean => statusOf(error) === 409;

/**
 * The one way the operator calls the API server: every failure is counted by
 * verb and status (nettune_operator_api_errors_total), and thrown as an
 * APICallError that keeps the status, so callers branch on it, never on text.
 */
export class APICalls {
  private readonly onError: (verb: string, status: number) => void;

  constructor(onError: (verb: string, status: number) => void) {
    this.onError = onError;
  }

  async call<T>(verb: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const status = statusOf(error);
      this.onError(verb, status);
      throw new APICallError(verb, status, error);
    }
  }

  /** A read where absence is an answer: undefined for a 404, which is not counted. */
  async find<T>(verb: string, request: () => Promise<T>): Promise<T | undefined> {
    try {
      return await request();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      const status = statusOf(error);
      this.onError(verb, status);
      throw new APICallError(verb, status, error);
    }
  }
}
