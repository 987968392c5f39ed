/**
 * Account snapshot cache: one batched load per account (positions and open orders in
 * parallel, each listing's pages sequential in the adapter), shared by every monitor.
 * - single-flight: callers arriving while a load is in flight share it (`coalesced`);
 * - TTL, and a tighter freshness bound (`maxAgeMs`) for decisions that write;
 * - `invalidate(account)` after every write: the next read loads afresh, and a load that was
 *   already in flight when the write happened is never served to later readers;
 * - statistics per account and kind, for the last cycle and since start.
 * Instruments (markets) are loaded once per account and counted as the `markets` kind.
 * The grace window after Warden's own write (`cache.graceMs`) is not kept here: the rules keep
 * it per order, in each monitor's pending writes (core/domain/sighting.ts).
 */
import type { Clock } from "../clock.ts";
import type { AccountId, AccountSnapshot, Instrument } from "../domain/types.ts";
import type { AccountExchange } from "../exchange/port.ts";
import type { SnapshotOptions, SnapshotSource } from "./snapshot-source.ts";
import { CACHE_KINDS, type CacheKind, type CacheStats, type CacheStatsWindows, type KindStats } from "./stats.ts";

export interface SnapshotCacheOptions {
  readonly clock: Clock;
  /** An entry older than this is reloaded (the engine passes config `cache.freshnessMs`). */
  readonly ttlMs: number;
  /** Default freshness bound when a caller gives none. Default: ttlMs. */
  readonly freshnessMs?: number;
}

interface Counts {
  hits: number;
  misses: number;
  coalesced: number;
  loads: number;
  restCalls: number;
}

interface AccountEntry {
  readonly exchange: AccountExchange;
  snapshot: AccountSnapshot | undefined;
  /** Bumped by invalidate(); a load stores its result only if the generation is unchanged. */
  generation: number;
  inflight: { readonly generation: number; readonly promise: Promise<AccountSnapshot> } | undefined;
  instruments: Promise<ReadonlyMap<string, Instrument>> | undefined;
  instrumentCount: number;
  instrumentsAt: number | undefined;
  lastLoadMs: Record<CacheKind, number | undefined>;
  cycle: Record<CacheKind, Counts>;
  total: Record<CacheKind, Counts>;
}

const ENDPOINT: Record<CacheKind, string> = { positions: "/v5/position/list", orders: "/v5/order/realtime", markets: "/v5/market/instruments-info" };

function zero(): Counts {
  return { hits: 0, misses: 0, coalesced: 0, loads: 0, restCalls: 0 };
}

function zeroes(): Record<CacheKind, Counts> {
  return { positions: zero(), orders: zero(), markets: zero() };
}

export class SnapshotCache implements SnapshotSource {
  readonly #accounts = new Map<AccountId, AccountEntry>();
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #freshnessMs: number;

