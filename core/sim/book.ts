/**
 * One account's orders: the open ones indexed by symbol (matching touches only the symbols
 * whose price moved), the closed history, and the orderLinkIds in use. Listings are newest
 * first by createdTime, ties broken by creation sequence (also newest first), so a listing
 * is a stable order the REST layer can paginate. Records are built once per change and
 * frozen: callers must not mutate them.
 */
import type { PositionIdx } from "../domain/types.ts";
import { amount, formatPrice, formatQty, type InstrumentSpec } from "./instruments.ts";
import type { BybitRecord } from "./venue-api.ts";

/** `Triggered`: Bybit's instantaneous state of a conditional between Untriggered and New; only the stream sees it. */
export type OrderStatus = "New" | "PartiallyFilled" | "Untriggered" | "Triggered" | "Filled" | "Cancelled" | "Deactivated" | "Rejected";

export interface SimOrder {
  /** Creation sequence within the venue; tie-breaker for listings. */
  readonly seq: number;
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly symbol: string;
  readonly spec: InstrumentSpec;
  readonly side: "Buy" | "Sell";
  readonly orderType: "Limit" | "Market";
  qtyLots: number;
  /** Limit price; for market orders the protection price shown by Bybit (0 while untriggered). */
  price: number;
  /** 0 when not conditional. */
  triggerPrice: number;
  triggerDirection: 0 | 1 | 2;
  readonly reduceOnly: boolean;
  readonly closeOnTrigger: boolean;
  /** The position it belongs to: 0 in one-way mode, 1 (long) or 2 (short) in hedge mode. */
  readonly positionIdx: PositionIdx;
  readonly triggerBy: "LastPrice" | "MarkPrice" | "IndexPrice";
  readonly timeInForce: "GTC" | "IOC";
  readonly stopOrderType: "" | "Stop";
  status: OrderStatus;
  cumLots: number;
  cumValue: number;
  cumFee: number;
  readonly createdTime: number;
  updatedTime: number;
  readonly lastPriceOnCreated: number;
  cancelType: string;
  readonly createType: string;
  takeProfit: string;
  stopLoss: string;
  /** Cached wire record; cleared on every change. */
  record?: BybitRecord | undefined;
}

export const OPEN_STATUSES: ReadonlySet<OrderStatus> = new Set(["New", "PartiallyFilled", "Untriggered"]);

export function orderRecord(o: SimOrder): BybitRecord {
  if (o.record) return o.record;
  const s = o.spec;
  const leaves = OPEN_STATUSES.has(o.status) ? o.qtyLots - o.cumLots : 0;
  const price = o.price > 0 ? formatPrice(s, o.price) : "0";
  const record: BybitRecord = {
    symbol: o.symbol,
    orderType: o.orderType,
    orderLinkId: o.orderLinkId,
    slLimitPrice: "0",
    orderId: o.orderId,
    cancelType: o.cancelType,
    avgPrice: o.cumLots > 0 ? amount(o.cumValue / (o.cumLots * s.qtyStep)) : OPEN_STATUSES.has(o.status) ? "" : "0",
    stopOrderType: o.stopOrderType,
    lastPriceOnCreated: formatPrice(s, o.lastPriceOnCreated),
    orderStatus: o.status,
    createType: o.createType,
    takeProfit: o.takeProfit,
    cumExecValue: amount(o.cumValue),
    tpslMode: "",
    smpType: "None",
    triggerDirection: o.triggerDirection,
    blockTradeId: "",
    cumFeeDetail: o.cumFee > 0 ? { USDT: amount(o.cumFee) } : {},
    isLeverage: "",
    rejectReason: "EC_NoError",
    price,
    orderIv: "",
    createdTime: String(o.createdTime),
    tpTriggerBy: "",
    positionIdx: o.positionIdx,
    timeInForce: o.timeInForce,
    leavesValue: amount(leaves * s.qtyStep * o.price),
    updatedTime: String(o.updatedTime),
    side: o.side,
    smpGroup: 0,
    triggerPrice: o.triggerPrice > 0 ? formatPrice(s, o.triggerPrice) : "",
    tpLimitPrice: "0",
    cumExecFee: amount(o.cumFee),
    leavesQty: formatQty(s, leaves),
    slTriggerBy: "",
    closeOnTrigger: o.closeOnTrigger,
    placeType: "",
    cumExecQty: formatQty(s, o.cumLots),
    reduceOnly: o.reduceOnly,
    qty: formatQty(s, o.qtyLots),
    stopLoss: o.stopLoss,
    marketUnit: "",
    smpOrderId: "",
    triggerBy: o.triggerPrice > 0 ? o.triggerBy : "",
  };
  o.record = Object.freeze(record);
  return o.record;
}

