/**
 * Bybit's rate limits, kept as data, counted in REAL wall-clock windows (the latency the
 * simulator models is real waiting too, so a client's request rate is a real rate).
 *
 * Source: Bybit v5 docs, "Rate Limit" (https://bybit-exchange.github.io/docs/v5/rate-limit),
 * the per-UID table for the default (non-VIP) tier, and "IP Limit": 600 requests per 5 s per
 * IP for HTTP, answered with HTTP 403 "access too frequent". Public market endpoints are only
 * under the IP limit.
 *
 * Windows roll, as Bybit's docs say ("based on the rolling time window per second and
 * UID"): a request is allowed when fewer than `limit` allowed requests of the same key lie
 * in the last `windowMs`. Refused requests do not count. Headers as Bybit documents them:
 * `X-Bapi-Limit` the limit, `X-Bapi-Limit-Status` the requests left, and
 * `X-Bapi-Limit-Reset-Timestamp` when the limit resets if it was exceeded, otherwise simply
 * the current time.
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
  "/v5/position/switch-mode": perSecond(10),
  "/v5/order/realtime": perSecond(50),
  "/v5/order/history": perSecond(50),
  "/v5/execution/list": perSecond(50),
  "/v5/position/list": perSecond(50),
  "/v5/account/wallet-balance": perSecond(50),
  "/v5/account/info": perSecond(50),
  "/v5/user/query-api": perSecond(10),
};

/** Per IP, all endpoints and all accounts together. */
export const IP_LIMIT: EndpointLimit = { limit: 600, windowMs: 5_000 };

/** Bybit: after a 403 "wait for at least 10 minutes. The ban will be lifted automatically." */
export const IP_BAN_MS = 600_000;

/** What the per-IP limit saw so far, over all IPs (every account's requests from one IP share its window). */
export interface IpLimitStats {
  readonly limit: number;
  readonly windowMs: number;
  /** The most requests any IP had inside one window (allowed ones; at most `limit`). */
  readonly peak: number;
  /** Requests refused with HTTP 403 by the limit or the ban that follows it. */
  readonly refused: number;
}

export interface LimitVerdict {
  readonly allowed: boolean;
  /** `X-Bapi-Limit`, `X-Bapi-Limit-Status`, `X-Bapi-Limit-Reset-Timestamp`. */
  readonly headers: Record<string, string>;
}

/** Times of the allowed requests of one key within the last window, oldest first. */
class RollingWindow {
  #times: number[] = [];
  #head = 0;

  /** Requests still inside the window at `now`. */
  count(now: number, windowMs: number): number {
    while (this.#head < this.#times.length && this.#times[this.#head]! <= now - windowMs) this.#head++;
    if (this.#head > 1024) {
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
    return this.#times.length - this.#head;
  }

  add(now: number): void {
    this.#times.push(now);
  }

  /** When the oldest request in the window leaves it. */
  resetAt(now: number, windowMs: number): number {
    const oldest = this.#times[this.#head];
    return oldest === undefined ? now : oldest + windowMs;
  }
}

export class RateLimiter {
  readonly #now: () => number;
  readonly #windows = new Map<string, RollingWindow>();
  readonly #ipWindows = new Map<string, RollingWindow>();
  readonly #bannedUntil = new Map<string, number>();
  readonly #ipBanMs: number;
  #ipPeak = 0;
  #ipRefused = 0;

  /** `ipBanMs`: how long an IP stays refused after it broke the IP limit (at least until its window has room again); Bybit's 10 minutes by default. */
  constructor(opts: { now?: () => number; ipBanMs?: number } = {}) {
    this.#now = opts.now ?? Date.now;
    this.#ipBanMs = opts.ipBanMs ?? IP_BAN_MS;
  }

  static #window(map: Map<string, RollingWindow>, key: string): RollingWindow {
    let w = map.get(key);
    if (w === undefined) map.set(key, (w = new RollingWindow()));
    return w;
  }

  /** Counts one request from `ip`; false when the IP is over its limit (HTTP 403). */
  allowIp(ip: string): boolean {
    const now = this.#now();
    const banned = this.#bannedUntil.get(ip);
    if (banned !== undefined && now < banned) {
      this.#ipRefused++;
      return false;
    }
    const w = RateLimiter.#window(this.#ipWindows, ip);
    const used = w.count(now, IP_LIMIT.windowMs);
    if (used < IP_LIMIT.limit) {
      w.add(now);
      this.#ipPeak = Math.max(this.#ipPeak, used + 1);
      return true;
    }
    this.#ipRefused++;
    this.#bannedUntil.set(ip, Math.max(w.resetAt(now, IP_LIMIT.windowMs), now + this.#ipBanMs));
    return false;
  }

  /** The per-IP limit's peak window and refusals so far. */
  ipStats(): IpLimitStats {
    return { limit: IP_LIMIT.limit, windowMs: IP_LIMIT.windowMs, peak: this.#ipPeak, refused: this.#ipRefused };
  }

  /** Counts one request of `account` to `path`. Endpoints without a limit are always allowed (no headers). */
  allowEndpoint(account: string, path: string): LimitVerdict {
    const rule = ENDPOINT_LIMITS[path];
    if (rule === undefined) return { allowed: true, headers: {} };
    const now = this.#now();
    const w = RateLimiter.#window(this.#windows, `${account} ${path}`);
    const used = w.count(now, rule.windowMs);
    const allowed = used < rule.limit;
    if (allowed) w.add(now);
    return {
      allowed,
      headers: {
        "X-Bapi-Limit": String(rule.limit),
        "X-Bapi-Limit-Status": String(allowed ? rule.limit - used - 1 : 0),
        "X-Bapi-Limit-Reset-Timestamp": String(allowed ? now : w.resetAt(now, rule.windowMs)),
      },
    };
  }

  /** The headers for a request that is not counted (rate limits switched off). */
  peekHeaders(account: string, path: string): Record<string, string> {
    const rule = ENDPOINT_LIMITS[path];
    if (rule === undefined) return {};
    const now = this.#now();
    const used = this.#windows.get(`${account} ${path}`)?.count(now, rule.windowMs) ?? 0;
    return {
      "X-Bapi-Limit": String(rule.limit),
      "X-Bapi-Limit-Status": String(Math.max(0, rule.limit - used)),
      "X-Bapi-Limit-Reset-Timestamp": String(now),
    };
  }
}
