/**
 * Bybit's per-IP window (600 requests per 5 s for every account of the process together) and
 * the order in which Warden hands its slots to accounts that wait for one.
 *
 * Fair order, decided when a slot is free and more than one request could take it:
 * 1. a write of an account still under its fair share (the IP limit divided by the accounts
 *    with demand: a request waiting, or one made in the window): stops first, but only within
 *    the account's share, so no account's writes can crowd out the others;
 * 2. then the account with the fewest requests in the window (max-min fairness: a light
 *    account is served at the next free slot, ahead of every heavy account);
 * 3. within that, writes before reads (an account's own stop never waits behind its reads);
 * 4. then the request that has waited longest.
 * Nothing is reserved per account: an account alone may use the whole window (the slack the
 * others leave), and yields it slot by slot as soon as others ask.
 *
 * Reads may fill the window only up to `limit - writeReserve`: the last slots stay for
 * writes, so a stop never waits for other accounts' reads to leave the window.
 *
 * Reads are also paced: a bucket of `burst` requests refilled at the rate reads may fill
 * the window ((limit - writeReserve) / span). Without it, accounts that want more than the
 * window spend it in one burst that leaves again all at once a window later, and a light
 * account that arrives in between waits for seconds; paced, its wait is about `burst`
 * slots' time at most (50 of 540 per 5.1 s: 470 ms; the 50-account test sees 388 ms at
 * most, 2 ms mostly). Pacing never lowers the throughput of reads, and a burst within
 * `burst` (one account's cycle, or ten accounts') goes at once. Writes are never paced, but
 * spend tokens, which reads then wait for.
 */

export type RequestClass = "read" | "write";

/** An account's name: any number of accounts share the window, so any name will do. */
type AccountName = string;

/** Share of the IP window that reads may not take: kept for writes. 60 of Bybit's 600. */
export const WRITE_RESERVE = 0.1;

/** Reads that may go at once from a full pacing bucket: a twelfth of the window (50 of 600), at least 10 (or the whole window, if smaller). */
export function readBurst(limit: number): number {
  return Math.max(Math.min(limit, 10), Math.ceil(limit / 12));
}

export class IpWindow {
  #stamps: { readonly at: number; readonly account: AccountName }[] = [];
  #head = 0;
  readonly #used = new Map<AccountName, number>();
  /** Requests reads may not take (kept for writes). */
  readonly writeReserve: number;
  /** The pacing bucket's size (reads at once). */
  readonly burst: number;
  readonly #perMs: number;
  #tokens: number;
  #refilledAt: number | undefined;

  constructor(
    readonly limit: number,
    readonly spanMs: number,
  ) {
    this.writeReserve = Math.floor(limit * WRITE_RESERVE);
    this.burst = readBurst(limit);
    this.#perMs = (limit - this.writeReserve) / spanMs;
    this.#tokens = this.burst;
  }

  /** Ms before one more request of this class fits (0 when it fits now). */
  waitMs(now: number, kind: RequestClass): number {
    const count = this.#count(now);
    const cap = kind === "write" ? this.limit : this.limit - this.writeReserve;
    // the window has room for the request once the (count - cap + 1) oldest have left it
    const leaving = count < cap ? undefined : this.#stamps[this.#head + count - cap];
    const windowWait = leaving === undefined ? 0 : leaving.at + this.spanMs - now;
    if (kind === "write") return windowWait;
    const tokens = this.#refill(now);
    const paceWait = tokens >= 1 - 1e-9 ? 0 : Math.ceil((1 - tokens) / this.#perMs);
    return Math.max(windowWait, paceWait);
  }

  take(account: AccountName, now: number): void {
    this.#count(now);
    this.#refill(now);
    this.#tokens -= 1; // a write may take the bucket below zero: reads pay it back
    this.#stamps.push({ at: now, account });
    this.#used.set(account, (this.#used.get(account) ?? 0) + 1);
  }

  /** Ms before `n` more requests fit in the window (0 when they fit now): when the oldest that must leave first have left. */
  roomInMs(n: number, now: number): number {
    const count = this.#count(now);
    const over = count + n - this.limit;
    if (over <= 0) return 0;
    const leaving = this.#stamps[this.#head + Math.min(over, count) - 1];
    return leaving === undefined ? 0 : Math.max(0, leaving.at + this.spanMs - now);
  }

  /** Requests that still fit in the window now (writes; reads have `writeReserve` fewer). */
  left(now: number): number {
    return Math.max(0, this.limit - this.#count(now));
  }

  /** Requests of this account in the window now. */
  used(account: AccountName, now: number): number {
    this.#count(now);
    return this.#used.get(account) ?? 0;
  }

  /** Accounts with requests in the window now. */
  accounts(now: number): AccountName[] {
    this.#count(now);
    return [...this.#used.keys()];
  }

  #refill(now: number): number {
    if (this.#refilledAt !== undefined && now > this.#refilledAt) this.#tokens = Math.min(this.burst, this.#tokens + (now - this.#refilledAt) * this.#perMs);
    this.#refilledAt = Math.max(now, this.#refilledAt ?? now);
    return this.#tokens;
  }

  #count(now: number): number {
    while (this.#head < this.#stamps.length && this.#stamps[this.#head]!.at <= now - this.spanMs) {
      const account = this.#stamps[this.#head]!.account;
      const used = (this.#used.get(account) ?? 1) - 1;
      if (used > 0) this.#used.set(account, used);
      else this.#used.delete(account);
      this.#head++;
    }
    if (this.#head > 1024) {
      this.#stamps = this.#stamps.slice(this.#head);
      this.#head = 0;
    }
    return this.#stamps.length - this.#head;
  }
}

/** The IP limit divided by the accounts with demand (at least one). */
export function fairShare(limit: number, accountsWithDemand: number): number {
  return limit / Math.max(1, accountsWithDemand);
}

/** A request that could take a free slot now, as the fair order sees it. */
export interface Claim {
  readonly kind: RequestClass;
  /** Its account's requests in the IP window. */
  readonly used: number;
  /** Its account's fair share of the window. */
  readonly share: number;
  /** Arrival order (lower waited longer). */
  readonly seq: number;
}

/** True when `a` takes a free slot before `b` (the fair order above). */
export function servedBefore(a: Claim, b: Claim): boolean {
  const key = (c: Claim): readonly number[] => [c.kind === "write" && c.used < c.share ? 0 : 1, c.used, c.kind === "write" ? 0 : 1, c.seq];
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return ka[i]! < kb[i]!;
  }
  return false;
}
