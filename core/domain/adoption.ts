/**
 * Inferring a monitor from what is found on the exchange: the position and the orders on
 * its symbol. Orders carrying this monitor's Warden linkIds are matched by id; foreign
 * orders by role, keeping their linkIds as they are:
 * - non-reduce-only limits on the position's side: entries (up to 3, nearest to the mark first);
 * - reduce-only limits on the closing side: TPs, TP1 nearest to entry (up to 4); the ladder is
 *   inferred from their quantity shares (1 TP: fast, more: conservative; none but entries
 *   working: conservative with the configured ladder, RuleConfig.ladder);
 * - reduce-only conditional orders on the closing side with the trigger on the losing side
 *   of the mark: the stop (the one covering most size).
 * Foreign orders without an orderLinkId cannot be amended or cancelled through the port, so
 * they are not tracked; a foreign stop of that kind still counts as "an exit order working"
 * for `evaluate`, which therefore never places a second stop beside it.
 */
import { trackedFrom } from "./evaluate.ts";
import { isOwnLinkId, lifetimeKey, parseLinkId } from "./link-id.ts";
import { closingSide, newMonitor, openingSide, type Monitor, type TrackedOrder } from "./monitor.ts";
import { conservativePlan, fastPlan, MAX_ENTRIES, MAX_RUNGS, sharesFromQtys, type Plan, type RuleConfig } from "./plan.ts";
import type { AccountId, ExchangeOrder, ExchangePosition, Instrument } from "./types.ts";
import { ladderOf, planFor, tpPricesOf, type MonitorRules } from "./plan-book.ts";
import { defaultStopPrice } from "./stop.ts";
import { monitorId } from "./types.ts";

const isOpen = (o: ExchangeOrder): boolean => o.status === "open" || o.status === "untriggered";

export interface Adoption {
  readonly orders: TrackedOrder[];
  readonly plan: Plan;
  readonly seq: number;
}

/**
 * Orders of the symbol that belong to the monitor lifetime `lifetime` (see lifetimeKey): its
 * own by linkId, any other (foreign, or Warden's from an earlier lifetime) by role.
 */
export function inferOrders(lifetime: string, position: Pick<ExchangePosition, "side" | "entryPrice" | "markPrice">, orders: readonly ExchangeOrder[], ladder: readonly number[]): Adoption {
  const open = orders.filter(isOpen);
  const own = open.filter((o) => isOwnLinkId(o.linkId, lifetime));
  const tracked: TrackedOrder[] = own.map((o) => {
    const parsed = parseLinkId(o.linkId)!;
    return trackedFrom(o, parsed.role, parsed.index);
  });
  const seq = own.reduce((max, o) => Math.max(max, parseLinkId(o.linkId)!.seq), 0);
  const has = (role: TrackedOrder["role"]) => tracked.some((o) => o.role === role);
  const foreign = open.filter((o) => !isOwnLinkId(o.linkId, lifetime));
  const closing = closingSide(position.side);
  const long = position.side === "long";

  if (!has("entry")) {
    const entries = foreign
      .filter((o) => !o.reduceOnly && o.type === "limit" && o.triggerPrice === undefined && o.price !== undefined && o.side === openingSide(position.side))
      .sort((a, b) => Math.abs(a.price! - position.markPrice) - Math.abs(b.price! - position.markPrice) || a.linkId.localeCompare(b.linkId))
      .slice(0, MAX_ENTRIES);
    entries.forEach((o, i) => tracked.push(trackedFrom(o, "entry", i)));
  }
  if (!has("tp")) {
    const tps = foreign
      .filter((o) => o.reduceOnly && o.type === "limit" && o.triggerPrice === undefined && o.price !== undefined && o.side === closing)
      .sort((a, b) => (long ? a.price! - b.price! : b.price! - a.price!) || a.linkId.localeCompare(b.linkId))
      .slice(0, MAX_RUNGS);
    tps.forEach((o, i) => tracked.push(trackedFrom(o, "tp", i)));
  }
  if (!has("sl")) {
    const stop = foreign
      .filter((o) => o.reduceOnly && o.triggerPrice !== undefined && o.side === closing)
      .filter((o) => !(position.markPrice > 0) || (long ? o.triggerPrice! < position.markPrice : o.triggerPrice! > position.markPrice))
      .sort((a, b) => b.qty - a.qty || a.linkId.localeCompare(b.linkId))[0];
    if (stop !== undefined) tracked.push(trackedFrom(stop, "sl", 0));
  }
  return { orders: tracked, plan: planFrom(tracked, ladder), seq };
}

