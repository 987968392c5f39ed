/**
 * ccxt's unified order, position and market structures (as its own parsers produced them
 * from Bybit's records) mapped to the domain types. Bybit's raw fields in `info` win where
 * they are more precise than ccxt's unified ones (orderStatus, orderLinkId, symbol id).
 */
import type { ExchangeOrder, ExchangePosition, Instrument, OrderStatus } from "../domain/types.ts";

/** The parts of ccxt's unified structures this mapping reads. */
export interface CcxtOrderLike {
  readonly id?: string | undefined;
  readonly clientOrderId?: string | undefined;
  readonly side?: string | undefined;
  readonly type?: string | undefined;
  readonly price?: number | undefined;
  readonly triggerPrice?: number | undefined;
  readonly amount?: number | undefined;
  readonly filled?: number | undefined;
  readonly reduceOnly?: boolean | undefined;
  readonly status?: string | undefined;
  readonly timestamp?: number | undefined;
  readonly lastUpdateTimestamp?: number | undefined;
  readonly info?: Record<string, unknown> | undefined;
}

export interface CcxtPositionLike {
  readonly side?: string | undefined;
  readonly contracts?: number | undefined;
  readonly entryPrice?: number | undefined;
  readonly markPrice?: number | undefined;
  readonly info?: Record<string, unknown> | undefined;
}

export interface CcxtMarketLike {
  readonly id?: string | undefined;
  readonly linear?: boolean | undefined;
  readonly precision?: { readonly price?: number | undefined; readonly amount?: number | undefined } | undefined;
  readonly limits?: { readonly amount?: { readonly min?: number | undefined } | undefined } | undefined;
}

/** Bybit orderStatus -> domain status. */
export const ORDER_STATUS: Readonly<Record<string, OrderStatus>> = {
  Created: "open",
  New: "open",
  PartiallyFilled: "open",
  PendingCancel: "open",
  Active: "open",
  Triggered: "open",
  Untriggered: "untriggered",
  Filled: "filled",
  PartiallyFilledCanceled: "filled",
  Cancelled: "cancelled",
  Rejected: "rejected",
  Deactivated: "deactivated",
};

function str(info: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = info?.[key];
  return v === undefined || v === null || v === "" ? undefined : String(v);
}

