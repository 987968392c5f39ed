/** Builders with defaults for domain tests: a long BTCUSDT position protected by a conservative plan. */
import type { Action } from "../../core/domain/action.ts";
import { lifetimeKey, linkId } from "../../core/domain/link-id.ts";
import { closingSide, newMonitor, openingSide, type Monitor, type TrackedOrder } from "../../core/domain/monitor.ts";
import { conservativePlan, fastPlan, splitQty, tpShares, type RuleConfig } from "../../core/domain/plan.ts";
import type { MonitorView } from "../../core/domain/sighting.ts";
import { monitorId, type ExchangeOrder, type ExchangePosition, type Instrument, type Side } from "../../core/domain/types.ts";
import { defaultEngineConfig } from "../../core/engine/config.ts";
import { ruleConfigOf } from "../../core/engine/rule-config.ts";

export const T0 = 1_750_000_000_000;

/** The rule settings the engine runs with when no config file is given. */
export const RULES: RuleConfig = ruleConfigOf(defaultEngineConfig());

export function makeInstrument(over: Partial<Instrument> = {}): Instrument {
  return { symbol: "BTCUSDT", tickSize: 0.1, qtyStep: 0.001, minQty: 0.001, ...over };
}

export interface MonitorSpec {
  side?: Side;
  account?: "main" | "mirror";
  plan?: "fast" | "conservative";
  size?: number;
  entryPrice?: number;
  entries?: number;
  tps?: boolean;
  sl?: boolean;
}

/** A monitor with working orders of its own: entries, TPs at their shares, and a stop for the whole size. */
export function makeMonitor(spec: MonitorSpec = {}): Monitor {
  const side = spec.side ?? "long";
  const account = spec.account ?? "main";
  const size = spec.size ?? 0.1;
  const entry = spec.entryPrice ?? 60_000;
  const plan = spec.plan === "fast" ? fastPlan() : conservativePlan(RULES.ladder);
  const id = monitorId(account, "BTCUSDT", side);
  const dir = side === "long" ? 1 : -1;
  const life = lifetimeKey({ id, createdAt: T0 });
  const orders: TrackedOrder[] = [];
  let seq = 0;
  const entries = spec.entries ?? (plan.kind === "conservative" ? 2 : 0);
  for (let i = 0; i < entries; i++) {
    orders.push({ role: "entry", index: i, linkId: linkId(life, "entry", i, ++seq), side: openingSide(side), price: entry - dir * 500 * (i + 1), qty: 0.05, filledQty: 0, state: "working" });
  }
  if (spec.tps ?? true) {
    splitQty(size, tpShares(plan), 0.001).forEach((qty, i) => {
      orders.push({ role: "tp", index: i, linkId: linkId(life, "tp", i, ++seq), side: closingSide(side), price: entry + dir * 1_000 * (i + 1), qty, filledQty: 0, state: "working" });
    });
  }
  if (spec.sl ?? true) {
    orders.push({ role: "sl", index: 0, linkId: linkId(life, "sl", 0, ++seq), side: closingSide(side), triggerPrice: entry - dir * 1_000, qty: size, filledQty: 0, state: "working" });
  }
  return newMonitor({ account, symbol: "BTCUSDT", side, plan, now: T0, size, entryPrice: entry, orders, seq, stopPrice: entry - dir * 1_000 });
}

export function makePosition(over: Partial<ExchangePosition> = {}): ExchangePosition {
  return { symbol: "BTCUSDT", side: "long", positionIdx: 0, size: 0.1, entryPrice: 60_000, markPrice: 60_000, ...over };
}

/** The exchange's view of a tracked order. */
export function exchangeOrder(order: TrackedOrder, over: Partial<ExchangeOrder> = {}): ExchangeOrder {
  return {
    id: `ex-${order.linkId}`,
    linkId: order.linkId,
    symbol: "BTCUSDT",
    side: order.side,
    type: order.role === "sl" ? "market" : "limit",
    price: order.price,
    triggerPrice: order.triggerPrice,
    qty: order.qty,
    filledQty: order.filledQty,
    reduceOnly: order.role !== "entry",
    positionIdx: 0,
    status: order.role === "sl" ? "untriggered" : "open",
    updatedAt: T0,
    ...over,
  };
}

export function foreignOrder(over: Partial<ExchangeOrder> = {}): ExchangeOrder {
  return {
    id: "foreign-1", linkId: "manual-1", symbol: "BTCUSDT", side: "sell", type: "limit", price: 61_000, triggerPrice: undefined,
    qty: 0.1, filledQty: 0, reduceOnly: true, positionIdx: 0, status: "open", updatedAt: T0, ...over,
  };
}

/** The listing showing every working order of the monitor as it is recorded. */
export function listingOf(monitor: Monitor, except: readonly string[] = []): ExchangeOrder[] {
  return monitor.orders.filter((o) => o.state === "working" && !except.includes(o.linkId)).map((o) => exchangeOrder(o));
}

export interface ViewSpec {
  position?: ExchangePosition | null;
  orders?: readonly ExchangeOrder[];
  lookups?: ReadonlyMap<string, ExchangeOrder | null>;
  snapshotAt?: number;
  instrument?: Instrument;
}

/** By default: the monitor's position unchanged and all its working orders listed. */
export function makeView(monitor: Monitor, spec: ViewSpec = {}): MonitorView {
  const position = spec.position === null ? undefined : (spec.position ?? makePosition({ side: monitor.side, size: monitor.size, entryPrice: monitor.entryPrice, markPrice: monitor.entryPrice }));
  return {
    position,
    orders: spec.orders ?? listingOf(monitor),
    instrument: spec.instrument ?? makeInstrument(),
    lookups: spec.lookups ?? new Map(),
    snapshotAt: spec.snapshotAt ?? T0 + 60_000,
  };
}

export function order(monitor: Monitor, role: TrackedOrder["role"], index = 0): TrackedOrder {
  const found = monitor.orders.filter((o) => o.role === role && o.index === index && o.state === "working").at(-1);
  if (found === undefined) throw new Error(`no working ${role}${index} in ${monitor.id}`);
  return found;
}

export function ofKind<K extends Action["kind"]>(actions: readonly Action[], kind: K): Extract<Action, { kind: K }>[] {
  return actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);
}

export function rules(actions: readonly Action[]): string[] {
  return ofKind(actions, "rule").map((a) => a.rule);
}

/** Carries out writes on a listing, as an exchange would. */
export function applyWrites(listing: readonly ExchangeOrder[], actions: readonly Action[]): ExchangeOrder[] {
  let orders = [...listing];
  for (const a of actions) {
    if (a.kind === "cancel") orders = orders.filter((o) => o.linkId !== a.linkId);
    if (a.kind === "amend") {
      orders = orders.map((o) => (o.linkId === a.linkId ? { ...o, ...(a.qty !== undefined ? { qty: a.qty } : {}), ...(a.triggerPrice !== undefined ? { triggerPrice: a.triggerPrice } : {}), ...(a.price !== undefined ? { price: a.price } : {}) } : o));
    }
    if (a.kind === "place") {
      orders.push({
        id: `ex-${a.linkId}`, linkId: a.linkId, symbol: a.symbol, side: a.side, type: a.type, price: a.price, triggerPrice: a.triggerPrice,
        qty: a.qty, filledQty: 0, reduceOnly: a.reduceOnly, positionIdx: 0, status: a.triggerPrice !== undefined ? "untriggered" : "open", updatedAt: T0,
      });
    }
  }
  return orders;
}
