/**
 * Reading the body of an order write (create, amend) the way Bybit does: values may come as
 * strings or numbers, prices must sit on the tick (10001), quantities on the lot (10001),
 * prices within the instrument's range (110003). Refusals are SimErrors with Bybit's codes.
 */
import type { PositionIdx } from "../domain/types.ts";
import { lotsOf, ticksOf, type InstrumentSpec } from "./instruments.ts";
import { SimError, type Params } from "./venue-api.ts";

export type TimeInForce = "GTC" | "IOC" | "FOK" | "PostOnly";

export interface CreateRequest {
  readonly spec: InstrumentSpec;
  readonly side: "Buy" | "Sell";
  readonly orderType: "Limit" | "Market";
  readonly lots: number;
  /** 0 for market orders. */
  readonly price: number;
  /** 0 when not conditional. */
  readonly triggerPrice: number;
  /** 0 when absent (derived from the mark by the venue). */
  readonly triggerDirection: 0 | 1 | 2;
  readonly reduceOnly: boolean;
  readonly closeOnTrigger: boolean;
  /** 0 when absent; whether it fits the account's position mode is the venue's check. */
  readonly positionIdx: PositionIdx;
  /** What a conditional triggers on; the simulator has one price per step, so all three match it alike. */
  readonly triggerBy: "LastPrice" | "MarkPrice" | "IndexPrice";
  readonly orderLinkId: string;
  readonly timeInForce: TimeInForce;
  readonly takeProfit: string;
  readonly stopLoss: string;
}

export interface AmendRequest {
  readonly orderId: string | undefined;
  readonly orderLinkId: string | undefined;
  readonly lots: number | undefined;
  readonly price: number | undefined;
  readonly triggerPrice: number | undefined;
  readonly takeProfit: string | undefined;
  readonly stopLoss: string | undefined;
}

export function paramsError(detail: string): SimError {
  return new SimError(10001, `params error: ${detail}`);
}

export function text(body: Params, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw paramsError(`${key} must be a string`);
}

function num(body: Params, key: string): number | undefined {
  const s = text(body, key);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n)) throw paramsError(`${key} must be a number, got ${JSON.stringify(s)}`);
  return n;
}

function flag(body: Params, key: string): boolean {
  const v = body[key];
  return v === true || v === "true" || v === 1 || v === "1";
}

export function checkCategory(body: Params): void {
  const category = text(body, "category");
  if (category !== undefined && category !== "linear") throw paramsError(`category ${category} is not supported by the simulator (linear only)`);
}

export function lotsFor(spec: InstrumentSpec, qty: number, key = "qty"): number {
  if (!(qty > 0)) throw paramsError(`${key} must be positive`);
  const lots = lotsOf(spec, qty);
  if (lots === undefined) throw paramsError(`${key} ${qty} is not a multiple of qtyStep ${spec.qtyStep} for ${spec.symbol}`);
  if (lots < spec.minLots) throw new SimError(10001, `The number of contracts exceeds minimum limit allowed: ${key} ${qty} is below minOrderQty for ${spec.symbol}`);
  if (lots > spec.maxLots) throw new SimError(10001, `The number of contracts exceeds maximum limit allowed: ${key} ${qty} is above maxOrderQty for ${spec.symbol}`);
  return lots;
}

export function priceFor(spec: InstrumentSpec, price: number, key = "price"): number {
  if (!(price > 0)) throw paramsError(`${key} must be positive`);
  if (ticksOf(spec, price) === undefined) throw paramsError(`${key} ${price} is not a multiple of tickSize ${spec.tickSize} for ${spec.symbol}`);
  if (price < spec.minPrice || price > spec.maxPrice) throw new SimError(110003, "Order price is out of permissible range");
  return price;
}

const LINK_ID = /^[A-Za-z0-9_-]{1,36}$/;