function num(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function positive(value: unknown): number | undefined {
  const n = num(value);
  return n !== undefined && n > 0 ? n : undefined;
}

export function toExchangeOrder(o: CcxtOrderLike): ExchangeOrder {
  const info = o.info;
  const rawStatus = str(info, "orderStatus");
  const status: OrderStatus | undefined = rawStatus !== undefined ? ORDER_STATUS[rawStatus] : undefined;
  const symbol = str(info, "symbol");
  const side = (str(info, "side") ?? o.side ?? "").toLowerCase();
  const type = (str(info, "orderType") ?? o.type ?? "").toLowerCase();
  if (symbol === undefined || (side !== "buy" && side !== "sell")) {
    throw new TypeError(`malformed order record from the exchange (orderId ${o.id ?? "?"})`);
  }
  return {
    id: o.id ?? str(info, "orderId") ?? "",
    linkId: str(info, "orderLinkId") ?? o.clientOrderId ?? "",
    symbol,
    side,
    type: type === "market" ? "market" : "limit",
    price: positive(o.price ?? str(info, "price")),
    triggerPrice: positive(o.triggerPrice ?? str(info, "triggerPrice")),
    qty: num(o.amount ?? str(info, "qty")) ?? 0,
    filledQty: num(o.filled ?? str(info, "cumExecQty")) ?? 0,
    reduceOnly: o.reduceOnly ?? (info?.["reduceOnly"] === true || info?.["reduceOnly"] === "true"),
    status: status ?? (o.status === "open" ? "open" : o.status === "closed" ? "filled" : o.status === "canceled" ? "cancelled" : "rejected"),
    updatedAt: o.lastUpdateTimestamp ?? num(str(info, "updatedTime")) ?? o.timestamp ?? 0,
  };
}

/** A position, or undefined for a flat record (size 0, side ""). */
export function toExchangePosition(p: CcxtPositionLike): ExchangePosition | undefined {
  const info = p.info;
  const symbol = str(info, "symbol");
  const size = num(p.contracts ?? str(info, "size")) ?? 0;
  const rawSide = str(info, "side");
  const side = p.side === "long" || rawSide === "Buy" ? "long" : p.side === "short" || rawSide === "Sell" ? "short" : undefined;
  if (symbol === undefined || size <= 0 || side === undefined) return undefined;
  return {
    symbol,
    side,
    size,
    entryPrice: num(p.entryPrice ?? str(info, "avgPrice")) ?? 0,
    markPrice: num(p.markPrice ?? str(info, "markPrice")) ?? 0,
  };
}

export function toInstrument(m: CcxtMarketLike): Instrument | undefined {
  const tick = m.precision?.price;
  const step = m.precision?.amount;
  if (m.id === undefined || tick === undefined || step === undefined) return undefined;
  return { symbol: m.id, tickSize: tick, qtyStep: step, minQty: m.limits?.amount?.min ?? step };
}

/**
 * A cheap fingerprint of one raw Bybit record: every field name and value (a nested object,
 * such as an order's `cumFeeDetail`, by its JSON). Two records with the same fingerprint
 * are the same record, so whatever ccxt's parser makes of one it makes of the other.
 */
export function fingerprint(raw: unknown): string {
  if (raw === null || typeof raw !== "object") return String(raw);
  const r = raw as Record<string, unknown>;
  let fp = "";
  for (const k in r) {
    const v = r[k];
    fp += k + "\u0001" + (v !== null && typeof v === "object" ? JSON.stringify(v) : String(v)) + "\u0002";
  }
  return fp;
}

/**
 * Orders parsed by ccxt, remembered per orderId with the fingerprint of the raw record they
 * came from: an order whose raw record is unchanged (same fields, same values, so the same
 * `updatedTime`, qty, prices, status) is served from here; a new or changed record goes
 * through ccxt's real `parseOrder` again. Exact, not approximate: parsing depends only on
 * the record and the (fixed) markets. `retain` after a full listing forgets orders no longer
 * listed, so the memo is as large as the account's open orders.
 */
export class OrderParseMemo {
  #entries = new Map<string, { readonly fp: string; readonly order: ExchangeOrder }>();
  /** Records parsed by ccxt since creation (new or changed), and served from the memo. */
  parsed = 0;
  served = 0;

  constructor(readonly parse: (raw: unknown) => ExchangeOrder) {}

  order(raw: unknown): ExchangeOrder {
    const id = (raw as { orderId?: unknown } | null)?.orderId;
    if (typeof id !== "string" || id === "") {
      this.parsed++;
      return this.parse(raw);
    }
    const fp = fingerprint(raw);
    const hit = this.#entries.get(id);
    if (hit !== undefined && hit.fp === fp) {
      this.served++;
      return hit.order;
    }
    this.parsed++;
    const order = this.parse(raw);
    this.#entries.set(id, { fp, order });
    return order;
  }

  /** Keep only these orders (the ids of a complete listing). */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#entries.keys()) if (!ids.has(id)) this.#entries.delete(id);
  }
}

/**
 * The raw position fields ccxt's `parsePosition` reads to make what the mapping uses other
 * than the mark price: symbol (market), size/qty (contracts), side, positionIdx and
 * closedSize (side), entryPrice/avgPrice/avgEntryPrice (entryPrice).
 */
const POSITION_SHAPE_FIELDS = ["symbol", "size", "qty", "side", "positionIdx", "closedSize", "entryPrice", "avgPrice", "avgEntryPrice"] as const;

/**
 * Positions parsed by ccxt, remembered per symbol and side with their shape fields. The mark
 * price changes every step, so it is never taken from the memo: on a hit the mark comes from
 * the raw record through ccxt's own `parseNumber` (what `parsePosition` does with it:
 * `markPrice: this.parseNumber(safeString(position, 'markPrice'))`), and the result is mapped
 * again. That is exact because the mapping reads, of ccxt's structure, only side, contracts,
 * entryPrice and markPrice, and of the raw record only the shape fields and markPrice.
 */
export class PositionParseMemo {
  readonly #entries = new Map<string, { readonly fp: string; readonly parsed: CcxtPositionLike }>();
  parsed = 0;
  served = 0;

  constructor(
    readonly parse: (raw: unknown) => CcxtPositionLike,
    readonly markOf: (raw: unknown) => number | undefined,
  ) {}

  position(raw: unknown): ExchangePosition | undefined {
    const r = raw as Record<string, unknown>;
    let fp = "";
    for (const k of POSITION_SHAPE_FIELDS) fp += String(r[k]) + "\u0001";
    const key = `${String(r["symbol"])}\u0001${String(r["positionIdx"])}`;
    const hit = this.#entries.get(key);
    if (hit !== undefined && hit.fp === fp) {
      this.served++;
      return toExchangePosition({ ...hit.parsed, markPrice: this.markOf(raw), info: r });
    }
    this.parsed++;
    const parsed = this.parse(raw);
    this.#entries.set(key, { fp, parsed });
    return toExchangePosition(parsed);
  }
}
