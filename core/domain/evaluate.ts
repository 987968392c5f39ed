/**
 * The TP/SL rules (DESIGN, "The TP/SL rules"): one pure function from a monitor and what
 * the exchange shows to the monitor's next state and the actions that get it there.
 * No I/O, no clock, no randomness: the same input always gives the same output.
 *
 * It converges rather than reacts: every cycle the targets (stop for the whole position,
 * TPs at their ladder shares while no TP has filled) are compared on the lot grid with what
 * is working, and only differences become amends. A write lost to a crash is therefore
 * redone on the next cycle with the same deterministic linkId (the exchange answers a
 * duplicate create with "already exists").
 */
import type { Action } from "./action.ts";
import { isOwnLinkId, lifetimeKey, parseLinkId } from "./link-id.ts";
import { MonitorEdit } from "./monitor-edit.ts";
import { closingSide, type Monitor, type TrackedOrder } from "./monitor.ts";
import { splitQty, tpShares, type RuleConfig } from "./plan.ts";
import { sightAll, type MonitorView, type Sighting } from "./sighting.ts";
import { breakevenPrice, defaultStopPrice, placeableStop, stopOnRightSide } from "./stop.ts";
import type { ExchangeOrder } from "./types.ts";
import { toLots, toTicks } from "./units.ts";
import { dueInterval, urgency } from "./urgency.ts";

export type { MonitorView } from "./sighting.ts";
export { needsLookup } from "./sighting.ts";

export interface Evaluation {
  readonly monitor: Monitor;
  readonly actions: Action[];
}

export function evaluate(monitor: Monitor, view: MonitorView, now: number, config: RuleConfig): Evaluation {
  if (monitor.status === "closed") return sweepClosed(monitor, view, now);
  const { qtyStep: step, tickSize: tick } = view.instrument;
  const position = view.position?.symbol === monitor.symbol && view.position.side === monitor.side ? view.position : undefined;
  const size = position !== undefined && toLots(position.size, step) > 0 ? position.size : 0;
  const prevLots = toLots(monitor.size, step);
  const lots = toLots(size, step);
  const edit = new MonitorEdit(monitor, now);

  const sightings = sightAll(monitor, view, now, config);
  const fills = record(edit, sightings);
  adoptOwn(edit, view);
  edit.prunePending(config.graceMs, (id, writtenAt) => view.snapshotAt >= writtenAt && view.orders.some((o) => o.linkId === id));

  const slFilled = fills.filled.some((o) => o.role === "sl");
  if (lots === 0) {
    const waiting = prevLots === 0 && !slFilled && edit.tracked().some((o) => o.role === "entry" && o.state === "working");
    if (waiting) return finishWaiting(edit, fills.vanished, now, config);
    const tpFilled = fills.filled.some((o) => o.role === "tp");
    const reason = slFilled ? "stop-hit" : tpFilled ? "tp-complete" : "flat";
    edit.rule(slFilled ? "sl-filled-close" : "position-flat-close", { reason, previousSize: monitor.size });
    edit.close(reason);
    return edit.finish();
  }

  edit.set("size", size);
  edit.set("entryPrice", position!.entryPrice);
  const mark = position!.markPrice;
  const filledEntries = fills.filled.filter((o) => o.role === "entry").map((o) => o.linkId);
  if (lots > prevLots || filledEntries.length > 0) edit.rule("entry-filled-resize", { previousSize: monitor.size, size, filledEntries });

  const tp1Now = !monitor.tp1Filled && fills.filled.some((o) => o.role === "tp" && o.index === 0);
  if (tp1Now) edit.set("tp1Filled", true);
  for (const order of fills.filled.filter((o) => o.role === "tp" && o.index > 0)) edit.rule("tp-filled-follow", { linkId: order.linkId, index: order.index, size });

  handleVanished(edit, fills.vanished, view, size, mark, config);
  ensureStop(edit, view, size, mark, config);
  if (edit.monitor.tp1Filled) applyBreakeven(edit, size, mark, tick, config, tp1Now);
  placeMissingTps(edit, size, step);
  const unknown = new Set([...sightings].filter(([, seen]) => seen.kind === "unknown").map(([id]) => id));
  resize(edit, size, step, unknown);
  return schedule(edit, mark, now, config).finish();
}