/** 1 TP: fast; several: conservative with the ladder of their qty shares; none: fast, or conservative with `ladder` (the configured one) when entries are working. */
export function planFrom(orders: readonly TrackedOrder[], ladder: readonly number[]): Plan {
  const tps = orders.filter((o) => o.role === "tp").sort((a, b) => a.index - b.index);
  const entries = orders.some((o) => o.role === "entry");
  if (tps.length === 1 || (tps.length === 0 && !entries)) return fastPlan();
  if (tps.length === 0) return conservativePlan(ladder);
  return conservativePlan(sharesFromQtys(tps.map((o) => o.qty)));
}

/**
 * What protects a position found on the exchange: the orders found win; what they lack (a
 * stop, the TPs) comes from the symbol's plan (else the default), on the instrument's grid.
 */
export interface Planned {
  readonly plan: Plan;
  readonly stopPrice?: number;
  readonly tpPrices: readonly number[];
  readonly rules: MonitorRules;
}

export function planPosition(position: Pick<ExchangePosition, "symbol" | "side" | "entryPrice">, found: Adoption, config: Pick<RuleConfig, "plans">, instrument: Pick<Instrument, "tickSize">): Planned {
  const { spec, source } = planFor(config.plans, position.symbol);
  const stop = found.orders.find((o) => o.role === "sl");
  const tps = found.orders.filter((o) => o.role === "tp").sort((a, b) => a.index - b.index);
  const entries = found.orders.some((o) => o.role === "entry");
  const sources = new Set<string>();
  let stopPrice = stop?.triggerPrice;
  if (stopPrice !== undefined) sources.add("exchange orders");
  else if (spec.stopPct !== undefined) {
    stopPrice = defaultStopPrice(position.side, position.entryPrice, spec.stopPct, instrument.tickSize);
    sources.add(source);
  }
  let plan = found.plan;
  let tpPrices: readonly number[] = tps.map((o) => o.price!);
  if (tps.length > 0) sources.add("exchange orders");
  else if (spec.tpPcts.length > 0 && position.entryPrice > 0) {
    tpPrices = tpPricesOf(position.side, position.entryPrice, spec.tpPcts, instrument.tickSize);
    plan = spec.tpPcts.length === 1 ? fastPlan() : conservativePlan(ladderOf(spec));
    sources.add(source);
  } else if (entries) sources.add("exchange orders");
  const rules: MonitorRules = {
    breakevenAfterTp: spec.breakevenAfterTp,
    stopToPreviousTp: spec.stopToPreviousTp,
    ...(spec.trail !== undefined ? { trail: spec.trail } : {}),
    source: sources.size === 0 ? "defaults" : [...sources].join(" + "),
  };
  return { plan, tpPrices, rules, ...(stopPrice !== undefined ? { stopPrice } : {}) };
}

/** A new monitor for a position Warden did not know, with what its orders and its plan say. */
export function adoptPosition(account: AccountId, position: ExchangePosition, orders: readonly ExchangeOrder[], now: number, config: Pick<RuleConfig, "ladder" | "plans">, instrument: Pick<Instrument, "tickSize">): Monitor {
  const id = monitorId(account, position.symbol, position.side);
  const found = inferOrders(lifetimeKey({ id, createdAt: now }), position, orders.filter((o) => o.symbol === position.symbol), config.ladder);
  const planned = planPosition(position, found, config, instrument);
  return newMonitor({
    account,
    symbol: position.symbol,
    side: position.side,
    plan: planned.plan,
    now,
    size: position.size,
    entryPrice: position.entryPrice,
    orders: found.orders,
    seq: found.seq,
    tpPrices: planned.tpPrices,
    rules: planned.rules,
    ...(planned.stopPrice !== undefined ? { stopPrice: planned.stopPrice } : {}),
  });
}
