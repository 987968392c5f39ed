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

  /** A receiver's answer may echo the URL, whose path can be the secret (Slack-style): never repeated. */
  #withoutUrl(text: string): string {
    let out = text.split(this.#url).join("<webhook url>");
    try {
      const { pathname, search } = new URL(this.#url);
      if (pathname.length > 1) out = out.split(`${pathname}${search}`).join("<webhook path>").split(pathname).join("<webhook path>");
    } catch {
      // not a URL: the whole string was replaced above
    }
    return out;
  }

  async send(event: WardenEvent, text: string, signal: AbortSignal): Promise<SendResult> {
    try {
      const res = await this.#fetch(this.#url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...event, text }), signal });
      const body = this.#withoutUrl((await res.text()).trim());
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
