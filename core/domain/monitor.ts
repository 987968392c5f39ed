/**
 * Warden's record of one position on one account: plain JSON-serialisable data, so the
 * store can persist it as is. Only `evaluate` and `reconcile` change a monitor, and they
 * return a new one (monitors are never mutated in place).
 *
 * A monitor of a conservative plan may exist before its position does ("waiting"): size 0
 * with working entry limits and no exit orders. It becomes a protected position when the
 * first entry fills; it is closed when its position goes flat after having existed, or when
 * it has neither a position nor a working order left.
 */
import type { OrderRole } from "./action.ts";
import type { Plan } from "./plan.ts";
import type { MonitorRules } from "./plan-book.ts";
import type { Protection } from "./protection.ts";
import { monitorId, type AccountId, type MonitorId, type OrderSide, type Side } from "./types.ts";

export type TrackedState = "working" | "filled" | "cancelled" | "gone";
export type CloseReason = "stop-hit" | "tp-complete" | "flat" | "position-gone";

/** The key a tracked order is known by: its orderLinkId, or `#<orderId>` for an order without one (placed by hand). */
export function orderKey(order: { readonly linkId: string; readonly id: string }): string {
  return order.linkId !== "" ? order.linkId : `#${order.id}`;
}

/** The exchange's orderId in a key made by `orderKey` for an order without orderLinkId. */
export function orderIdOfKey(key: string): string | undefined {
  return key.startsWith("#") ? key.slice(1) : undefined;
}

export interface TrackedOrder {
  readonly role: OrderRole;
  /** Rung for entries and TPs (0 = TP1, nearest to entry), 0 for the stop. */
  readonly index: number;
  readonly linkId: string;
  readonly side: OrderSide;
  /** Limit price (entries, TPs). */
  readonly price?: number;
  /** Trigger price (the stop). */
  readonly triggerPrice?: number;
  readonly qty: number;
  readonly filledQty: number;
  readonly state: TrackedState;
  /** When Warden sent a cancel of it: the order is cancelled again while a later listing still shows it. */
  readonly cancelledAt?: number;
}

/** An order we wrote and are waiting to see in a listing (the grace window). */
export interface PendingWrite {
  readonly linkId: string;
  readonly writtenAt: number;
  /** "place": the order may not be visible yet; "amend": it existed before the write (missing means gone). */
  readonly kind?: "place" | "amend";
  /** An amend of a trigger: the trigger it set (a listing still showing another one has not seen it land). */
  readonly triggerPrice?: number;
}

export interface Monitor {
  readonly id: MonitorId;
  readonly account: AccountId;
  readonly symbol: string;
  readonly side: Side;
  readonly plan: Plan;
  readonly status: "active" | "closed";
  readonly closeReason?: CloseReason;
  /** Last seen position size (0 while waiting for the first entry) and average entry price. */
  readonly size: number;
  readonly entryPrice: number;
  readonly orders: readonly TrackedOrder[];
  /** Intended stop trigger, used when a stop must be placed and none was ever seen. */
  readonly stopPrice?: number;
  /** Intended TP prices by rung, used to place TPs never placed (a waiting monitor's first fill). */
  readonly tpPrices: readonly number[];
  readonly tp1Filled: boolean;
  /** The exchange showed the stop at (or tighter than) breakeven after TP1: set when seen, not when decided. */
  readonly breakevenDone: boolean;
  /** Stops restored after vanishing without a fill, in this monitor's life. */
  readonly slRestoredCount: number;
  /** When the stop was last restored (a second restore soon after is an error-level alert). */
  readonly lastRestoredAt?: number;
  /** Protection as the exchange showed it at the last evaluation. */
  readonly protection?: Protection;
  /** The position's opening time as the exchange reports it: a different one is a new lifetime. */
  readonly openedAt?: number;
  /** The trader told Warden this position runs without a stop (never inferred from the exchange). */
  readonly noStop?: boolean;
  /** How the stop moves as TPs fill (breakeven after TP n, trailing, stop to the previous TP) and where the plan came from; absent: breakeven after TP1. */
  readonly rules?: MonitorRules;
  /** The trader's plan for this position (`warden plan`) last applied: its time; `planPending` until the exchange shows it. */
  readonly planAt?: number;
  readonly planPending?: boolean;
  /** The average entry the plan's % levels were worked out from (again when it changes before TP1). */
  readonly planEntry?: number;
  /** The plan's stop could not be placed (past the mark): said once, kept waiting for the mark. */
  readonly planDeferred?: boolean;
  /** Trailing: the best mark since the trail started (highest for a long, lowest for a short). */
  readonly trailBest?: number;
  /** Bybit's positionIdx of the position: 0 one-way (absent), 1 or 2 in hedge mode; every create carries it. */
  readonly positionIdx?: 1 | 2;
  /** Write sequence number: the last one used in an orderLinkId. */
  readonly seq: number;
  /** Mirror twins: the main monitor this one follows, and the size ratio. */
  readonly mirrorOf?: MonitorId;
  readonly ratio?: number;
  readonly createdAt: number;
  readonly lastEvaluatedAt: number;
  readonly nextDueAt: number;
  readonly closedAt?: number;
  readonly pending: readonly PendingWrite[];
}

