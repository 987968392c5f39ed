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
