/**
 * One account as the private stream tells it, rebased on a REST snapshot: orders keyed by
 * orderId (the latest `updatedTime` wins, a final state wins a tie), positions by symbol and
 * positionIdx (the highest `seq` wins; a REST record counts as older than any row received
 * after the snapshot was asked for), executions deduplicated by `execId`. Pure: rows and
 * snapshots go in, an AccountSnapshot comes out.
 */
import type { AccountId, AccountSnapshot, ExchangeOrder, ExchangePosition } from "../domain/types.ts";
import { positionKey, type ExecutionRow, type PositionRow } from "../exchange/stream-rows.ts";

const OPEN = new Set(["open", "untriggered"]);
/** How many execIds are remembered for deduplication (the oldest are forgotten first): far more than a duplicate's reach. */
export const EXEC_IDS_KEPT = 10_000;
/** How many closed orders a rebase keeps (the latest), for lookups by orderLinkId. */
export const CLOSED_KEPT = 1_000;

export type ParsedRows =
  | { readonly topic: "order"; readonly rows: readonly ExchangeOrder[] }
  | { readonly topic: "position"; readonly rows: readonly PositionRow[] }
  | { readonly topic: "execution"; readonly rows: readonly ExecutionRow[] };

export interface Difference {
  readonly kind: "order" | "position";
  readonly key: string;
  readonly stream: string;
  readonly rest: string;
}

export class StreamState {
  readonly account: AccountId;
  readonly #orders = new Map<string, ExchangeOrder>();
  readonly #positions = new Map<string, { seq: number; position: ExchangePosition | undefined }>();
  readonly #execIds = new Set<string>();
  /** Trade executions seen once (duplicates dropped). */
  fills = 0;

  constructor(account: AccountId) {
    this.account = account;
  }

  /** Starts again from a REST snapshot, then applies the rows received since it was asked for. */
  rebase(snapshot: AccountSnapshot, since: readonly ParsedRows[]): void {
    // Orders the stream saw close stay known (a snapshot lists open orders only): they answer lookups.
    const closed = [...this.#orders.values()].filter((o) => !OPEN.has(o.status)).slice(-CLOSED_KEPT);
    this.#orders.clear();
    for (const o of closed) this.#orders.set(o.id, o);
    this.#positions.clear();
    for (const o of snapshot.orders) this.#orders.set(o.id, o);
    for (const p of snapshot.positions) this.#positions.set(positionKey(p.symbol, p.positionIdx), { seq: -1, position: p });
    for (const rows of since) this.apply(rows);
  }

  /** Applies one batch of rows; true when the account's view (open orders, positions) changed. */
  apply(parsed: ParsedRows): boolean {
    let changed = false;
    switch (parsed.topic) {
      case "order":
        for (const o of parsed.rows) {
          const had = this.#orders.get(o.id);
          if (had === undefined || o.updatedAt > had.updatedAt || (o.updatedAt === had.updatedAt && !OPEN.has(o.status))) {
            this.#orders.set(o.id, o);
            if (had === undefined ? OPEN.has(o.status) : orderText(had) !== orderText(o)) changed = true;
          }
        }
        return changed;
      case "position":
        for (const row of parsed.rows) {
          const had = this.#positions.get(row.key);
          if (had === undefined || row.seq > had.seq) {
            this.#positions.set(row.key, { seq: row.seq, position: row.position });
            if (positionText(had?.position) !== positionText(row.position)) changed = true;
          }
        }
        return changed;
      case "execution":
        for (const e of parsed.rows) {
          if (e.execId === "" || this.#execIds.has(e.execId)) continue;
          this.#execIds.add(e.execId);
          if (this.#execIds.size > EXEC_IDS_KEPT) this.#execIds.delete(this.#execIds.values().next().value!);
          if (e.trade) this.fills++;
        }
        return false;
    }
  }

  /** True when this execution was applied already (a duplicate). */
  knows(execId: string): boolean {
    return this.#execIds.has(execId);
  }

  /** The latest row of the order with this orderLinkId, open or not, since the last rebase. */
  orderByLinkId(linkId: string): ExchangeOrder | undefined {
    let found: ExchangeOrder | undefined;
    for (const o of this.#orders.values()) if (o.linkId === linkId && (found === undefined || o.updatedAt >= found.updatedAt)) found = o;
    return found;
  }

  /** The latest row (or snapshot record) of an order, open or not, since the last rebase. */
  order(id: string): ExchangeOrder | undefined {
    return this.#orders.get(id);
  }

  snapshot(takenAt: number): AccountSnapshot {
    const positions = [...this.#positions.values()].flatMap((p) => (p.position !== undefined && p.position.size > 0 ? [p.position] : []));
    const orders = [...this.#orders.values()].filter((o) => OPEN.has(o.status));
    return { account: this.account, positions, orders, takenAt };
  }

  /** What this state shows that a REST snapshot does not, and the reverse: sizes and prices of positions, open orders by id. */
  differences(rest: AccountSnapshot): Difference[] {
    const mine = this.snapshot(rest.takenAt);
    const out: Difference[] = [];
    const pos = positionText;
    const byKey = (list: readonly ExchangePosition[]) => new Map(list.map((p) => [positionKey(p.symbol, p.positionIdx), p]));
    const a = byKey(mine.positions);
    const b = byKey(rest.positions);
    for (const key of new Set([...a.keys(), ...b.keys()])) {
      const s = pos(a.get(key));
      const r = pos(b.get(key));
      if (s !== r) out.push({ kind: "position", key, stream: s, rest: r });
    }
    const ord = (o: ExchangeOrder | undefined): string => (o === undefined ? "none" : orderText(o));
    const oa = new Map(mine.orders.map((o) => [o.id, o]));
    const ob = new Map(rest.orders.map((o) => [o.id, o]));
    for (const id of new Set([...oa.keys(), ...ob.keys()])) {
      const s = ord(oa.get(id));
      const r = ord(ob.get(id));
      if (s !== r) out.push({ kind: "order", key: id, stream: s, rest: r });
    }
    return out;
  }
}

function positionText(p: ExchangePosition | undefined): string {
  return p === undefined || p.size === 0 ? "none" : `${p.side} ${p.size} @ ${p.entryPrice}`;
}

function orderText(o: ExchangeOrder): string {
  return `${o.status} ${o.qty} ${o.price ?? ""} ${o.triggerPrice ?? ""}`;
}