export function parseCreate(body: Params, specOf: (symbol: string) => InstrumentSpec | undefined): CreateRequest {
  checkCategory(body);
  const symbol = text(body, "symbol");
  if (symbol === undefined) throw paramsError("symbol is required");
  const spec = specOf(symbol);
  if (!spec) throw paramsError(`symbol invalid: ${symbol}`);
  const side = text(body, "side");
  if (side !== "Buy" && side !== "Sell") throw paramsError(`side must be Buy or Sell, got ${JSON.stringify(side ?? "")}`);
  const orderType = text(body, "orderType");
  if (orderType !== "Limit" && orderType !== "Market") throw paramsError(`orderType must be Limit or Market, got ${JSON.stringify(orderType ?? "")}`);
  const qty = num(body, "qty");
  if (qty === undefined) throw paramsError("qty is required");
  const lots = lotsFor(spec, qty);
  const rawPrice = num(body, "price");
  let price = 0;
  if (orderType === "Limit") {
    if (rawPrice === undefined) throw paramsError("price is required for a Limit order");
    price = priceFor(spec, rawPrice);
  }
  const rawTrigger = num(body, "triggerPrice");
  const triggerPrice = rawTrigger === undefined ? 0 : priceFor(spec, rawTrigger, "triggerPrice");
  const dir = num(body, "triggerDirection");
  if (dir !== undefined && dir !== 1 && dir !== 2) throw paramsError("triggerDirection must be 1 (rise) or 2 (fall)");
  const positionIdx = positionIdxOf(body);
  const orderLinkId = text(body, "orderLinkId") ?? "";
  if (orderLinkId !== "" && !LINK_ID.test(orderLinkId)) throw paramsError("orderLinkId must be 1-36 letters, digits, - or _");
  const tif = text(body, "timeInForce");
  let timeInForce: TimeInForce = orderType === "Market" ? "IOC" : "GTC";
  if (tif !== undefined) {
    if (tif !== "GTC" && tif !== "IOC" && tif !== "FOK" && tif !== "PostOnly") throw paramsError(`timeInForce ${tif} is not supported`);
    if (orderType === "Limit") timeInForce = tif;
  }
  return {
    spec, side, orderType, lots, price, triggerPrice,
    triggerDirection: dir === 1 || dir === 2 ? dir : 0,
    reduceOnly: flag(body, "reduceOnly"),
    closeOnTrigger: flag(body, "closeOnTrigger"),
    positionIdx,
    triggerBy: triggerByOf(text(body, "triggerBy")),
    orderLinkId, timeInForce,
    takeProfit: text(body, "takeProfit") ?? "",
    stopLoss: text(body, "stopLoss") ?? "",
  };
}

/** A body's positionIdx: 0 when absent, else 0, 1 or 2 (anything else 10001). */
export function positionIdxOf(body: Params): PositionIdx {
  const idx = num(body, "positionIdx");
  if (idx === undefined) return 0;
  if (idx !== 0 && idx !== 1 && idx !== 2) throw paramsError("positionIdx must be 0, 1 or 2");
  return idx;
}

/** The order reference of an amend or cancel body. */
export function orderRef(body: Params): { orderId: string | undefined; orderLinkId: string | undefined } {
  checkCategory(body);
  const orderId = text(body, "orderId");
  const orderLinkId = text(body, "orderLinkId");
  if (orderId === undefined && orderLinkId === undefined) throw paramsError("orderId or orderLinkId is required");
  return { orderId, orderLinkId };
}

/** The changes an amend asks for, checked against the order's instrument. */
export function parseAmend(body: Params, spec: InstrumentSpec): AmendRequest {
  const { orderId, orderLinkId } = orderRef(body);
  const qty = num(body, "qty");
  const price = num(body, "price");
  const trigger = num(body, "triggerPrice");
  return {
    orderId,
    orderLinkId,
    lots: qty === undefined ? undefined : lotsFor(spec, qty),
    price: price === undefined ? undefined : priceFor(spec, price),
    triggerPrice: trigger === undefined ? undefined : priceFor(spec, trigger, "triggerPrice"),
    takeProfit: text(body, "takeProfit"),
    stopLoss: text(body, "stopLoss"),
  };
}

function triggerByOf(value: string | undefined): "LastPrice" | "MarkPrice" | "IndexPrice" {
  if (value === undefined || value === "") return "LastPrice";
  if (value === "LastPrice" || value === "MarkPrice" || value === "IndexPrice") return value;
  throw paramsError(`triggerBy ${value} is not supported`);
}
