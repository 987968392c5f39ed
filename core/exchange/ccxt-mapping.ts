/**
 * ccxt's unified order, position and market structures (as its own parsers produced them
 * from Bybit's records) mapped to the domain types. Bybit's raw fields in `info` win where
 * they are more precise than ccxt's unified ones (orderStatus, orderLinkId, symbol id).
 */
import type { ExchangeOrder, ExchangePosition, Instrument, OrderStatus, PositionIdx } from "../domain/types.ts";

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

/** Bybit's positionIdx (a number on the wire, a string in some records); 0 when absent. Anything else is a malformed record. */
export function positionIdxOf(info: Record<string, unknown> | undefined): PositionIdx {
  const v = info?.["positionIdx"];
  if (v === undefined || v === null || v === "") return 0;
  const n = Number(v);
  if (n === 0 || n === 1 || n === 2) return n;
  throw new TypeError(`malformed positionIdx ${JSON.stringify(v)} from the exchange`);
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
    positionIdx: positionIdxOf(info),
    status: status ?? (o.status === "open" ? "open" : o.status === "closed" ? "filled" : o.status === "canceled" ? "cancelled" : "rejected"),
    updatedAt: o.lastUpdateTimestamp ?? num(str(info, "updatedTime")) ?? o.timestamp ?? 0,
  };
}

/**
 * A position, or undefined for a flat record (size 0, side ""; in hedge mode Bybit lists
 * the empty side of a symbol as such a record). ccxt reads the side of a hedge-mode record
 * from its positionIdx (1 long, 2 short), of a one-way record from `side`.
 */
export function toExchangePosition(p: CcxtPositionLike): ExchangePosition | undefined {
  const info = p.info;
  const symbol = str(info, "symbol");
  const size = num(p.contracts ?? str(info, "size")) ?? 0;
  const rawSide = str(info, "side");
  const side = p.side === "long" || rawSide === "Buy" ? "long" : p.side === "short" || rawSide === "Sell" ? "short" : undefined;
  if (symbol === undefined || size <= 0 || side === undefined) return undefined;
  const openedAt = num(str(info, "createdTime"));
  const stopLoss = num(str(info, "stopLoss"));
  return {
    symbol,
    side,
    positionIdx: positionIdxOf(info),
    size,
    entryPrice: num(p.entryPrice ?? str(info, "avgPrice")) ?? 0,
    markPrice: num(p.markPrice ?? str(info, "markPrice")) ?? 0,
    ...(openedAt !== undefined && openedAt > 0 ? { openedAt } : {}),
    ...(stopLoss !== undefined && stopLoss > 0 ? { stopLoss } : {}),
  };
}

export function toInstrument(m: CcxtMarketLike): Instrument | undefined {
  const tick = m.precision?.price;
  const step = m.precision?.amount;
  if (m.id === undefined || tick === undefined || step === undefined) return undefined;
  return { symbol: m.id, tickSize: tick, qtyStep: step, minQty: m.limits?.amount?.min ?? step };
}

/**
 * Whether two raw Bybit records are the same record: the same field names with the same
 * values (nested objects, such as an order's `cumFeeDetail`, compared field by field). Then
 * whatever ccxt's parser makes of one it makes of the other. No string is built: a record
 * is compared with the one kept from the last listing.
 */
export function sameRecord(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    n++;
    const v = x[k];
    const w = y[k];
    if (v === w) {
      if (v !== undefined || k in y) continue;
      return false;
    }
    if (typeof v !== "object" || typeof w !== "object" || !sameRecord(v, w)) return false;
  }
  for (const _ in y) n--;
  return n === 0;
}

/**
 * Orders parsed by ccxt, remembered per orderId with the raw record they came from: an
 * order whose raw record is unchanged (same fields, same values, so the same
 * `updatedTime`, qty, prices, status) is served from here; a new or changed record goes
 * through ccxt's real `parseOrder` again. Exact, not approximate: parsing depends only on
 * the record and the (fixed) markets. `retain` after a full listing forgets orders no longer
 * listed, so the memo is as large as the account's open orders.
 */
export class OrderParseMemo {
  #entries = new Map<string, { readonly raw: unknown; readonly order: ExchangeOrder }>();
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
    const hit = this.#entries.get(id);
    if (hit !== undefined && sameRecord(raw, hit.raw)) {
      this.served++;
      return hit.order;
    }
    this.parsed++;
    const order = this.parse(raw);
    this.#entries.set(id, { raw, order });
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

/** Freeze a parsed JSON tree, so that a body served twice can never be changed by a reader. */
function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const k in value as Record<string, unknown>) deepFreeze((value as Record<string, unknown>)[k]);
}

/** Bodies remembered (one per page of each listing: 1,000 monitors take about 100). */
export const BODY_MEMO_ENTRIES = 512;

/**
 * Response bodies parsed by ccxt's `parseJson`, remembered by their text. A Bybit body ends
 * with the envelope's `,"time":<ms>}`, which changes on every response; the rest of a page
 * is the same text from one cycle to the next when its records did not change. A body whose
 * text, up to that trailing time, equals a remembered one parses to the same tree, so it is
 * served from here with its own time (a fresh envelope over the shared, frozen `result`);
 * any other text is parsed by ccxt. Exact by construction: equal text, equal parse.
 */
export class BodyParseMemo {
  readonly #entries = new Map<string, Record<string, unknown>>();
  parsed = 0;
  served = 0;

  constructor(readonly parse: (text: string) => unknown) {}

  body(text: unknown): unknown {
    if (typeof text !== "string") return this.parse(text as string);
    const at = text.lastIndexOf(',"time":');
    const digits = at < 0 ? "" : text.slice(at + 8, -1);
    // The trailing member of the top-level object only: digits, then the closing brace, then the end.
    if (at < 0 || !text.endsWith("}") || !/^\d{1,16}$/.test(digits)) return this.#fresh(text, undefined);
    const head = text.slice(0, at);
    const hit = this.#entries.get(head);
    if (hit !== undefined) {
      this.served++;
      return { ...hit, time: Number(digits) };
    }
    return this.#fresh(text, head);
  }

  #fresh(text: string, head: string | undefined): unknown {
    this.parsed++;
    const tree = this.parse(text);
    if (head === undefined || tree === null || typeof tree !== "object" || Array.isArray(tree)) return tree;
    deepFreeze(tree);
    if (this.#entries.size >= BODY_MEMO_ENTRIES) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(head, tree as Record<string, unknown>);
    return tree;
  }
}
