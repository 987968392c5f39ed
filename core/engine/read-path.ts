/**
 * How the engine reads the exchange. The strategy changes only how data is read; the
 * rules (evaluate) and the writes are the same code for every strategy:
 * - `warden`: one batched snapshot per account per cycle (core/cache), single-flight;
 * - `ttl`: a 15 s TTL cache per (account, symbol), filled per monitor (the old system after its fix);
 * - `naive`: each due monitor fetches its own position and the full paginated open-order list.
 *
 * Hit rate means what the old system's logs meant by it: a monitor read served without a
 * REST call made on that monitor's behalf. Batched account loads are counted as `loads`
 * and their calls as `calls`, not as monitor misses.
 */
import type { AccountId, AccountSnapshot, ExchangeOrder, ExchangePosition } from "../domain/types.ts";

export type StrategyName = "naive" | "ttl" | "warden";
/** A strategy of the bench, or `stream` (private WebSocket with REST as the auditor; `run --read stream`). */
export type ReadPathName = StrategyName | "stream";

export interface MonitorKey {
  readonly account: AccountId;
  readonly symbol: string;
}

export interface MonitorReadView {
  /** The first of `positions` (kept for readers of one-way accounts). */
  readonly position: ExchangePosition | undefined;
  /** Every open position of this account and symbol: one in one-way mode, up to two (long and short) in hedge mode. */
  readonly positions: readonly ExchangePosition[];
  /** Open orders of this account and symbol. */
  readonly orders: readonly ExchangeOrder[];
  /** Clock time the data was loaded. */
  readonly takenAt: number;
}

export interface ReadStats {
  /** Monitor reads served without a call of their own. */
  readonly hits: number;
  /** Monitor reads that needed a call of their own. */
  readonly misses: number;
  /** Batched loads (warden: account snapshots). */
  readonly loads: number;
  /** Loads that joined one already in flight. */
  readonly coalesced: number;
}

/** What the executor tells the read path about one write it sent (the stream read path waits for its echo). */
export interface WriteNote {
  readonly linkId: string;
  /** applied: the exchange took it; unknown: no answer; refused: nothing changed. */
  readonly outcome: "applied" | "unknown" | "refused";
}

export interface ReadPath {
  readonly name: ReadPathName;
  /**
   * Load what these due monitors need, as the strategy does it. Read failures propagate.
   * `accounts`: whole accounts to load as well, for strategies that load whole accounts
   * (the engine's discovery of positions it does not know); others ignore it.
   */
  prepare(due: readonly MonitorKey[], opts?: { readonly accounts?: readonly AccountId[] }): Promise<void>;
  /** The whole-account snapshots loaded this cycle (every prepare() since resetCycle), when the strategy loads whole accounts. */
  accountSnapshots?(): ReadonlyMap<AccountId, AccountSnapshot>;
  /** The data one monitor decides on; only valid for keys prepared this cycle (whole accounts: any symbol of them). */
  view(key: MonitorKey): MonitorReadView;
  /** Called after every write on an account (and symbol), with the write; and after a failed read (symbol ""). */
  invalidate(account: AccountId, symbol: string, write?: WriteNote): void;
  /**
   * Event-driven reads (the stream): calls `listener` when something arrived that changed an
   * account's view, or made it doubtful, so that its monitors are looked at now rather than at
   * their next due time. Returns the unsubscribe. Polling read paths have none.
   */
  onChange?(listener: (account: AccountId) => void): () => void;
  /** An order this read path saw by orderLinkId, open or closed (the stream's rows), so that a lookup needs no REST call; undefined when it does not know. */
  knownOrder?(account: AccountId, linkId: string): ExchangeOrder | undefined;
  /** Statistics since the last resetCycle(). */
  cycleStats(): ReadStats;
  /** Statistics since start. */
  totalStats(): ReadStats;
  resetCycle(): void;
}