  constructor(exchanges: readonly AccountExchange[], opts: SnapshotCacheOptions) {
    this.#clock = opts.clock;
    this.#ttlMs = opts.ttlMs;
    this.#freshnessMs = opts.freshnessMs ?? this.#ttlMs;
    for (const exchange of exchanges) {
      this.#accounts.set(exchange.account, {
        exchange,
        snapshot: undefined,
        generation: 0,
        inflight: undefined,
        instruments: undefined,
        instrumentCount: 0,
        instrumentsAt: undefined,
        lastLoadMs: { positions: undefined, orders: undefined, markets: undefined },
        cycle: zeroes(),
        total: zeroes(),
      });
    }
  }

  snapshot(account: AccountId, opts: SnapshotOptions = {}): Promise<AccountSnapshot> {
    const e = this.#entry(account);
    const bound = Math.min(this.#ttlMs, opts.maxAgeMs ?? this.#freshnessMs);
    const now = this.#clock.now();
    if (e.snapshot !== undefined && now - e.snapshot.takenAt <= bound) {
      this.#bump(e, "hits", ["positions", "orders"]);
      return Promise.resolve(e.snapshot);
    }
    if (e.inflight !== undefined && e.inflight.generation === e.generation) {
      this.#bump(e, "coalesced", ["positions", "orders"]);
      return e.inflight.promise;
    }
    this.#bump(e, "misses", ["positions", "orders"]);
    const generation = e.generation;
    const promise = this.#load(e, account, generation).finally(() => {
      if (e.inflight?.promise === promise) e.inflight = undefined;
    });
    e.inflight = { generation, promise };
    return promise;
  }

  /** The account's linear instruments, loaded once. */
  instruments(account: AccountId): Promise<ReadonlyMap<string, Instrument>> {
    const e = this.#entry(account);
    if (e.instruments !== undefined) {
      this.#bump(e, e.instrumentsAt === undefined ? "coalesced" : "hits", ["markets"]);
      return e.instruments;
    }
    this.#bump(e, "misses", ["markets"]);
    const started = this.#clock.now();
    const before = this.#calls(e, "markets");
    e.instruments = e.exchange.instruments().then(
      (map) => {
        e.instrumentCount = map.size;
        e.instrumentsAt = this.#clock.now();
        e.lastLoadMs.markets = e.instrumentsAt - started;
        this.#loaded(e, "markets", this.#calls(e, "markets") - before);
        return map;
      },
      (error: unknown) => {
        e.instruments = undefined;
        throw error;
      },
    );
    return e.instruments;
  }

  invalidate(account: AccountId): void {
    const e = this.#entry(account);
    e.generation += 1;
    e.snapshot = undefined;
  }

  stats(): CacheStatsWindows {
    return { lastCycle: this.#window("cycle"), sinceStart: this.#window("total") };
  }

  resetCycle(): void {
    for (const e of this.#accounts.values()) e.cycle = zeroes();
  }

  async #load(e: AccountEntry, account: AccountId, generation: number): Promise<AccountSnapshot> {
    const started = this.#clock.now();
    const before = { positions: this.#calls(e, "positions"), orders: this.#calls(e, "orders") };
    const timed = async <T>(kind: "positions" | "orders", read: () => Promise<T>): Promise<T> => {
      const value = await read();
      e.lastLoadMs[kind] = this.#clock.now() - started;
      return value;
    };
    try {
      const [positions, orders] = await Promise.all([timed("positions", () => e.exchange.positions()), timed("orders", () => e.exchange.openOrders())]);
      const snapshot: AccountSnapshot = { account, positions, orders, takenAt: this.#clock.now() };
      if (e.generation === generation) e.snapshot = snapshot;
      return snapshot;
    } finally {
      this.#loaded(e, "positions", this.#calls(e, "positions") - before.positions);
      this.#loaded(e, "orders", this.#calls(e, "orders") - before.orders);
    }
  }

  #calls(e: AccountEntry, kind: CacheKind): number {
    return e.exchange.requestStats().byEndpoint[ENDPOINT[kind]] ?? 0;
  }

  #loaded(e: AccountEntry, kind: CacheKind, calls: number): void {
    for (const counts of [e.cycle[kind], e.total[kind]]) {
      counts.loads += 1;
      counts.restCalls += calls;
    }
  }

  #bump(e: AccountEntry, field: "hits" | "misses" | "coalesced", kinds: readonly CacheKind[]): void {
    for (const kind of kinds) {
      e.cycle[kind][field] += 1;
      e.total[kind][field] += 1;
    }
  }

  #window(which: "cycle" | "total"): CacheStats {
    const now = this.#clock.now();
    const accounts: Record<string, Record<CacheKind, KindStats>> = {};
    for (const [id, e] of this.#accounts) {
      const held: Record<CacheKind, { entries: number; at: number | undefined }> = {
        positions: { entries: e.snapshot?.positions.length ?? 0, at: e.snapshot?.takenAt },
        orders: { entries: e.snapshot?.orders.length ?? 0, at: e.snapshot?.takenAt },
        markets: { entries: e.instrumentCount, at: e.instrumentsAt },
      };
      const kinds = {} as Record<CacheKind, KindStats>;
      for (const kind of CACHE_KINDS) {
        const h = held[kind];
        kinds[kind] = { ...e[which][kind], lastLoadMs: e.lastLoadMs[kind], entries: h.entries, ageMs: h.at === undefined ? undefined : now - h.at };
      }
      accounts[id] = kinds;
    }
    return { accounts };
  }

  #entry(account: AccountId): AccountEntry {
    const e = this.#accounts.get(account);
    if (e === undefined) throw new RangeError(`snapshot cache: no exchange for account "${account}"`);
    return e;
  }
}
