/**
 * What the venue really holds, read through its own API (Bybit records, never the engine's
 * belief): open positions and working orders of every account, in the plain shape the soak's
 * invariant checker and trader work on.
 */
import type { AccountId, Side } from "../domain/types.ts";
import type { BybitRecord, Venue } from "../sim/venue-api.ts";
import type { AccountTruth } from "./stream-invariants.ts";

export interface SymbolSpec {
  readonly symbol: string;
  readonly tickSize: number;
  readonly qtyStep: number;
  readonly minQty: number;
}

export interface VenuePosition {
  readonly account: AccountId;
  readonly symbol: string;
  readonly side: Side;
  readonly size: number;
  readonly mark: number;
  /** Position-level stop set through trading-stop; undefined when none. */
  readonly stopLoss: number | undefined;
}

export interface VenueOrder {
  readonly account: AccountId;
  readonly symbol: string;
  readonly orderId: string;
  /** "" when the order has none. */
  readonly linkId: string;
  readonly side: "Buy" | "Sell";
  /** What is left to fill. */
  readonly qty: number;
  readonly price: number;
  /** undefined for a plain (not conditional) order. */
  readonly triggerPrice: number | undefined;
  readonly reduceOnly: boolean;
  readonly closeOnTrigger: boolean;
}

export interface VenueView {
  readonly positions: readonly VenuePosition[];
  readonly orders: readonly VenueOrder[];
  readonly marks: ReadonlyMap<string, number>;
}

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));

export function specsOf(venue: Venue): Map<string, SymbolSpec> {
  const specs = new Map<string, SymbolSpec>();
  for (const r of venue.instruments("linear")) {
    const price = r.priceFilter as Record<string, string>;
    const lot = r.lotSizeFilter as Record<string, string>;
    const symbol = String(r.symbol);
    specs.set(symbol, { symbol, tickSize: num(price.tickSize), qtyStep: num(lot.qtyStep), minQty: num(lot.minOrderQty) });
  }
  return specs;
}

function position(account: AccountId, r: BybitRecord): VenuePosition | undefined {
  const size = num(r.size);
  if (!(size > 0) || (r.side !== "Buy" && r.side !== "Sell")) return undefined;
  const stop = num(r.stopLoss);
  return { account, symbol: String(r.symbol), side: r.side === "Buy" ? "long" : "short", size, mark: num(r.markPrice), stopLoss: stop > 0 ? stop : undefined };
}

function order(account: AccountId, r: BybitRecord): VenueOrder {
  const trigger = num(r.triggerPrice);
  return {
    account,
    symbol: String(r.symbol),
    orderId: String(r.orderId),
    linkId: String(r.orderLinkId ?? ""),
    side: r.side === "Buy" ? "Buy" : "Sell",
    qty: num(r.leavesQty),
    price: num(r.price),
    triggerPrice: trigger > 0 ? trigger : undefined,
    reduceOnly: r.reduceOnly === true,
    closeOnTrigger: r.closeOnTrigger === true,
  };
}

export function readVenue(venue: Venue): VenueView {
  const positions: VenuePosition[] = [];
  const orders: VenueOrder[] = [];
  for (const { id } of venue.accounts()) {
    for (const r of venue.positions(id, {})) {
      const p = position(id, r);
      if (p !== undefined) positions.push(p);
    }
    for (const r of venue.openOrders(id, {})) orders.push(order(id, r));
  }
  const marks = new Map<string, number>();
  for (const t of venue.tickers("linear")) marks.set(String(t.symbol), num(t.markPrice));
  return { positions, orders, marks };
}

/** One account's open positions and open orders with their filled quantities (the stream soak's truth after an audit). */
export function venueAccount(venue: Venue, account: AccountId): AccountTruth {
  const positions = venue.positions(account, {}).flatMap((r) => {
    const p = position(account, r);
    return p === undefined ? [] : [{ symbol: p.symbol, side: p.side, size: p.size }];
  });
  const orders = venue.openOrders(account, {}).map((r) => ({ id: String(r.orderId), symbol: String(r.symbol), qty: num(r.qty), filled: num(r.cumExecQty) }));
  return { account, positions, orders };
}