export interface OrderQuery {
  symbol?: string | undefined;
  orderId?: string | undefined;
  orderLinkId?: string | undefined;
  orderStatus?: string | undefined;
}

function newestFirst(a: SimOrder, b: SimOrder): number {
  return b.createdTime - a.createdTime || b.seq - a.seq;
}

export class OrderBook {
  /** Open orders by symbol, each map in creation order. */
  readonly #open = new Map<string, Map<string, SimOrder>>();
  readonly #openById = new Map<string, SimOrder>();
  readonly #openByLink = new Map<string, SimOrder>();
  readonly #history: SimOrder[] = [];
  readonly #linkIds = new Set<string>();
  #openListing: SimOrder[] | undefined;
  #historySorted = true;
  /** Told of every order written (added, or changed after a mutation): the venue's change stream. */
  onWrite: ((order: SimOrder) => void) | undefined;

  hasLinkId(linkId: string): boolean {
    return linkId !== "" && this.#linkIds.has(linkId);
  }

  add(order: SimOrder): void {
    if (order.orderLinkId !== "") this.#linkIds.add(order.orderLinkId);
    this.onWrite?.(order);
    if (!OPEN_STATUSES.has(order.status)) {
      this.#pushHistory(order);
      return;
    }
    let bySymbol = this.#open.get(order.symbol);
    if (!bySymbol) this.#open.set(order.symbol, (bySymbol = new Map()));
    bySymbol.set(order.orderId, order);
    this.#openById.set(order.orderId, order);
    if (order.orderLinkId !== "") this.#openByLink.set(order.orderLinkId, order);
    this.#openListing = undefined;
  }

  /** Moves an order that reached a final status from the open index to history. */
  close(order: SimOrder): void {
    this.#open.get(order.symbol)?.delete(order.orderId);
    this.#openById.delete(order.orderId);
    if (order.orderLinkId !== "") this.#openByLink.delete(order.orderLinkId);
    this.#openListing = undefined;
    this.#pushHistory(order);
  }

  changed(order: SimOrder): void {
    order.record = undefined;
    this.#openListing = undefined;
    this.onWrite?.(order);
  }

  findOpen(ref: { orderId?: string | undefined; orderLinkId?: string | undefined }): SimOrder | undefined {
    if (ref.orderId) return this.#openById.get(ref.orderId);
    if (ref.orderLinkId) return this.#openByLink.get(ref.orderLinkId);
    return undefined;
  }

  /** Open orders of one symbol, oldest first (matching priority). A copy: safe to mutate the book while iterating. */
  openOf(symbol: string): SimOrder[] {
    const m = this.#open.get(symbol);
    return m ? [...m.values()] : [];
  }

  openSymbols(): string[] {
    const out: string[] = [];
    for (const [symbol, m] of this.#open) if (m.size > 0) out.push(symbol);
    return out;
  }

  openCount(): number {
    return this.#openById.size;
  }

  historyCount(): number {
    return this.#history.length;
  }

  /** Open orders, newest first. */
  listOpen(q: OrderQuery): SimOrder[] {
    if (q.orderId !== undefined || q.orderLinkId !== undefined) {
      const o = this.findOpen(q);
      return o && (!q.symbol || o.symbol === q.symbol) ? [o] : [];
    }
    if (q.symbol !== undefined) return this.openOf(q.symbol).sort(newestFirst);
    this.#openListing ??= [...this.#openById.values()].sort(newestFirst);
    return this.#openListing;
  }

  /** Closed orders, newest first (by createdTime, as Bybit lists history). */
  listHistory(q: OrderQuery): SimOrder[] {
    if (!this.#historySorted) {
      this.#history.sort(newestFirst);
      this.#historySorted = true;
    }
    return this.#history.filter(
      (o) =>
        (q.symbol === undefined || o.symbol === q.symbol) &&
        (q.orderId === undefined || o.orderId === q.orderId) &&
        (q.orderLinkId === undefined || o.orderLinkId === q.orderLinkId) &&
        (q.orderStatus === undefined || q.orderStatus.split(",").includes(o.status)),
    );
  }

  #pushHistory(order: SimOrder): void {
    this.#history.push(order);
    this.#historySorted = false;
  }
}
