/**
 * How reads retry: a small bounded exponential backoff for transient failures (10016, 5xx,
 * timeouts, network), one re-sync and retry for clock skew, and none at all for rate
 * limits, bans and auth failures (the engine backs off until the reset). Writes never
 * come through here. The sleep is injected so tests never wait.
 */
import { sleep as realSleep } from "../clock.ts";

export interface ReadRetryPolicy {
  /** Retries after the first attempt for transient failures. */
  readonly retries: number;
  /** Delay before retry i (0-based) is baseDelayMs * 2^i. */
  readonly baseDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_READ_RETRY: ReadRetryPolicy = { retries: 2, baseDelayMs: 200, sleep: (ms) => realSleep(ms) };

export function backoffMs(policy: ReadRetryPolicy, attempt: number): number {
  return policy.baseDelayMs * 2 ** attempt;
}