/**
 * A closed monitor writes nothing, except to cancel an order of its own still listed (a
 * cancel of its closing cycle that failed): no order may stay working on a flat position.
 */
function sweepClosed(monitor: Monitor, view: MonitorView, now: number): Evaluation {
  const own = new Set(monitor.orders.map((o) => o.linkId));
  const stray = view.orders.filter((o) => own.has(o.linkId) && (o.status === "open" || o.status === "untriggered"));
  if (stray.length === 0) return { monitor, actions: [] };
  const edit = new MonitorEdit(monitor, now);
  edit.alert("warn", `closed monitor still had ${stray.length} order(s) listed; cancelling them`, { linkIds: stray.map((o) => o.linkId) });
  for (const order of edit.tracked().filter((o) => stray.some((s) => s.linkId === o.linkId))) edit.cancel(order);
  return edit.finish();
}

interface Fills {
  readonly filled: TrackedOrder[];
  readonly vanished: TrackedOrder[];
}

/** Folds the sightings into the tracked orders: listing values, fills, vanished orders. */
function record(edit: MonitorEdit, sightings: ReadonlyMap<string, Sighting>): Fills {
  const filled: TrackedOrder[] = [];
  const vanished: TrackedOrder[] = [];
  for (const order of edit.tracked()) {
    const seen = sightings.get(order.linkId);
    if (seen === undefined) continue;
    if (seen.kind === "listed") {
      const o = seen.order;
      edit.update(order.linkId, { qty: o.qty, filledQty: o.filledQty, ...(o.price !== undefined ? { price: o.price } : {}), ...(o.triggerPrice !== undefined ? { triggerPrice: o.triggerPrice } : {}) });
    } else if (seen.kind === "filled") {
      edit.update(order.linkId, { state: "filled", filledQty: seen.order.filledQty });
      filled.push(order);
    } else if (seen.kind === "vanished") {
      edit.update(order.linkId, { state: seen.order === null ? "gone" : "cancelled" });
      vanished.push(order);
    }
  }
  return { filled, vanished };
}

/** Our own orders (by linkId) in the listing that the record lacks, e.g. written just before a crash. */
function adoptOwn(edit: MonitorEdit, view: MonitorView): void {
  const known = new Set(edit.tracked().map((o) => o.linkId));
  for (const order of view.orders) {
    const parsed = parseLinkId(order.linkId);
    if (parsed === undefined || known.has(order.linkId) || !isOwnLinkId(order.linkId, lifetimeKey(edit.monitor))) continue;
    edit.adopt(trackedFrom(order, parsed.role, parsed.index));
    if (parsed.seq > edit.monitor.seq) edit.set("seq", parsed.seq);
  }
}

export function trackedFrom(order: ExchangeOrder, role: TrackedOrder["role"], index: number): TrackedOrder {
  return {
    role, index, linkId: order.linkId, side: order.side, qty: order.qty, filledQty: order.filledQty, state: "working",
    ...(order.price !== undefined ? { price: order.price } : {}),
    ...(order.triggerPrice !== undefined ? { triggerPrice: order.triggerPrice } : {}),
  };
}

/** A waiting monitor (no position yet, entries working): exit orders are pointless and cancelled. */
function finishWaiting(edit: MonitorEdit, vanished: readonly TrackedOrder[], now: number, config: RuleConfig): Evaluation {
  for (const order of vanished) edit.alert("warn", `${order.role} order ${order.linkId} vanished without a fill`, { linkId: order.linkId });
  const exits = edit.tracked().filter((o) => o.state === "working" && o.role !== "entry");
  if (exits.length > 0) edit.rule("exit-cancelled-flat", { linkIds: exits.map((o) => o.linkId) });
  for (const order of exits) edit.cancel(order);
  edit.set("size", 0);
  edit.set("nextDueAt", now + dueInterval("active", config.urgency));
  return edit.finish();
}

