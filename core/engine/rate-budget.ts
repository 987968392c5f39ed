/**
 * Warden's own accounting of Bybit's limits, so that it never meets them: 10 writes/s per
 * account per write endpoint, 50 reads/s per account per read endpoint, 600 requests per
 * 5 s per IP. Sliding windows over real time (requests are real). On a 10006/429 the
 * account waits until the reset the exchange gave; on an IP ban (403) every write stops
 * until the ban ends.
 */
import { sleep } from "../clock.ts";
import type { AccountId } from "../domain/types.ts";

export interface RateLimits {
  readonly writesPerSecond: number;
  readonly readsPerSecond: number;
  readonly ipPer5s: number;
}

export const bybitLimits: RateLimits = { writesPerSecond: 10, readsPerSecond: 50, ipPer5s: 600 };

class Window {
  readonly #stamps: number[] = [];
  constructor(
    readonly limit: number,
    readonly spanMs: number,
  ) {}
  /** Ms to wait before one more request fits (0 when it fits now). */
  waitMs(now: number): number {
    while (this.#stamps.length > 0 && (this.#stamps[0] ?? 0) <= now - this.spanMs) this.#stamps.shift();
    if (this.#stamps.length < this.limit) return 0;
    return (this.#stamps[0] ?? now) + this.spanMs - now;
  }
  take(now: number): void {
    this.#stamps.push(now);
  }
  /** Requests that still fit in the window now. */
  left(now: number): number {
    this.waitMs(now);
    return Math.max(0, this.limit - this.#stamps.length);
  }
}

/** What the budget has left now (metrics): read-only, takes nothing. */
export interface BudgetLeft {
  /** Requests left in the per-IP window. */
  readonly ip: number;
  /** Per account and class: requests left in its tightest endpoint window; 0 while the account is held back (or, for writes, banned). */
  readonly accounts: Readonly<Record<string, Readonly<Record<RequestClass, number>>>>;
}

/**
 * Windows are held a little longer than the exchange's: the exchange opens its window when
 * a request ARRIVES (after our send plus transit), so a sliding window measured at send time
 * needs this slack to never cross the exchange's count.
 */
const MARGIN_MS = 100;

export type RequestClass = "read" | "write";

export class RateBudget {
  readonly #limits: RateLimits;
  readonly #now: () => number;
  readonly #wait: (ms: number) => Promise<void>;
  readonly #windows = new Map<string, Window>();
  readonly #windowsOf = new Map<AccountId, { readonly kind: RequestClass; readonly window: Window }[]>();
  readonly #ip: Window;
  readonly #blockedUntil = new Map<AccountId, number>();
  #bannedUntil = 0;

  constructor(opts: { limits?: RateLimits; now?: () => number; wait?: (ms: number) => Promise<void> } = {}) {
    this.#limits = opts.limits ?? bybitLimits;
    this.#now = opts.now ?? (() => Date.now());
    this.#wait = opts.wait ?? ((ms) => sleep(ms));
    this.#ip = new Window(this.#limits.ipPer5s, 5_000 + MARGIN_MS);
  }

  /** Waits until one request of this class on this account and endpoint fits, then takes it. */
  async acquire(account: AccountId, endpoint: string, kind: RequestClass): Promise<void> {
    for (;;) {
      const now = this.#now();
      const window = this.#window(account, endpoint, kind);
      const blocked = Math.max(0, (this.#blockedUntil.get(account) ?? 0) - now);
      const wait = Math.max(blocked, window.waitMs(now), this.#ip.waitMs(now));
      if (wait <= 0) {
        window.take(now);
        this.#ip.take(now);
        return;
      }
      await this.#wait(wait);
    }
  }

  /**
   * The adapter's hook before each request is signed (ccxt-adapter `beforeRequest`): every
   * HTTP request of the account passes the budget, reads (GET) and writes (POST) counted per
   * endpoint, all of them against the per-IP window.
   */
  gate(account: AccountId): (path: string, method: string) => Promise<void> {
    return (path, method) => this.acquire(account, path, method.toUpperCase() === "POST" ? "write" : "read");
  }

  /** The exchange said 10006/429: hold this account's requests until `until`. */
  backOff(account: AccountId, until: number): void {
    this.#blockedUntil.set(account, Math.max(until, this.#blockedUntil.get(account) ?? 0));
  }

  /** HTTP 403 "access too frequent": no writes anywhere until `until`. */
  ban(until: number): void {
    this.#bannedUntil = Math.max(this.#bannedUntil, until);
  }

  /** The budget's own (wall) clock: times from the exchange are converted onto it. */
  now(): number {
    return this.#now();
  }

  writesAllowed(): boolean {
    return this.#now() >= this.#bannedUntil;
  }

  bannedUntil(): number {
    return this.#bannedUntil;
  }

  /** Requests left now, per account (tightest endpoint window of each class) and for the IP; takes nothing. */
  left(accounts: readonly AccountId[]): BudgetLeft {
    const now = this.#now();
    const out: Record<string, Record<RequestClass, number>> = {};
    for (const account of accounts) {
      const held = (this.#blockedUntil.get(account) ?? 0) > now;
      const tightest = (kind: RequestClass, limit: number) =>
        held ? 0 : Math.min(limit, ...(this.#windowsOf.get(account) ?? []).filter((w) => w.kind === kind).map((w) => w.window.left(now)));
      out[account] = { read: tightest("read", this.#limits.readsPerSecond), write: this.writesAllowed() ? tightest("write", this.#limits.writesPerSecond) : 0 };
    }
    return { ip: this.#ip.left(now), accounts: out };
  }

  #window(account: AccountId, endpoint: string, kind: RequestClass): Window {
    const key = `${account} ${endpoint}`;
    let w = this.#windows.get(key);
    if (w === undefined) {
      w = new Window(kind === "write" ? this.#limits.writesPerSecond : this.#limits.readsPerSecond, 1_000 + MARGIN_MS);
      this.#windows.set(key, w);
      this.#windowsOf.set(account, [...(this.#windowsOf.get(account) ?? []), { kind, window: w }]);
    }
    return w;
  }
}
