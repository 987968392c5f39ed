/**
 * Bybit's rate limits, kept as data, counted in REAL wall-clock windows (the latency the
 * simulator models is real waiting too, so a client's request rate is a real rate).
 *
 * Source: Bybit v5 docs, "Rate Limit" (https://bybit-exchange.github.io/docs/v5/rate-limit),
 * the per-UID table for the default (non-VIP) tier, and "IP Limit": 600 requests per 5 s per
 * IP for HTTP, answered with HTTP 403 "access too frequent". Public market endpoints are only
 * under the IP limit.
 *
 * Windows are fixed: a window opens at the first request and lasts `windowMs`; the
 * `X-Bapi-Limit-Reset-Timestamp` header says when it ends.
 */

export interface EndpointLimit {
  /** Requests allowed per window, per account. */
  readonly limit: number;
  readonly windowMs: number;
}

const perSecond = (limit: number): EndpointLimit => ({ limit, windowMs: 1_000 });

/** Per account (UID), per endpoint. */
export const ENDPOINT_LIMITS: Readonly<Record<string, EndpointLimit>> = {
  "/v5/order/create": perSecond(10),
  "/v5/order/amend": perSecond(10),
  "/v5/order/cancel": perSecond(10),
  "/v5/order/cancel-all": perSecond(10),
  "/v5/position/trading-stop": perSecond(10),
  "/v5/order/realtime": perSecond(50),
  "/v5/order/history": perSecond(50),
  "/v5/execution/list": perSecond(50),
  "/v5/position/list": perSecond(50),
  "/v5/account/wallet-balance": perSecond(50),
  "/v5/account/info": perSecond(50),
  "/v5/user/query-api": perSecond(10),
};

/** Per IP, all endpoints together. */
export const IP_LIMIT: EndpointLimit = { limit: 600, windowMs: 5_000 };

export interface LimitVerdict {
  readonly allowed: boolean;
  /** `X-Bapi-Limit`, `X-Bapi-Limit-Status`, `X-Bapi-Limit-Reset-Timestamp`. */
  readonly headers: Record<string, string>;
}

interface Window {
  start: number;
  count: number;
}

export class RateLimiter {
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();
  readonly #ipWindows = new Map<string, Window>();
  readonly #bannedUntil = new Map<string, number>();
  readonly #ipBanMs: number;

  /** `ipBanMs`: how long an IP stays refused after it broke the IP limit (at least to the end of its window). */
  constructor(opts: { now?: () => number; ipBanMs?: number } = {}) {
    this.#now = opts.now ?? Date.now;
    this.#ipBanMs = opts.ipBanMs ?? 0;
  }

  #count(map: Map<string, Window>, key: string, windowMs: number, now: number): Window {
    let w = map.get(key);
    if (w === undefined || now >= w.start + windowMs) {
      w = { start: now, count: 0 };
      map.set(key, w);
    }
    w.count += 1;
    return w;
  }

  /** Counts one request from `ip`; false when the IP is over its limit (HTTP 403). */
  allowIp(ip: string): boolean {
    const now = this.#now();
    const banned = this.#bannedUntil.get(ip);
    if (banned !== undefined && now < banned) return false;
    const w = this.#count(this.#ipWindows, ip, IP_LIMIT.windowMs, now);
    if (w.count <= IP_LIMIT.limit) return true;
    this.#bannedUntil.set(ip, Math.max(w.start + IP_LIMIT.windowMs, now + this.#ipBanMs));
    return false;
  }

  /** Counts one request of `account` to `path`. Endpoints without a limit are always allowed (no headers). */
  allowEndpoint(account: string, path: string): LimitVerdict {
    const rule = ENDPOINT_LIMITS[path];
    if (rule === undefined) return { allowed: true, headers: {} };
    const w = this.#count(this.#windows, `${account} ${path}`, rule.windowMs, this.#now());
    return {
      allowed: w.count <= rule.limit,
      headers: {
        "X-Bapi-Limit": String(rule.limit),
        "X-Bapi-Limit-Status": String(Math.max(0, rule.limit - w.count)),
        "X-Bapi-Limit-Reset-Timestamp": String(w.start + rule.windowMs),
      },
    };
  }

  /** Headers for a response whose request was not counted (e.g. a fault answered first). */
  peekHeaders(account: string, path: string): Record<string, string> {
    const rule = ENDPOINT_LIMITS[path];
    if (rule === undefined) return {};
    const now = this.#now();
    const w = this.#windows.get(`${account} ${path}`);
    const live = w !== undefined && now < w.start + rule.windowMs;
    return {
      "X-Bapi-Limit": String(rule.limit),
      "X-Bapi-Limit-Status": String(live ? Math.max(0, rule.limit - w.count) : rule.limit),
      "X-Bapi-Limit-Reset-Timestamp": String(live ? w.start + rule.windowMs : now + rule.windowMs),
    };
  }
}