/** Untracked reduce-only stop or market order closing this position: someone else's exit. */
function foreignExit(edit: MonitorEdit, view: MonitorView): ExchangeOrder | undefined {
  const known = new Set(edit.tracked().map((o) => o.linkId));
  const side = closingSide(edit.monitor.side);
  return view.orders.find(
    (o) => !known.has(o.linkId) && o.reduceOnly && o.side === side && (o.triggerPrice !== undefined || o.type === "market") && (o.status === "open" || o.status === "untriggered"),
  );
}

function handleVanished(edit: MonitorEdit, vanished: readonly TrackedOrder[], view: MonitorView, size: number, mark: number, config: RuleConfig): void {
  for (const order of vanished) {
    edit.rule("order-vanished", { linkId: order.linkId, role: order.role, index: order.index });
    if (order.role !== "sl") {
      edit.alert("warn", `${order.role} order ${order.linkId} vanished without a fill; not replaced`, { linkId: order.linkId });
      continue;
    }
    if (edit.tracked().some((o) => o.role === "sl" && o.state === "working")) continue;
    const exit = foreignExit(edit, view);
    if (exit !== undefined) {
      if (exit.triggerPrice !== undefined && exit.linkId !== "") {
        edit.adopt(trackedFrom(exit, "sl", 0));
        edit.rule("sl-adopted", { vanished: order.linkId, adopted: exit.linkId });
      }
      continue; // never re-place a stop while an exit order is working
    }
    if (edit.monitor.slRestoredCount >= config.maxStopRestores) {
      edit.alert("error", `stop ${order.linkId} vanished again; restored ${edit.monitor.slRestoredCount} time(s) already, the position has no stop`, { linkId: order.linkId });
      continue;
    }
    const trigger = placeableStop(edit.monitor.side, order.triggerPrice ?? edit.monitor.stopPrice ?? defaultStopPrice(edit.monitor.side, edit.monitor.entryPrice, config.defaultStopPct, view.instrument.tickSize), mark, view.instrument.tickSize);
    edit.set("slRestoredCount", edit.monitor.slRestoredCount + 1);
    edit.placeStop(size, trigger);
    edit.rule("sl-restored", { vanished: order.linkId, linkId: edit.tracked().at(-1)?.linkId, triggerPrice: trigger, qty: size });
  }
}

/**
 * A position with no working stop gets one: a position that never had a stop (adopted
 * without one, a waiting monitor's first fill), or one whose restore the exchange refused
 * (taken back by revertWrite), within the restore limit.
 */
function ensureStop(edit: MonitorEdit, view: MonitorView, size: number, mark: number, config: RuleConfig): void {
  const stops = edit.tracked().filter((o) => o.role === "sl");
  if (stops.some((o) => o.state === "working")) return;
  const exit = foreignExit(edit, view);
  if (exit !== undefined) return; // an exit order is working: never place a second stop beside it
  const { side, entryPrice, stopPrice } = edit.monitor;
  const tick = view.instrument.tickSize;
  const last = stops.at(-1);
  if (last !== undefined) {
    if (edit.monitor.slRestoredCount >= config.maxStopRestores) return; // the alert was raised when it vanished
    const trigger = placeableStop(side, last.triggerPrice ?? stopPrice ?? defaultStopPrice(side, entryPrice, config.defaultStopPct, tick), mark, tick);
    edit.set("slRestoredCount", edit.monitor.slRestoredCount + 1);
    edit.placeStop(size, trigger);
    edit.rule("sl-restored", { vanished: last.linkId, linkId: edit.tracked().at(-1)?.linkId, triggerPrice: trigger, qty: size, reason: "no working stop" });
    return;
  }
  const trigger = placeableStop(side, stopPrice ?? defaultStopPrice(side, entryPrice, config.defaultStopPct, tick), mark, tick);
  edit.placeStop(size, trigger);
  edit.rule("sl-placed", { linkId: edit.tracked().at(-1)?.linkId, triggerPrice: trigger, qty: size, from: stopPrice !== undefined ? "target" : "defaultStopPct" });
}

