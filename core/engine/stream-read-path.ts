/**
 * The `stream` read path (DESIGN "Streams"): per account, the private stream connects,
 * signs in and has its topics acknowledged; then one REST snapshot (through the snapshot
 * cache) is taken and the rows received meanwhile are applied over it (stream-state.ts), and
 * the account is live: views are served from that state with no REST read.
 *
 * Writes are confirmed by their echo: a write of Warden's the exchange took is expected back
 * as an `order` row with its orderLinkId within `echoTimeoutMs`. The stream is also expected
 * to follow every fill with the order's row and a position row of its symbol (Bybit's
 * updatedTime at or after the execTime). An expectation still unmet after `echoTimeoutMs` is a
 * contradiction: a missing echo is first looked up by orderLinkId (REST), then, like the
 * others, the account's view is in doubt: `stream.fallback` (why), a REST snapshot at once
 * (an audit: `stream.audit` with what differed), and the account is live again (`stream.live`).
 *
 * REST stays the auditor: a full snapshot every `auditEveryMs` and after every reconnect.
 * While the stream is down the account is read by polling, as the `warden` path does
 * (`stream.fallback`, with why), and it goes back to the stream only through a fresh snapshot.
 * `onChange` tells the run loop when rows changed an account's view, when it fell back, when
 * its stream came up again and when an expectation ran out, so that a cycle runs at once.
 */
import type { SnapshotSource } from "../cache/snapshot-source.ts";
import type { Clock } from "../clock.ts";
import type { AccountId, AccountSnapshot, ExchangeOrder } from "../domain/types.ts";
import type { StreamEvent, StreamRow } from "../exchange/bybit-stream.ts";
import type { StreamRowParser } from "../exchange/stream-rows.ts";
import type { Emit } from "../logs/event.ts";
import { indexSnapshot, viewOf, type IndexedSnapshot } from "./account-view.ts";
import type { MonitorKey, MonitorReadView, ReadPath, ReadStats, WriteNote } from "./read-path.ts";
import { ReadTally } from "./read-tally.ts";
import { StreamState, type ParsedRows } from "./stream-state.ts";

export interface StreamLink {
  start(): void;
  stop(): void;
}

/** Opens (does not start) one account's private stream, its events going to `onEvent`. */
export type OpenStream = (account: AccountId, onEvent: (event: StreamEvent) => void) => StreamLink;

/** Finds one order by orderLinkId over REST (a write whose echo did not come). */
export type LookupOrder = (account: AccountId, symbol: string, linkId: string) => Promise<ExchangeOrder | undefined>;

export interface StreamReadPathOptions {
  readonly clock: Clock;
  readonly open: OpenStream;
  readonly parser: StreamRowParser;
  /** Freshness of the polling fallback's snapshots. */
  readonly freshnessMs: number;
  readonly auditEveryMs: number;
  /** How long a write's echo, or the rows that must follow a fill, may take before it is a contradiction. */
  readonly echoTimeoutMs: number;
  readonly lookup: LookupOrder;
  readonly emit?: Emit;
  /** Timers for the expectations' deadlines; default the runtime's (unref'd: they never keep a process alive). */
  readonly timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
}

/** Something the stream owes: a write's echo, or the rows that follow a fill. */
interface Expectation {
  readonly why: string;
  /** Clock time it was noted. */
  readonly at: number;
  /** A write's echo: looked up by orderLinkId when it does not come. */
  readonly echo?: { readonly symbol: string; readonly linkId: string };
}

