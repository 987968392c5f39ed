/**
 * `ttl`: the old system after its fix. A cache entry per (account, symbol) lives 15 s on
 * the injected clock. A due monitor whose entry is fresh is a hit; otherwise it is a miss,
 * and that monitor fetches its position and the account's full open-order list (every
 * page until Bybit's empty one, all symbols: `monitorRead`, as naive) and fills its own entry. Monitors run concurrently and concurrent
 * misses on one key are NOT coalesced: each makes its own calls, as the old cache did.
 * A write invalidates the written symbol's entry.
 */
import type { Clock } from "../clock.ts";
import type { AccountId } from "../domain/types.ts";
import type { AccountExchange } from "../exchange/port.ts";
import type { MonitorKey, MonitorReadView, ReadPath, ReadStats } from "./read-path.ts";
import { exchangeFor, monitorRead, viewKey } from "./naive-read-path.ts";
import { ReadTally } from "./read-tally.ts";

export const OLD_TTL_MS = 15_000;

export class TtlReadPath implements ReadPath {
  readonly name = "ttl" as const;
  readonly ttlMs: number;
  readonly #exchanges: ReadonlyMap<AccountId, AccountExchange>;
  readonly #clock: Clock;
  readonly #tally = new ReadTally();
  readonly #entries = new Map<string, MonitorReadView>();

  constructor(exchanges: ReadonlyMap<AccountId, AccountExchange>, clock: Clock, ttlMs: number = OLD_TTL_MS) {
    if (!(ttlMs >= 0)) throw new RangeError(`ttl must be >= 0 ms, got ${ttlMs}`);
    this.#exchanges = exchanges;
    this.#clock = clock;
    this.ttlMs = ttlMs;
  }

  async prepare(due: readonly MonitorKey[]): Promise<void> {
    const now = this.#clock.now();
    await Promise.all(
      due.map(async (key) => {
        const k = viewKey(key);
        const entry = this.#entries.get(k);
        if (entry && now - entry.takenAt < this.ttlMs) {
          this.#tally.hit();
          return;
        }
        this.#tally.miss();
        this.#entries.set(k, await monitorRead(exchangeFor(this.#exchanges, key.account), key.symbol, this.#clock));
      }),
    );
  }

  view(key: MonitorKey): MonitorReadView {
    const v = this.#entries.get(viewKey(key));
    if (!v) throw new RangeError(`ttl read path: ${viewKey(key)} was not prepared`);
    return v;
  }

  invalidate(account: AccountId, symbol: string): void {
    this.#entries.delete(viewKey({ account, symbol }));
  }

  cycleStats(): ReadStats {
    return this.#tally.cycle();
  }

  totalStats(): ReadStats {
    return this.#tally.total();
  }

  resetCycle(): void {
    this.#tally.resetCycle();
  }
}
