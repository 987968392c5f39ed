/**
 * The `stream` read path (DESIGN "Streams"): per account, the private stream connects,
 * signs in and has its topics acknowledged; then one REST snapshot (through the snapshot
 * cache) is taken and the rows received meanwhile are applied over it (stream-state.ts), and
 * the account is live: views are served from that state with no REST read.
 *
 * REST stays the auditor: a full snapshot every `auditEveryMs`, after every reconnect and
 * after every write of Warden's on the account (the write's echo is not awaited: the next
 * read is a snapshot). The differences an audit finds are reported (`stream.audit`). While
 * the stream is down the account is read by polling, as the `warden` path does
 * (`stream.fallback`, with why), and it goes back to the stream only through a fresh snapshot.
 */
import type { SnapshotSource } from "../cache/snapshot-source.ts";
import type { Clock } from "../clock.ts";
import type { AccountId, AccountSnapshot } from "../domain/types.ts";
import type { StreamEvent, StreamRow } from "../exchange/bybit-stream.ts";
import type { StreamRowParser } from "../exchange/stream-rows.ts";
import type { Emit } from "../logs/event.ts";
import { indexSnapshot, viewOf, type IndexedSnapshot } from "./account-view.ts";
import type { MonitorKey, MonitorReadView, ReadPath, ReadStats } from "./read-path.ts";
import { ReadTally } from "./read-tally.ts";
import { StreamState, type ParsedRows } from "./stream-state.ts";

export interface StreamLink {
  start(): void;
  stop(): void;
}

/** Opens (does not start) one account's private stream, its events going to `onEvent`. */
export type OpenStream = (account: AccountId, onEvent: (event: StreamEvent) => void) => StreamLink;

export interface StreamReadPathOptions {
  readonly clock: Clock;
  readonly open: OpenStream;
  readonly parser: StreamRowParser;
  /** Freshness of the polling fallback's snapshots. */
  readonly freshnessMs: number;
  readonly auditEveryMs: number;
  readonly emit?: Emit;
}

interface AccountStream {
  readonly link: StreamLink;
  readonly state: StreamState;
  /** Signed in and subscribed. */
  connected: boolean;
  /** Rebased on a snapshot since the link came up: views come from `state`. */
  synced: boolean;
  /** A write since the last snapshot: the next read is a snapshot. */
  dirty: boolean;
  auditedAt: number;
  /** Rows received while a snapshot is in flight. */
  buffer: ParsedRows[] | undefined;
  /** Why the account reads by polling (reported once per fallback). */
  fallback: string | undefined;
  readonly waiters: (() => void)[];
}


export class StreamReadPath implements ReadPath {
  readonly name = "stream" as const;
  readonly #cache: SnapshotSource;
  readonly #o: StreamReadPathOptions;
  readonly #emit: Emit;
  readonly #accounts = new Map<AccountId, AccountStream>();
  readonly #views = new Map<AccountId, IndexedSnapshot>();
  readonly #loaded = new Map<AccountId, AccountSnapshot>();
  readonly #tally = new ReadTally();
  readonly #listeners = new Set<(account: AccountId, rows: ParsedRows) => void>();

  constructor(cache: SnapshotSource, opts: StreamReadPathOptions) {
    this.#cache = cache;
    this.#o = opts;
    this.#emit = opts.emit ?? (() => {});
  }

  /** Starts the account's stream (prepare() does it too); resolves once it is signed in and subscribed. */
  connect(account: AccountId): Promise<void> {
    const a = this.#account(account);
    return a.connected ? Promise.resolve() : new Promise((resolve) => a.waiters.push(resolve));
  }

  /** True when the account's views come from the stream. */
  isLive(account: AccountId): boolean {
    return this.#accounts.get(account)?.synced === true;
  }

