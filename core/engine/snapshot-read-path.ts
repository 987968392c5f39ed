/**
 * The `warden` read path: one batched snapshot per account per cycle (positions and open
 * orders, paginated at the floor), shared by every due monitor of that account. Every
 * monitor read is served from the shared snapshot; loads and coalesced loads are counted
 * apart. Writes invalidate the account, so the next cycle decides on fresh data.
 */
import type { AccountId, AccountSnapshot } from "../domain/types.ts";
import type { SnapshotSource } from "../cache/snapshot-source.ts";
import type { CacheStatsWindows } from "../cache/stats.ts";
import type { Emit } from "../logs/event.ts";
import { indexSnapshot, viewOf, type IndexedSnapshot } from "./account-view.ts";
import type { MonitorKey, MonitorReadView, ReadPath, ReadStats } from "./read-path.ts";
import { ReadTally } from "./read-tally.ts";



export class SnapshotReadPath implements ReadPath {
  readonly name = "warden" as const;
  readonly #cache: SnapshotSource;
  readonly #maxAgeMs: number;
  readonly #views = new Map<AccountId, IndexedSnapshot>();
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
      this.#views.set(account, indexSnapshot(snapshot));
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
    return viewOf(this.#views.get(key.account), key);
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
