/**
 * The `warden` read path: one batched snapshot per account per cycle (positions and open
 * orders, paginated at the floor), shared by every due monitor of that account. Every
 * monitor read is served from the shared snapshot; loads and coalesced loads are counted
 * apart. Writes invalidate the account, so the next cycle decides on fresh data.
 */
import type { AccountId, AccountSnapshot, ExchangeOrder, ExchangePosition } from "../domain/types.ts";
import type { SnapshotSource } from "../cache/snapshot-source.ts";
import type { CacheStatsWindows } from "../cache/stats.ts";
import type { Emit } from "../logs/event.ts";
import type { MonitorKey, MonitorReadView, ReadPath, ReadStats } from "./read-path.ts";
import { ReadTally } from "./read-tally.ts";


interface Indexed {
  readonly takenAt: number;
  /** By symbol: both sides of a symbol in hedge mode. */
  readonly positions: Map<string, ExchangePosition[]>;
  readonly orders: Map<string, ExchangeOrder[]>;
}

export class SnapshotReadPath implements ReadPath {
  readonly name = "warden" as const;
  readonly #cache: SnapshotSource;
  readonly #maxAgeMs: number;
  readonly #views = new Map<AccountId, Indexed>();
  readonly #loaded = new Map<AccountId, AccountSnapshot>();
  readonly #tally = new ReadTally();

  readonly #emit: Emit;

  constructor(cache: SnapshotSource, opts: { freshnessMs: number; emit?: Emit }) {
    this.#cache = cache;
    this.#maxAgeMs = opts.freshnessMs;
    this.#emit = opts.emit ?? (() => {});
  }

  async prepare(due: readonly MonitorKey[], opts: { readonly accounts?: readonly AccountId[] } = {}): Promise<void> {
    const accounts = [...new Set([...due.map((k) => k.account), ...(opts.accounts ?? [])])];
    const coalesced0 = coalescedSoFar(this.#cache.stats());
    const snapshots = await Promise.all(accounts.map((a) => this.#timed(a)));
    const stats = this.#cache.stats().lastCycle.accounts;
    for (const { snapshot, ms } of snapshots) {
      const account = snapshot.account;
      const kinds = stats[account];
      if (this.#views.get(account)?.takenAt !== snapshot.takenAt) {
        const calls = (kinds?.positions.restCalls ?? 0) + (kinds?.orders.restCalls ?? 0);
        this.#emit("info", "snapshot.loaded", { account, positions: snapshot.positions.length, orders: snapshot.orders.length, calls, ms: Math.round(ms * 10) / 10 });
      }
      this.#views.set(account, index(snapshot));
      this.#loaded.set(account, snapshot);
      const reads = due.filter((k) => k.account === account).length;
      this.#emit("debug", "cache.hit", { account, kind: "snapshot", reads });
    }
    this.#tally.add({ hits: due.length, misses: 0, loads: accounts.length, coalesced: coalescedSoFar(this.#cache.stats()) - coalesced0 });
  }

  /** The snapshots loaded this cycle (since resetCycle), whatever prepare() call loaded them. */
  accountSnapshots(): ReadonlyMap<AccountId, AccountSnapshot> {
    return this.#loaded;
  }

  async #timed(account: AccountId): Promise<{ snapshot: AccountSnapshot; ms: number }> {
    const t0 = performance.now();
    const snapshot = await this.#cache.snapshot(account, { maxAgeMs: this.#maxAgeMs });
    return { snapshot, ms: performance.now() - t0 };
  }

  view(key: MonitorKey): MonitorReadView {
    const indexed = this.#views.get(key.account);
    if (indexed === undefined) throw new Error(`no snapshot of ${key.account} prepared`);
    const positions = indexed.positions.get(key.symbol) ?? [];
    return { position: positions[0], positions, orders: indexed.orders.get(key.symbol) ?? [], takenAt: indexed.takenAt };
  }

  invalidate(account: AccountId): void {
    this.#cache.invalidate(account);
  }

  cycleStats(): ReadStats {
    return this.#tally.cycle();
  }

  totalStats(): ReadStats {
    return this.#tally.total();
  }

  resetCycle(): void {
    this.#loaded.clear();
    this.#tally.resetCycle();
    this.#cache.resetCycle();
  }

  /** The snapshot cache's own statistics, for `cache-stats`. */
  cacheStats(): CacheStatsWindows {
    return this.#cache.stats();
  }
}

function coalescedSoFar(stats: CacheStatsWindows): number {
  let n = 0;
  for (const kinds of Object.values(stats.sinceStart.accounts)) n += kinds.orders.coalesced;
  return n;
}

function index(snapshot: AccountSnapshot): Indexed {
  const positions = new Map<string, ExchangePosition[]>();
  for (const p of snapshot.positions) {
    const list = positions.get(p.symbol);
    if (list === undefined) positions.set(p.symbol, [p]);
    else list.push(p);
  }
  const orders = new Map<string, ExchangeOrder[]>();
  for (const o of snapshot.orders) {
    const list = orders.get(o.symbol);
    if (list === undefined) orders.set(o.symbol, [o]);
    else list.push(o);
  }
  return { takenAt: snapshot.takenAt, positions, orders };
}