  /** Calls `listener` with every batch of rows the stream brings (after it is applied); returns the unsubscribe. */
  onRows(listener: (account: AccountId, rows: ParsedRows) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops every stream. */
  close(): void {
    for (const a of this.#accounts.values()) a.link.stop();
  }

  async prepare(due: readonly MonitorKey[], opts: { readonly accounts?: readonly AccountId[] } = {}): Promise<void> {
    const accounts = [...new Set([...due.map((k) => k.account), ...(opts.accounts ?? [])])];
    const loads = await Promise.all(accounts.map((account) => this.#read(account)));
    for (const [i, account] of accounts.entries()) {
      const snapshot = loads[i]!.snapshot;
      this.#views.set(account, indexSnapshot(snapshot));
      this.#loaded.set(account, snapshot);
    }
    this.#tally.add({ hits: due.length, misses: 0, loads: loads.filter((l) => l.rest).length, coalesced: 0 });
  }

  async #read(account: AccountId): Promise<{ snapshot: AccountSnapshot; rest: boolean }> {
    const a = this.#account(account);
    const now = this.#o.clock.now();
    if (a.connected && a.synced && !a.dirty && now - a.auditedAt < this.#o.auditEveryMs) {
      return { snapshot: a.state.snapshot(now), rest: false };
    }
    if (!a.connected) {
      return { snapshot: await this.#cache.snapshot(account, { maxAgeMs: this.#o.freshnessMs }), rest: true };
    }
    // A sync (after connecting) or an audit: the rows arriving meanwhile go over the snapshot.
    const wasSynced = a.synced;
    a.buffer = [];
    this.#cache.invalidate(account);
    let snapshot: AccountSnapshot;
    try {
      snapshot = await this.#cache.snapshot(account, { maxAgeMs: 0 });
    } catch (error) {
      a.buffer = undefined;
      throw error;
    }
    const buffered = a.buffer ?? [];
    a.buffer = undefined;
    if (!a.connected) {
      a.synced = false;
      return { snapshot, rest: true };
    }
    const differences = wasSynced && !a.dirty ? a.state.differences(snapshot) : [];
    a.state.rebase(snapshot, buffered);
    a.synced = true;
    a.dirty = false;
    a.auditedAt = now;
    this.#emit(differences.length > 0 ? "warn" : "info", "stream.audit", { account, calls: this.#calls(account), differences: differences.length, ...(differences.length > 0 ? { differed: differences.slice(0, 10) } : {}) });
    if (!wasSynced) {
      a.fallback = undefined;
      this.#emit("info", "stream.live", { account, positions: snapshot.positions.length, orders: snapshot.orders.length });
    }
    return { snapshot: a.state.snapshot(now), rest: true };
  }

  #calls(account: AccountId): number {
    const kinds = this.#cache.stats().lastCycle.accounts[account];
    return (kinds?.positions.restCalls ?? 0) + (kinds?.orders.restCalls ?? 0);
  }

  #account(account: AccountId): AccountStream {
    const had = this.#accounts.get(account);
    if (had !== undefined) return had;
    const a: AccountStream = {
      link: this.#o.open(account, (e) => this.#event(a, e)),
      state: new StreamState(account),
      connected: false,
      synced: false,
      dirty: false,
      auditedAt: -Infinity,
      buffer: undefined,
      fallback: undefined,
      waiters: [],
    };
    this.#accounts.set(account, a);
    a.link.start();
    return a;
  }

  #event(a: AccountStream, e: StreamEvent): void {
    switch (e.kind) {
      case "live":
        a.connected = true;
        a.synced = false;
        for (const w of a.waiters.splice(0)) w();
        return;
      case "down":
        this.#fallBack(a, e.reason);
        return;
      case "rows": {
        let parsed: ParsedRows;
        try {
          parsed = this.#parse(e.topic, e.data);
        } catch (error) {
          // A row Warden cannot read: the stream's view is in doubt until the next snapshot.
          a.synced = false;
          a.fallback = undefined;
          this.#fallBack(a, `unreadable ${e.topic} row: ${error instanceof Error ? error.message : String(error)}`, true);
          return;
        }
        a.buffer?.push(parsed);
        if (a.synced) a.state.apply(parsed);
        for (const l of [...this.#listeners]) l(a.state.account, parsed);
        return;
      }
    }
  }

  #fallBack(a: AccountStream, why: string, stillConnected = false): void {
    if (!stillConnected) a.connected = false;
    a.synced = false;
    if (a.fallback !== undefined) return;
    a.fallback = why;
    this.#emit("warn", "stream.fallback", { account: a.state.account, why });
  }

  #parse(topic: "order" | "execution" | "position", rows: readonly StreamRow[]): ParsedRows {
    const p = this.#o.parser;
    switch (topic) {
      case "order":
        return { topic, rows: rows.map((r) => p.order(r)) };
      case "position":
        return { topic, rows: rows.map((r) => p.position(r)) };
      case "execution":
        return { topic, rows: rows.map((r) => p.execution(r)) };
    }
  }

  accountSnapshots(): ReadonlyMap<AccountId, AccountSnapshot> {
    return this.#loaded;
  }

  view(key: MonitorKey): MonitorReadView {
    return viewOf(this.#views.get(key.account), key);
  }

  invalidate(account: AccountId): void {
    this.#cache.invalidate(account);
    const a = this.#accounts.get(account);
    if (a !== undefined) a.dirty = true;
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
}
