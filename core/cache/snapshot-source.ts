/**
 * Where the engine gets account snapshots from. The snapshot cache implements it; a
 * different read strategy (the bench's) can stand in without the engine changing.
 */
import type { AccountId, AccountSnapshot } from "../domain/types.ts";
import type { CacheStatsWindows } from "./stats.ts";

export interface SnapshotOptions {
  /** Freshness bound for decisions that write: an entry older than this is reloaded. */
  readonly maxAgeMs?: number;
}

export interface SnapshotSource {
  snapshot(account: AccountId, opts?: SnapshotOptions): Promise<AccountSnapshot>;
  /** After every write on the account: the next snapshot is loaded afresh. */
  invalidate(account: AccountId): void;
  /** Statistics over the last cycle and since start. */
  stats(): CacheStatsWindows;
  /** Starts a new cycle window. */
  resetCycle(): void;
}
