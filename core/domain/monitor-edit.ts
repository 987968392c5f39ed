/**
 * A monitor being changed by one evaluation: the orders it writes (as actions) and the
 * bookkeeping each write implies (a new linkId from the write sequence, the tracked order,
 * the pending entry for the grace window). `evaluate` builds one, applies rules to it and
 * returns `finish()`. Local mutation only; the input monitor is never touched.
 */
import type { Action, OrderRole, RuleName } from "./action.ts";
import { lifetimeKey, linkId } from "./link-id.ts";
import { closingSide, openingSide, type CloseReason, type Monitor, type PendingWrite, type TrackedOrder } from "./monitor.ts";
import { stopDirection } from "./stop.ts";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The protection's writes go first: a new stop, then the stop's amends, then everything else
 * (cancels of a stop it replaces included). The executor stops a monitor's writes at the
 * first that fails, so a refused TP can never hold the stop back.
 */
export function stopFirst(actions: Action[]): Action[] {
  const rank = (a: Action) => (a.kind === "place" && a.role === "sl" ? 0 : a.kind === "amend" && a.role === "sl" ? 1 : 2);
  return actions.map((a, i) => ({ a, i })).sort((x, y) => rank(x.a) - rank(y.a) || x.i - y.i).map(({ a }) => a);
}

export class MonitorEdit {
  readonly actions: Action[] = [];
  private readonly state: Mutable<Monitor>;
  private orders: TrackedOrder[];
  private pending: PendingWrite[];

  constructor(monitor: Monitor, private readonly now: number, private readonly instance?: string) {
    this.state = { ...monitor };
    this.orders = [...monitor.orders];
    this.pending = [...monitor.pending];
  }

  get monitor(): Monitor {
    return this.state;
  }

  tracked(): readonly TrackedOrder[] {
    return this.orders;
  }

  /** The stop the monitor manages: of its working stops the tightest (the one that fires first). */
  primaryStop(): TrackedOrder | undefined {
    const long = this.state.side === "long";
    let best: TrackedOrder | undefined;
    for (const o of this.orders) {
      if (o.role !== "sl" || o.state !== "working") continue;
      if (best === undefined || best.triggerPrice === undefined || (o.triggerPrice !== undefined && (long ? o.triggerPrice >= best.triggerPrice : o.triggerPrice <= best.triggerPrice))) best = o;
    }
    return best;
  }

  /** This order's write in its grace window, if any (after prunePending: not yet seen landed). */
  pendingOf(key: string): PendingWrite | undefined {
    return this.pending.find((p) => p.linkId === key);
  }

  set<K extends Exclude<keyof Monitor, "id" | "account" | "symbol" | "side" | "orders" | "pending">>(key: K, value: Monitor[K]): void {
    this.state[key] = value;
  }

  /** The exchange shows a cancel of Warden's done: the order is no longer unsettled. */
  settled(key: string): void {
    this.orders = this.orders.map((o) => {
      if (o.linkId !== key || o.cancelledAt === undefined) return o;
      const { cancelledAt: _done, ...rest } = o;
      return rest;
    });
  }

  /** Forgets an order (it belongs to an earlier lifetime, or is no longer this monitor's to manage). */
  drop(key: string): void {
    this.orders = this.orders.filter((o) => o.linkId !== key);
    this.pending = this.pending.filter((p) => p.linkId !== key);
  }

  rule(rule: RuleName, detail: Record<string, unknown> = {}): void {
    this.actions.push({ kind: "rule", rule, detail: { monitor: this.state.id, ...detail } });
  }

  alert(level: "warn" | "error", message: string, detail: Record<string, unknown> = {}): void {
    this.actions.push({ kind: "alert", level, message, detail: { monitor: this.state.id, ...detail } });
  }

  update(linkIdOf: string, change: Partial<TrackedOrder>): void {
    this.orders = this.orders.map((o) => (o.linkId === linkIdOf ? { ...o, ...change } : o));
  }

  adopt(order: TrackedOrder): void {
    this.orders.push(order);
  }

  private markPending(id: string, kind: "place" | "amend", triggerPrice?: number): void {
    this.pending = [...this.pending.filter((p) => p.linkId !== id), { linkId: id, writtenAt: this.now, kind, ...(triggerPrice !== undefined ? { triggerPrice } : {}) }];
  }

  /** The position index every create of this monitor carries (hedge mode only). */
  private get idx(): { positionIdx?: 1 | 2 } {
    return this.state.positionIdx !== undefined ? { positionIdx: this.state.positionIdx } : {};
  }

  private nextLinkId(role: OrderRole, index: number): string {
    this.state.seq += 1;
    return linkId(lifetimeKey(this.state), role, index, this.state.seq, this.instance);
  }

