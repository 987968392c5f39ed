/**
 * Telegram Bot API: `POST {apiBase}/bot{token}/sendMessage` with JSON `{ chat_id, text }`.
 * The answer is `{ ok: true, result: Message }` or `{ ok: false, error_code, description,
 * parameters?: { retry_after } }` (seconds to wait after flood control, with HTTP 429).
 * Limits (Bot FAQ): about one message per second in a chat, 20 per minute in a group.
 * The token is in the URL only: it is never part of a result, and a description that echoes
 * it is scrubbed here (the run's RedactingSink is the second guard).
 */
import type { WardenEvent } from "../logs/event.ts";
import { isRetryableStatus, networkReason, type Channel, type FetchPort, type PaceLimits, type SendResult } from "./channel.ts";

/** Telegram's text limit is 4096 characters. */
export const TELEGRAM_TEXT_MAX = 4096;

export interface TelegramOptions {
  readonly apiBase: string;
  readonly token: string;
  readonly chatId: string;
  readonly fetch: FetchPort;
}

interface BotAnswer {
  ok?: boolean;
  description?: string;
  error_code?: number;
  result?: { message_id?: number };
  parameters?: { retry_after?: number };
}

/** Groups and channels have negative ids (or an @username): 20 messages a minute there. */
export function telegramPace(chatId: string): PaceLimits {
  const group = chatId.startsWith("-") || chatId.startsWith("@");
  return group ? { minGapMs: 1_000, window: { count: 20, windowMs: 60_000 } } : { minGapMs: 1_000 };
}

export class TelegramChannel implements Channel {
  readonly name = "telegram" as const;
  readonly pace: PaceLimits;
  readonly #opts: TelegramOptions;

  constructor(opts: TelegramOptions) {
    this.#opts = opts;
    this.pace = telegramPace(opts.chatId);
  }

  async send(_event: WardenEvent, text: string, signal: AbortSignal): Promise<SendResult> {
    const { apiBase, token, chatId } = this.#opts;
    const url = `${apiBase.replace(/\/+$/, "")}/bot${token}/sendMessage`;
    const body = JSON.stringify({ chat_id: chatId, text: text.slice(0, TELEGRAM_TEXT_MAX) });
    let status: number;
    let raw: string;
    try {
      const res = await this.#opts.fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body, signal });
      status = res.status;
      raw = await res.text();
    } catch (error) {
      return { ok: false, reason: this.#scrub(networkReason(error, signal)), retryable: true };
    }
    let answer: BotAnswer = {};
    try {
      answer = JSON.parse(raw) as BotAnswer;
    } catch {
      // not the Bot API's JSON (a proxy's error page): judged by the status alone
    }
    if (status >= 200 && status < 300 && answer.ok === true) {
      return { ok: true, status, answer: `message ${answer.result?.message_id ?? "?"}` };
    }
    const code = answer.error_code ?? status;
    const description = this.#scrub(answer.description ?? (raw.slice(0, 200) || `HTTP ${status}`));
    const retryAfter = answer.parameters?.retry_after;
    return {
      ok: false,
      status,
      reason: `${code}: ${description}`,
      retryable: isRetryableStatus(status) || code === 429,
      ...(typeof retryAfter === "number" && retryAfter >= 0 ? { retryAfterMs: retryAfter * 1_000 } : {}),
    };
  }

  #scrub(text: string): string {
    const { token } = this.#opts;
    let out = text;
    for (const form of [token, encodeURIComponent(token)]) if (form !== "") out = out.split(form).join("[redacted]");
    return out;
  }
}