export interface NewMonitor {
  readonly account: AccountId;
  readonly symbol: string;
  readonly side: Side;
  readonly plan: Plan;
  readonly now: number;
  readonly size?: number;
  readonly entryPrice?: number;
  readonly orders?: readonly TrackedOrder[];
  readonly stopPrice?: number;
  readonly tpPrices?: readonly number[];
  readonly seq?: number;
  readonly mirrorOf?: MonitorId;
  readonly ratio?: number;
  readonly rules?: MonitorRules;
}

export function newMonitor(input: NewMonitor): Monitor {
  const monitor: Monitor = {
    id: monitorId(input.account, input.symbol, input.side),
    account: input.account,
    symbol: input.symbol,
    side: input.side,
    plan: input.plan,
    status: "active",
    size: input.size ?? 0,
    entryPrice: input.entryPrice ?? 0,
    orders: input.orders ?? [],
    tpPrices: input.tpPrices ?? [],
    tp1Filled: false,
    breakevenDone: false,
    slRestoredCount: 0,
    seq: input.seq ?? 0,
    createdAt: input.now,
    lastEvaluatedAt: 0,
    nextDueAt: input.now,
    pending: [],
  };
  return {
    ...monitor,
    ...(input.stopPrice !== undefined ? { stopPrice: input.stopPrice } : {}),
    ...(input.mirrorOf !== undefined ? { mirrorOf: input.mirrorOf } : {}),
    ...(input.ratio !== undefined ? { ratio: input.ratio } : {}),
    ...(input.rules !== undefined ? { rules: input.rules } : {}),
  };
}

/** The side that opens (entries) and the side that closes (TPs, stop) a position. */
export function openingSide(side: Side): OrderSide {
  return side === "long" ? "buy" : "sell";
}

export function closingSide(side: Side): OrderSide {
  return side === "long" ? "sell" : "buy";
}

export function workingOrders(monitor: Monitor, role?: OrderRole): TrackedOrder[] {
  return monitor.orders.filter((o) => o.state === "working" && (role === undefined || o.role === role));
}

/** The working stop, if any (the latest one when several are tracked). */
export function workingStop(monitor: Monitor): TrackedOrder | undefined {
  return workingOrders(monitor, "sl").at(-1);
}

/**
 * An order Warden has not finished with: working, or cancelled by Warden and not yet seen
 * gone (a cancel whose outcome the exchange has not shown). A closed monitor with one is
 * still looked at (swept) until the exchange shows it gone.
 */
export function isUnsettled(order: TrackedOrder): boolean {
  return order.state === "working" || (order.state === "cancelled" && order.cancelledAt !== undefined);
}

/** A closed monitor that must still be looked at: an order of it may still be working. */
export function needsSweep(monitor: Monitor): boolean {
  return monitor.status === "closed" && monitor.orders.some(isUnsettled);
}

export function isWaiting(monitor: Monitor): boolean {
  return monitor.status === "active" && !(monitor.size > 0) && workingOrders(monitor, "entry").length > 0;
}
