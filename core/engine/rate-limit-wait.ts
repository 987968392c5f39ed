/**
 * How the legacy strategies meet Bybit's rate limits. The old bot read through ccxt with
 * ccxt's own throttle on, which spaced its reads; the bench turns ccxt's throttle off for
 * every strategy (DESIGN, "Known traps"), so naive and ttl, which read far above Bybit's
 * 50 reads/s per endpoint, get 10006 (and, over 600 requests per 5 s, an IP ban). Like
 * the old monitors after such an error, they wait until the reset the exchange gave and
 * ask again. Each refused request is a call made and is counted as one.
 */
import { sleep } from "../clock.ts";
import { ExchangeReadError } from "../exchange/failure.ts";

export const MAX_ATTEMPTS = 20;
/** When the exchange gives no reset time. */
export const FALLBACK_WAIT_MS = 250;

export async function waitingOutLimits<T>(read: () => Promise<T>, wallNow: () => number = Date.now): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const limited = error instanceof ExchangeReadError && (error.readKind === "rate-limited" || error.readKind === "ip-banned");
      if (!limited || attempt >= MAX_ATTEMPTS) throw error;
      const until = error.retryAt;
      await sleep(until === undefined ? FALLBACK_WAIT_MS : Math.min(10_000, Math.max(1, until - wallNow())));
    }
  }
}
