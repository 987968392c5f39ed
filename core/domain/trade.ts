/**
 * A trade opened with its plan (`warden trade`): the entry orders to place (limit orders split
 * evenly over the prices on the lot grid, or one market order) and the plan the engine follows
 * once a position exists. Pure: every inconsistency is listed, and then nothing is placed.
 */
import { lifetimeKey, linkId } from "./link-id.ts";
import { openingSide } from "./monitor.ts";
import { MAX_ENTRIES } from "./plan.ts";
import { positionPlanProblems, type Level, type PositionPlan } from "./position-plan.ts";
import { monitorId, type AccountId, type Instrument, type OrderSide, type Side } from "./types.ts";
import { lotsToQty, toLots } from "./units.ts";

export interface TradeRequest {
  readonly account: AccountId;
  readonly symbol: string;
  readonly side: Side;
  readonly qty: number;
  /** Limit entry prices; absent: one market order. */
  readonly entries?: readonly number[];
  readonly stop?: Level;
  readonly tps?: PositionPlan["tps"];
  readonly ladder?: readonly number[];
}

export interface EntryOrder {
  readonly linkId: string;
  readonly side: OrderSide;
  readonly type: "limit" | "market";
  readonly qty: number;
  readonly price?: number;
}

export type TradePlan = { readonly orders: EntryOrder[]; readonly plan: PositionPlan } | { readonly problems: string[] };

export function planTrade(req: TradeRequest, instrument: Instrument, now: number, instance?: string): TradePlan {
  const problems: string[] = [];
  const step = instrument.qtyStep;
  const lots = toLots(req.qty, step);
  if (!(req.qty > 0) || Math.abs(req.qty - lotsToQty(lots, step)) > step * 1e-6) problems.push(`--qty ${req.qty} is not on ${req.symbol}'s lot grid (${step})`);
  if (lots * step < instrument.minQty - 1e-12) problems.push(`--qty ${req.qty} is below ${req.symbol}'s minimum ${instrument.minQty}`);
  const prices = req.entries ?? [];
  if (prices.length > MAX_ENTRIES) problems.push(`--entries: at most ${MAX_ENTRIES} prices`);
  const per = prices.length === 0 ? [lots] : prices.map((_, i) => Math.floor(lots / prices.length) + (i < lots % prices.length ? 1 : 0));
  if (per.some((l) => l * step < instrument.minQty - 1e-12)) problems.push(`--qty ${req.qty} split over ${prices.length} entries leaves one below the minimum ${instrument.minQty}`);
  if (req.entries === undefined && ((req.stop !== undefined && "price" in req.stop) || (req.tps !== undefined && "prices" in req.tps))) {
    problems.push("with --market, give --stop and --tp as % of the entry (the fill price is not known yet)");
  }
  const targets: PositionPlan = { ...(req.tps !== undefined ? { tps: req.tps } : {}), ...(req.ladder !== undefined ? { ladder: req.ladder } : {}), at: now };
  const plan: PositionPlan = { ...targets, ...(req.stop !== undefined ? { stop: req.stop } : {}) };
  if (prices.length > 0) {
    // checked against the entry farthest in the plan's direction: a stop beyond every entry, TPs beyond every entry
    const long = req.side === "long";
    const worst = long ? Math.min(...prices) : Math.max(...prices);
    const best = long ? Math.max(...prices) : Math.min(...prices);
    for (const p of positionPlanProblems(targets, req.side, best, 0, instrument.tickSize)) problems.push(p.replace("the entry", "every entry"));
    if (req.stop !== undefined && "price" in req.stop && (long ? req.stop.price >= worst : req.stop.price <= worst)) problems.push(`--stop ${req.stop.price} is on the wrong side of the entries (a ${req.side}'s stop goes ${long ? "below" : "above"} ${worst})`);
  } else for (const p of positionPlanProblems(targets, req.side, 1e9, 0, instrument.tickSize)) problems.push(p); // % levels: checked on any entry (a large one, so the tick grid merges no rung)
  if (req.stop !== undefined && "pct" in req.stop && !(req.stop.pct < 100)) problems.push(`--stop ${req.stop.pct}% is not a distance a stop can have (under 100%)`);
  if (problems.length > 0) return { problems };
  const life = lifetimeKey({ id: monitorId(req.account, req.symbol, req.side), createdAt: now });
  const side = openingSide(req.side);
  const orders: EntryOrder[] = prices.length === 0
    ? [{ linkId: linkId(life, "entry", 0, 1, instance), side, type: "market", qty: lotsToQty(lots, step) }]
    : prices.map((price, i) => ({ linkId: linkId(life, "entry", i, i + 1, instance), side, type: "limit", qty: lotsToQty(per[i]!, step), price }));
  return { orders, plan };
}
