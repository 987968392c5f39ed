/**
 * Warden's own accounting of Bybit's limits, so that it never meets them: 10 writes/s per
 * account per write endpoint, 50 reads/s per account per read endpoint, 600 requests per
 * 5 s per IP for all accounts of the process together. Sliding windows over real time
 * (requests are real). On a 10006/429 the account waits until the reset the exchange gave;
 * on an IP ban (403) every write stops until the ban ends.
 *
 * Requests wait in one queue. Whenever a slot may have freed (a request arrives, a window
 * slides, a hold ends) the queue is served: a request is ready when its account is not held
 * and its endpoint window has room; among the ready ones the IP window's free slots go in
 * the fair order of ip-share.ts (writes within the account's fair share first, then the
 * account with the fewest requests in the IP window, writes before reads, oldest first).
 */
import { sleep } from "../clock.ts";
import { fairShare, IpWindow, servedBefore, type Claim, type RequestClass } from "./ip-share.ts";

export type { RequestClass } from "./ip-share.ts";

/** Any account name (`[a-z0-9-]`): the budget knows no fixed set of accounts. */
type AccountId = string;

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
  /** Ms before `n` more requests fit (0 when they fit now). */
  waitForRoom(n: number, now: number): number {
    this.waitMs(now);
    const over = this.#stamps.length + n - this.limit;
    if (over <= 0) return 0;
    return (this.#stamps[over - 1] ?? now) + this.spanMs - now;
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

/** How the per-IP window is shared now (metrics): read-only, takes nothing. */
export interface IpShare {
  /** The IP limit divided by the accounts with demand now (a request waiting, or made in the window). */
  readonly fair: number;
  /** Per account: its requests in the IP window, and its requests waiting for a slot. */
  readonly accounts: Readonly<Record<string, { readonly used: number; readonly waiting: number }>>;
}

interface Waiting {
  readonly account: AccountId;
  readonly kind: RequestClass;
  readonly window: Window;
  readonly seq: number;
  readonly grant: () => void;
}

export class RateBudget {
  readonly #limits: RateLimits;
  readonly #now: () => number;
  readonly #wait: (ms: number) => Promise<void>;
  readonly #windows = new Map<string, Window>();
  readonly #windowsOf = new Map<AccountId, { readonly kind: RequestClass; readonly window: Window }[]>();
  readonly #ip: IpWindow;
  readonly #blockedUntil = new Map<AccountId, number>();
  #bannedUntil = 0;
  /** Requests not yet granted, in arrival order. */
  readonly #waiting: Waiting[] = [];
  #seq = 0;
  /** When the earliest pending wake-up falls, if one is pending. */
  #wakeAt: number | undefined;
  /** Per account: total time with a request waiting, and since when one waits now. */
  readonly #paced = new Map<AccountId, { total: number; since: number | undefined }>();

  constructor(opts: { limits?: RateLimits; now?: () => number; wait?: (ms: number) => Promise<void> } = {}) {
    this.#limits = opts.limits ?? bybitLimits;
    this.#now = opts.now ?? (() => Date.now());
    this.#wait = opts.wait ?? ((ms) => sleep(ms));
    this.#ip = new IpWindow(this.#limits.ipPer5s, 5_000 + MARGIN_MS);
  }

  /** Whether a request of this account waits in the budget now (its delay is Warden's pacing, not the exchange's). */
  holding(account: AccountId): boolean {
    return this.#waiting.some((w) => w.account === account);
  }

  /** Time (ms, the budget's clock) during which at least one request of this account waited in the budget, so far. */
  pacedMs(account: AccountId): number {
    const p = this.#paced.get(account);
    if (p === undefined) return 0;
    return p.total + (p.since !== undefined ? Math.max(0, this.#now() - p.since) : 0);
  }

  /** Keeps pacedMs: a request of `account` starts waiting, or its last waiting one was granted. */
  #pacing(account: AccountId, now: number): void {
    const p = this.#paced.get(account) ?? { total: 0, since: undefined };
    const waiting = this.#waiting.some((w) => w.account === account);
    if (waiting && p.since === undefined) p.since = now;
    if (!waiting && p.since !== undefined) {
      p.total += Math.max(0, now - p.since);
      p.since = undefined;
    }
    this.#paced.set(account, p);
  }

  /** Waits until one request of this class on this account and endpoint fits, and its turn for the IP window comes; then takes it. */
  acquire(account: AccountId, endpoint: string, kind: RequestClass): Promise<void> {
    const window = this.#window(account, endpoint, kind);
    return new Promise((grant) => {
      this.#waiting.push({ account, kind, window, seq: this.#seq++, grant });
      this.#pacing(account, this.#now());
      this.#serve();
    });
  }

  /**
   * The adapter's hook before each request is signed (ccxt-adapter `beforeRequest`): every
   * HTTP request of the account passes the budget, reads (GET) and writes (POST) counted per
   * endpoint, all of them against the per-IP window.
   */
  gate(account: AccountId): (path: string, method: string) => Promise<void> {
    return (path, method) => this.acquire(account, path, method.toUpperCase() === "POST" ? "write" : "read");
  }

  /** Ms before `n` more requests of this class fit every endpoint window of the account used so far (0: now). */
  /** Ms (the budget's clock) before the per-IP window has room for `n` more requests. */
  ipRoomInMs(n: number): number {
    return this.#ip.roomInMs(n, this.#now());
  }

  msUntilRoom(account: AccountId, kind: RequestClass, n: number): number {
    const now = this.#now();
    const waits = (this.#windowsOf.get(account) ?? []).filter((w) => w.kind === kind).map((w) => w.window.waitForRoom(n, now));
    return Math.max(0, ...waits);
  }

  /** The exchange said 10006/429: hold this account's requests until `until`. */
  backOff(account: AccountId, until: number): void {
    this.#blockedUntil.set(account, Math.max(until, this.#blockedUntil.get(account) ?? 0));
    this.#serve(); // reschedules the wake-up of the held requests
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

  /** How the IP window is shared now, for these accounts; takes nothing. */
  share(accounts: readonly AccountId[]): IpShare {
    const now = this.#now();
    const out: Record<string, { used: number; waiting: number }> = {};
    for (const account of accounts) out[account] = { used: this.#ip.used(account, now), waiting: this.#waiting.filter((w) => w.account === account).length };
    return { fair: this.#fairShare(now), accounts: out };
  }

  /** Grants every request that may go now, in fair order; then sleeps until the next one may. */
  #serve(): void {
    for (;;) {
      const now = this.#now();
      const share = this.#fairShare(now);
      let best: { readonly index: number; readonly claim: Claim } | undefined;
      let soonest = Infinity;
      for (let index = 0; index < this.#waiting.length; index++) {
        const w = this.#waiting[index]!;
        const wait = Math.max((this.#blockedUntil.get(w.account) ?? 0) - now, w.window.waitMs(now), this.#ip.waitMs(now, w.kind));
        if (wait > 0) {
          soonest = Math.min(soonest, wait);
          continue;
        }
        const claim: Claim = { kind: w.kind, used: this.#ip.used(w.account, now), share, seq: w.seq };
        if (best === undefined || servedBefore(claim, best.claim)) best = { index, claim };
      }
      if (best === undefined) {
        if (soonest < Infinity) this.#wakeIn(soonest, now);
        return;
      }
      const [granted] = this.#waiting.splice(best.index, 1);
      if (granted === undefined) return;
      granted.window.take(now);
      this.#ip.take(granted.account, now);
      this.#pacing(granted.account, now);
      granted.grant();
    }
  }

  #wakeIn(ms: number, now: number): void {
    const at = now + ms;
    // an earlier wake-up serves the queue anyway, and sets the next one
    if (this.#wakeAt !== undefined && this.#wakeAt <= at) return;
    this.#wakeAt = at;
    const wake = () => {
      if (this.#wakeAt === at) this.#wakeAt = undefined;
      this.#serve();
    };
    void this.#wait(ms).then(wake, wake);
  }

  /** The IP limit over the accounts with demand: a request waiting, or one made in the window. */
  #fairShare(now: number): number {
    const demand = new Set<AccountId>(this.#ip.accounts(now));
    for (const w of this.#waiting) demand.add(w.account);
    return fairShare(this.#limits.ipPer5s, demand.size);
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