const UNREF_TIMERS = {
  setTimeout(fn: () => void, ms: number): unknown {
    const t = setTimeout(fn, ms) as unknown as { unref?: () => void };
    t.unref?.();
    return t;
  },
  clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

interface AccountStream {
  readonly link: StreamLink;
  readonly state: StreamState;
  /** Signed in and subscribed. */
  connected: boolean;
  /** Rebased on a snapshot since the link came up: views come from `state`. */
  synced: boolean;
  /** The next read is a snapshot: a failed read, or a write with no answer. */
  dirty: boolean;
  /** Why the view is in doubt (a contradiction): the next read is an audit that reports what differed. */
  doubt: string | undefined;
  /** Why the next snapshot is taken, for its `stream.audit` event. */
  auditWhy: string;
  /** What the stream owes, by key (`echo:LINKID`, `order:ORDERID`, `position:SYMBOL`). */
  readonly owed: Map<string, Expectation>;
  /** Clock time an order row with this orderLinkId last arrived (a write's echo may come before its answer). */
  readonly echoes: Map<string, number>;
  /** The highest updatedTime of the position rows received per symbol since the last snapshot. */
  readonly positionTimes: Map<string, number>;
  /** Per symbol, the execTime of the earliest fill still owed a position row. */
  readonly owedFillAt: Map<string, number>;
  auditedAt: number;
  /** Rows received while a snapshot is in flight. */
  buffer: ParsedRows[] | undefined;
  /** Why the account reads by polling (reported once per fallback). */
  fallback: string | undefined;
  readonly waiters: (() => void)[];
  /** ready() callers: the first live or down settles them. */
  readonly settled: ((live: boolean) => void)[];
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
  readonly #changeListeners = new Set<(account: AccountId) => void>();
  readonly #timers: NonNullable<StreamReadPathOptions["timers"]>;
  readonly #deadlines = new Set<unknown>();

  constructor(cache: SnapshotSource, opts: StreamReadPathOptions) {
    this.#cache = cache;
    this.#o = opts;
    this.#emit = opts.emit ?? (() => {});
    this.#timers = opts.timers ?? UNREF_TIMERS;
  }

  /** Resolves once the account's stream is live (true) or has gone down (false): a start-up that must not hang on a refused stream. */
  ready(account: AccountId): Promise<boolean> {
    const a = this.#account(account);
    if (a.connected) return Promise.resolve(true);
    return new Promise((resolve) => a.settled.push(resolve));
  }

  onChange(listener: (account: AccountId) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
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
    for (const t of this.#deadlines) this.#timers.clearTimeout(t);
    this.#deadlines.clear();
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
    if (a.connected && a.synced) {
      const late = [...a.owed.values()].filter((e) => now - e.at >= this.#o.echoTimeoutMs);
      if (late.length > 0) await this.#contradicted(a, late);
      else if (!a.dirty && now - a.auditedAt < this.#o.auditEveryMs) return { snapshot: a.state.snapshot(now), rest: false };
      else a.auditWhy = a.dirty ? "a write with no answer" : "timer";
    }
    if (!a.connected) {
      return { snapshot: await this.#cache.snapshot(account, { maxAgeMs: this.#o.freshnessMs }), rest: true };
    }
    // A sync (after connecting), an audit or a contradiction: the rows arriving meanwhile go over the snapshot.
    const wasSynced = a.synced || a.doubt !== undefined;
    const why = a.doubt !== undefined ? `contradiction: ${a.doubt}` : a.auditWhy;
    a.buffer = [];
    const owedBefore = new Set(a.owed.keys());
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
    // The snapshot settles whatever the stream owed before it was asked for.
    for (const key of owedBefore) a.owed.delete(key);
    a.positionTimes.clear();
    a.owedFillAt.clear();
    a.synced = true;
    a.dirty = false;
    a.doubt = undefined;
    a.auditedAt = now;
    this.#emit(differences.length > 0 ? "warn" : "info", "stream.audit", { account, why, calls: this.#calls(account), differences: differences.length, ...(differences.length > 0 ? { differed: differences.slice(0, 10) } : {}) });
    if (a.fallback !== undefined || !wasSynced) {
      a.fallback = undefined;
      this.#emit("info", "stream.live", { account, positions: snapshot.positions.length, orders: snapshot.orders.length });
    }
    return { snapshot: a.state.snapshot(now), rest: true };
  }

  /** Expectations the stream did not meet in time: look the missing echoes up, then put the view in doubt (the caller audits). */
  async #contradicted(a: AccountStream, late: readonly Expectation[]): Promise<void> {
    for (const e of late) {
      if (e.echo === undefined) continue;
      try {
        const found = await this.#o.lookup(a.state.account, e.echo.symbol, e.echo.linkId);
        if (found !== undefined) a.state.apply({ topic: "order", rows: [found] });
      } catch {
        // the audit that follows reads the whole account anyway
      }
    }
    const why = late.map((e) => e.why).join("; ");
    this.#doubt(a, why);
  }

  /** The stream's view of the account is in doubt: polling (a snapshot) until it is rebased. */
  #doubt(a: AccountStream, why: string): void {
    a.doubt ??= why;
    this.#fallBack(a, `contradiction: ${why}`, true);
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
      doubt: undefined,
      auditWhy: "going live",
      owed: new Map(),
      echoes: new Map(),
      positionTimes: new Map(),
      owedFillAt: new Map(),
      auditedAt: -Infinity,
      buffer: undefined,
      fallback: undefined,
      waiters: [],
      settled: [],
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
        a.auditWhy = a.auditedAt === -Infinity ? "going live" : "reconnect";
        for (const w of a.waiters.splice(0)) w();
        for (const s of a.settled.splice(0)) s(true);
        this.#changed(a.state.account); // read at once: the way back to the stream is a snapshot
        return;
      case "down":
        for (const s of a.settled.splice(0)) s(false);
        this.#fallBack(a, e.reason);
        return;
      case "rows": {
        let parsed: ParsedRows;
        try {
          parsed = this.#parse(e.topic, e.data);
        } catch (error) {
          // A row Warden cannot read: the stream's view is in doubt until the next snapshot.
          this.#doubt(a, `unreadable ${e.topic} row: ${error instanceof Error ? error.message : String(error)}`);
          return;
        }
        a.buffer?.push(parsed);
        this.#track(a, parsed);
        const changed = a.synced && a.state.apply(parsed);
        for (const l of [...this.#listeners]) l(a.state.account, parsed);
        if (changed) this.#changed(a.state.account);
        return;
      }
    }
  }

  /** Meets what the stream owed with these rows, and notes what a fill makes it owe. */
  #track(a: AccountStream, parsed: ParsedRows): void {
    const now = this.#o.clock.now();
    switch (parsed.topic) {
      case "order":
        for (const o of parsed.rows) {
          a.owed.delete(`order:${o.id}`);
          if (o.linkId !== "") {
            a.owed.delete(`echo:${o.linkId}`);
            a.echoes.set(o.linkId, now);
          }
        }
        if (a.echoes.size > 1_000) for (const [linkId, at] of a.echoes) if (now - at > this.#o.echoTimeoutMs) a.echoes.delete(linkId);
        return;
      case "position":
        for (const p of parsed.rows) {
          a.positionTimes.set(p.symbol, Math.max(p.updatedAt, a.positionTimes.get(p.symbol) ?? 0));
          if (p.updatedAt >= (a.owedFillAt.get(p.symbol) ?? Infinity)) a.owed.delete(`position:${p.symbol}`);
        }
        return;
      case "execution":
        for (const x of parsed.rows) {
          if (!x.trade || x.execId === "" || a.state.knows(x.execId)) continue;
          const order = a.state.order(x.orderId);
          if (order === undefined || order.updatedAt < x.execTime) this.#owe(a, `order:${x.orderId}`, { why: `execution ${x.execId} for order ${x.orderId}, whose row has not come`, at: now });
          if ((a.positionTimes.get(x.symbol) ?? -Infinity) < x.execTime) {
            a.owedFillAt.set(x.symbol, Math.min(x.execTime, a.owedFillAt.get(x.symbol) ?? Infinity));
            this.#owe(a, `position:${x.symbol}`, { why: `a fill on ${x.symbol} (execution ${x.execId}) with no position row following`, at: now });
          }
        }
        return;
    }
  }

  #owe(a: AccountStream, key: string, e: Expectation): void {
    if (a.owed.has(key)) return;
    a.owed.set(key, e);
    // Nothing may read the account for a while: look again when it is due.
    const t = this.#timers.setTimeout(() => {
      this.#deadlines.delete(t);
      if (a.owed.get(key) === e) this.#changed(a.state.account);
    }, this.#o.echoTimeoutMs);
    this.#deadlines.add(t);
  }

  #changed(account: AccountId): void {
    for (const l of [...this.#changeListeners]) l(account);
  }

  #fallBack(a: AccountStream, why: string, stillConnected = false): void {
    if (!stillConnected) a.connected = false;
    a.synced = false;
    if (a.fallback !== undefined) return;
    a.fallback = why;
    this.#emit("warn", "stream.fallback", { account: a.state.account, why });
    this.#changed(a.state.account);
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

  /** While the account is live, the orders its stream saw (closed ones too, since the last snapshot) answer lookups by orderLinkId. */
  knownOrder(account: AccountId, linkId: string): ExchangeOrder | undefined {
    const a = this.#accounts.get(account);
    if (a === undefined || !a.synced || linkId === "") return undefined;
    return a.state.orderByLinkId(linkId);
  }

  /** The account's view as its stream state holds it, and the trade executions it counted (duplicates dropped); undefined while not live. */
  streamView(account: AccountId): { readonly view: AccountSnapshot; readonly fills: number } | undefined {
    const a = this.#accounts.get(account);
    if (a === undefined || !a.synced) return undefined;
    return { view: a.state.snapshot(this.#o.clock.now()), fills: a.state.fills };
  }

  accountSnapshots(): ReadonlyMap<AccountId, AccountSnapshot> {
    return this.#loaded;
  }

  view(key: MonitorKey): MonitorReadView {
    return viewOf(this.#views.get(key.account), key);
  }

  invalidate(account: AccountId, symbol: string, write?: WriteNote): void {
    const a = this.#accounts.get(account);
    if (write?.outcome === "refused") return; // nothing changed on the exchange
    if (write?.outcome === "applied" && a !== undefined && a.synced) {
      // Confirmed by its echo; an echo that came before the answer counts.
      const now = this.#o.clock.now();
      const echoed = a.echoes.get(write.linkId);
      if (echoed === undefined || now - echoed > this.#o.echoTimeoutMs) this.#owe(a, `echo:${write.linkId}`, { why: `no echo of ${write.linkId} within ${this.#o.echoTimeoutMs} ms`, at: now, echo: { symbol, linkId: write.linkId } });
      return;
    }
    this.#cache.invalidate(account);
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
