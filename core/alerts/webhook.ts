/**
 * A webhook: the alert event as JSON, POSTed to a URL, with the phone-readable text beside it
 * in `text` (which chat services' incoming webhooks show as the message). Any 2xx is
 * delivered; 429 with `Retry-After` is honoured.
 */
import type { WardenEvent } from "../logs/event.ts";
import { isRetryableStatus, networkReason, retryAfterHeaderMs, type Channel, type FetchPort, type SendResult } from "./channel.ts";

export class WebhookChannel implements Channel {
  readonly name = "webhook" as const;
  readonly pace = { minGapMs: 0 };
  readonly #url: string;
  readonly #fetch: FetchPort;

  constructor(url: string, fetch: FetchPort) {
    this.#url = url;
    this.#fetch = fetch;
  }

  async send(event: WardenEvent, text: string, signal: AbortSignal): Promise<SendResult> {
    try {
      const res = await this.#fetch(this.#url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...event, text }), signal });
      const body = (await res.text()).trim();
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, answer: body.slice(0, 200) || `HTTP ${res.status}` };
      const retryAfterMs = retryAfterHeaderMs(res.headers.get("retry-after"));
      return {
        ok: false,
        status: res.status,
        reason: `HTTP ${res.status}${body !== "" ? `: ${body.slice(0, 200)}` : ""}`,
        retryable: isRetryableStatus(res.status),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    } catch (error) {
      return { ok: false, reason: networkReason(error, signal), retryable: true };
    }
  }
}
