/**
 * An alert channel: one destination (a Telegram chat, a webhook) behind the small HTTP port
 * it needs. A channel makes one attempt and says what came back; retries, pacing and queues
 * are the delivery's (alert-sink.ts). Nothing here prints or throws for a failed delivery:
 * the answer is data.
 */
import type { WardenEvent } from "../logs/event.ts";

/** The part of `fetch` a channel uses: the global `fetch` of Bun and Deno fits it, as does a test's stand-in. */
export type FetchPort = (
  url: string,
  init: { method: "POST"; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;

export type SendResult =
  | { readonly ok: true; readonly status: number; readonly answer: string }
  | {
      readonly ok: false;
      /** HTTP status, absent when no answer came (network error, timeout). */
      readonly status?: number;
      readonly reason: string;
      /** Worth trying again: network errors, timeouts, 5xx, 429 (and 408, 425). */
      readonly retryable: boolean;
      /** The wait the receiver asked for (Telegram's `retry_after`, a `Retry-After` header), ms. */
      readonly retryAfterMs?: number;
    };

/** How often a channel may send: a minimum gap between messages, and at most `count` per `windowMs`. */
export interface PaceLimits {
  readonly minGapMs: number;
  readonly window?: { readonly count: number; readonly windowMs: number };
}

export interface Channel {
  readonly name: "telegram" | "webhook";
  readonly pace: PaceLimits;
  send(event: WardenEvent, text: string, signal: AbortSignal): Promise<SendResult>;
}

/** ofetch's policy, as data: statuses worth a retry. Other 4xx mean the request itself is wrong. */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status) || status >= 500;
}

/** A `Retry-After` header in seconds (the HTTP-date form is not used by the receivers Warden talks to). */
export function retryAfterHeaderMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value.trim());
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1_000 : undefined;
}

/**
 * What a thrown fetch error says, in one line: its name and message, with any URL in it
 * replaced (Deno's errors name the URL, which holds the bot token or a webhook's secret).
 */
export function networkReason(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return signal.reason instanceof Error && signal.reason.name === "TimeoutError" ? "no answer in time" : "aborted";
  const text = error instanceof Error ? `${error.name}: ${error.message.split("\n")[0] ?? ""}` : String(error);
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s)"']+/gi, "[url]");
}