/** After TP1: cancel unfilled entries; move the stop to breakeven (once), if the mark allows it. */
function applyBreakeven(edit: MonitorEdit, size: number, mark: number, tick: number, config: RuleConfig, tp1Now: boolean): void {
  const entries = edit.tracked().filter((o) => o.role === "entry" && o.state === "working");
  for (const order of entries) edit.cancel(order);
  if (edit.monitor.breakevenDone) return;
  const stop = edit.tracked().filter((o) => o.role === "sl" && o.state === "working").at(-1);
  const { side, entryPrice } = edit.monitor;
  const price = breakevenPrice(side, entryPrice, config.breakevenBufferBps, tick);
  if (stop === undefined) return;
  if (mark > 0 && !stopOnRightSide(side, price, mark, tick)) {
    edit.alert("warn", `breakeven stop ${price} is past the mark ${mark}; keeping the stop at ${stop.triggerPrice} for now`, { linkId: stop.linkId });
    return;
  }
  if (stop.triggerPrice === undefined || toTicks(stop.triggerPrice, tick) !== toTicks(price, tick)) edit.amend(stop, { qty: size, triggerPrice: price });
  edit.set("breakevenDone", true);
  edit.rule("tp1-filled-breakeven", { linkId: stop.linkId, triggerPrice: price, qty: size, cancelledEntries: entries.map((o) => o.linkId), late: !tp1Now });
}

/** Once any TP has filled, even in part, the ladder is left as it is: only the stop follows the size. */
function tpStarted(edit: MonitorEdit): boolean {
  return edit.tracked().some((o) => o.role === "tp" && (o.state === "filled" || o.filledQty > 0));
}

/** TPs the plan has a price for but that were never placed, while no TP has filled. */
function placeMissingTps(edit: MonitorEdit, size: number, step: number): void {
  if (tpStarted(edit)) return;
  const shares = tpShares(edit.monitor.plan);
  const qtys = splitQty(size, shares, step);
  edit.monitor.tpPrices.forEach((price, index) => {
    const qty = qtys[index];
    if (qty === undefined || toLots(qty, step) === 0 || edit.tracked().some((o) => o.role === "tp" && o.index === index)) return;
    edit.placeLimit("tp", index, qty, price);
    edit.rule("tp-placed", { index, price, qty });
  });
}

/** Amends what differs from the targets: TPs to their ladder shares (until a TP fills), the stop to the whole size. */
function resize(edit: MonitorEdit, size: number, step: number, unknown: ReadonlySet<string>): void {
  // A tracked qty is the listing's, or what we wrote ourselves while the write is pending.
  const differs = (order: TrackedOrder, qty: number) => toLots(order.qty, step) !== toLots(qty, step);
  // The stop first: it is the protection, and a refused TP amend must not hold it back.
  const stop = edit.tracked().filter((o) => o.role === "sl" && o.state === "working").at(-1);
  if (stop !== undefined && differs(stop, size)) edit.amend(stop, { qty: size }); // even when unknown: a stop follows the size whatever happened
  // A TP missing from the listing without a lookup answer may just have filled: the ladder waits a cycle.
  const tpUnknown = edit.tracked().some((o) => o.role === "tp" && unknown.has(o.linkId));
  if (!tpUnknown && !tpStarted(edit)) {
    const qtys = splitQty(size, tpShares(edit.monitor.plan), step);
    for (const tp of edit.tracked().filter((o) => o.role === "tp" && o.state === "working")) {
      const qty = qtys[tp.index];
      if (qty !== undefined && toLots(qty, step) > 0 && differs(tp, qty)) edit.amend(tp, { qty });
    }
  }
}

function schedule(edit: MonitorEdit, mark: number, now: number, config: RuleConfig): MonitorEdit {
  edit.set("nextDueAt", now + dueInterval(urgency(edit.finish().monitor, mark, config.urgency), config.urgency));
  return edit;
}