  placeStop(qty: number, triggerPrice: number): void {
    const id = this.nextLinkId("sl", 0);
    const side = closingSide(this.state.side);
    this.actions.push({
      kind: "place", account: this.state.account, symbol: this.state.symbol, role: "sl", linkId: id, side,
      type: "market", qty, triggerPrice, triggerDirection: stopDirection(this.state.side), reduceOnly: true, closeOnTrigger: true, ...this.idx,
    });
    this.orders.push({ role: "sl", index: 0, linkId: id, side, triggerPrice, qty, filledQty: 0, state: "working" });
    this.markPending(id, "place");
    this.state.stopPrice = triggerPrice;
  }

  placeLimit(role: "entry" | "tp", index: number, qty: number, price: number): void {
    const id = this.nextLinkId(role, index);
    const side = role === "tp" ? closingSide(this.state.side) : openingSide(this.state.side);
    const reduceOnly = role === "tp";
    this.actions.push({ kind: "place", account: this.state.account, symbol: this.state.symbol, role, linkId: id, side, type: "limit", qty, price, reduceOnly, ...this.idx });
    this.orders.push({ role, index, linkId: id, side, price, qty, filledQty: 0, state: "working" });
    this.markPending(id, "place");
  }

  /** A reduce-only market order closing `qty` now. */
  placeMarketExit(qty: number): void {
    const id = this.nextLinkId("exit", 0);
    const side = closingSide(this.state.side);
    this.actions.push({ kind: "place", account: this.state.account, symbol: this.state.symbol, role: "exit", linkId: id, side, type: "market", qty, reduceOnly: true, ...this.idx });
    this.orders.push({ role: "exit", index: 0, linkId: id, side, qty, filledQty: 0, state: "working" });
    this.markPending(id, "place");
  }

  /**
   * A market order that brings the position to a follower's share of its leader's size:
   * `add` opens more (entry rung 9, not reduce-only), otherwise a reduce-only exit (rung 1).
   * Deterministic linkIds from the write sequence, journalled like every write.
   */
  placeMarketAdjust(qty: number, add: boolean): void {
    const role = add ? "entry" : "exit";
    const index = add ? 9 : 1;
    const id = this.nextLinkId(role, index);
    const side = add ? openingSide(this.state.side) : closingSide(this.state.side);
    this.actions.push({ kind: "place", account: this.state.account, symbol: this.state.symbol, role, linkId: id, side, type: "market", qty, reduceOnly: !add, ...this.idx });
    this.orders.push({ role, index, linkId: id, side, qty, filledQty: 0, state: "working" });
    this.markPending(id, "place");
  }

  amend(order: TrackedOrder, change: { qty?: number; triggerPrice?: number; price?: number }): void {
    this.actions.push({ kind: "amend", account: this.state.account, symbol: this.state.symbol, role: order.role, linkId: order.linkId, ...change });
    this.update(order.linkId, change);
    this.markPending(order.linkId, "amend", change.triggerPrice);
    if (order.role === "sl" && change.triggerPrice !== undefined) this.state.stopPrice = change.triggerPrice;
  }

  cancel(order: TrackedOrder): void {
    this.actions.push({ kind: "cancel", account: this.state.account, symbol: this.state.symbol, role: order.role, linkId: order.linkId });
    this.update(order.linkId, { state: "cancelled", cancelledAt: this.now });
    this.pending = this.pending.filter((p) => p.linkId !== order.linkId);
  }

  close(reason: CloseReason): void {
    for (const order of this.orders) if (order.state === "working") this.cancel(order);
    this.actions.push({ kind: "close", reason });
    this.state.status = "closed";
    this.state.closeReason = reason;
    this.state.closedAt = this.now;
  }

  /** Drops pending entries no longer needed: expired, seen (as written) in a listing taken after the write, or not working. */
  prunePending(graceMs: number, seenAfterWrite: (pending: PendingWrite) => boolean): void {
    const working = new Set(this.orders.filter((o) => o.state === "working").map((o) => o.linkId));
    this.pending = this.pending.filter(
      (p) => working.has(p.linkId) && this.now - p.writtenAt < graceMs && !(p.writtenAt < this.now && seenAfterWrite(p)),
    );
  }

  finish(): { monitor: Monitor; actions: Action[] } {
    // The protection goes first: a new stop is placed before any other write (a cancel of
    // the stop it replaces included), so a failed write never leaves the position bare.
    const actions = stopFirst(this.actions);
    const monitor: Monitor = {
      ...this.state,
      orders: this.orders,
      pending: this.state.status === "closed" ? [] : this.pending,
      lastEvaluatedAt: this.now,
    };
    return { monitor, actions };
  }
}
