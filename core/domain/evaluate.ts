/**
 * The TP/SL rules (DESIGN, "The TP/SL rules" and "Protection"): one pure function from a
 * monitor and what the exchange shows to the monitor's next state and the actions that get
 * it there. No I/O, no clock, no randomness: the same input always gives the same output.
 *
 * It converges rather than reacts: every cycle the targets (a stop for the whole position,
 * TPs at their ladder shares while no TP has filled and never above the size, the stop at
 * breakeven after TP1 where that tightens it) are compared on the lot and tick grid with
 * what the exchange lists, and only differences become writes. A write that did not land
 * (lost, refused, its answer lost) is therefore redone on a later cycle, and a rule is done
 * when the exchange shows it done, not when it was decided.
 */
import type { Action } from "./action.ts";
import { inferOrders, planPosition } from "./adoption.ts";
import { isOwnLinkId, isRivalLinkId, lifetimeKey, parseLinkId } from "./link-id.ts";
import { MonitorEdit, stopFirst } from "./monitor-edit.ts";
import { closingSide, orderKey, type Monitor, type TrackedOrder } from "./monitor.ts";
import { splitQty, tpShares, type RuleConfig } from "./plan.ts";
import { assessProtection, hasPositionStop, isProtectiveStop, nextProtection } from "./protection.ts";
import { sightAll, type MonitorView, type Sighting } from "./sighting.ts";
import { cancelEntries, followPlan, moveStopByPlan } from "./stop-moves.ts";
import { defaultStopPrice, stopOnRightSide } from "./stop.ts";
import type { ExchangeOrder, ExchangePosition } from "./types.ts";
import { lotsToQty, toLots, toTicks } from "./units.ts";
import { dueInterval, urgency } from "./urgency.ts";

export type { MonitorView } from "./sighting.ts";
export { needsLookup } from "./sighting.ts";

export interface Evaluation {
  readonly monitor: Monitor;
  readonly actions: Action[];
}

const OPEN = new Set(["open", "untriggered"]);

export function evaluate(monitor: Monitor, view: MonitorView, now: number, config: RuleConfig): Evaluation {
  if (monitor.status === "closed") return sweepClosed(monitor, view, now, config.instance);
  const { qtyStep: step, tickSize: tick } = view.instrument;
  const position = view.position?.symbol === monitor.symbol && view.position.side === monitor.side ? view.position : undefined;
  const size = position !== undefined && toLots(position.size, step) > 0 ? position.size : 0;
  const lots = toLots(size, step);
  if (position !== undefined && lots > 0 && reopened(monitor, position)) {
    // a new lifetime: the earlier life's orders settle nothing for this one
    const fresh = renew(monitor, position, view, now, config);
    const rest = evaluate(fresh.monitor, view, now, config);
    return { monitor: rest.monitor, actions: stopFirst([...fresh.actions, ...rest.actions]) };
  }
  const edit = new MonitorEdit(monitor, now, config.instance);
  // another Warden instance's orders are never this monitor's to manage
  for (const order of monitor.orders) if (isRivalLinkId(order.linkId, config.instance)) edit.drop(order.linkId);

  const sightings = sightAll(monitor, view, now, config);
  const fills = record(edit, sightings);
  adoptOwn(edit, view);
  edit.prunePending(config.graceMs, (p) => view.snapshotAt >= p.writtenAt && view.orders.some((o) => orderKey(o) === p.linkId && (p.triggerPrice === undefined || (o.triggerPrice !== undefined && toTicks(o.triggerPrice, tick) === toTicks(p.triggerPrice, tick)))));

  const slFilled = fills.filled.some((o) => o.role === "sl");
  if (lots === 0) {
    const waiting = toLots(monitor.size, step) === 0 && !slFilled && edit.tracked().some((o) => o.role === "entry" && o.state === "working");
    if (waiting) return finishWaiting(edit, fills.vanished, now, config);
    const tpFilled = fills.filled.some((o) => o.role === "tp");
    const reason = slFilled ? "stop-hit" : tpFilled ? "tp-complete" : "flat";
    edit.rule(slFilled ? "sl-filled-close" : "position-flat-close", { reason, previousSize: monitor.size });
    edit.close(reason);
    return edit.finish();
  }
  const open = position!;
  const prevLots = toLots(edit.monitor.size, step);
  edit.set("size", size);
  edit.set("entryPrice", open.entryPrice);
  if (open.openedAt !== undefined) edit.set("openedAt", open.openedAt);
  if (open.positionIdx !== 0 && open.positionIdx !== edit.monitor.positionIdx) edit.set("positionIdx", open.positionIdx);
  const mark = open.markPrice;
  const filledEntries = fills.filled.filter((o) => o.role === "entry").map((o) => o.linkId);
  if (lots > prevLots || filledEntries.length > 0) edit.rule("entry-filled-resize", { previousSize: monitor.size, size, filledEntries });

  const tp1Now = !monitor.tp1Filled && fills.filled.some((o) => o.role === "tp" && o.index === 0);
  if (tp1Now) edit.set("tp1Filled", true);
  for (const order of fills.filled.filter((o) => o.role === "tp" && o.index > 0)) edit.rule("tp-filled-follow", { linkId: order.linkId, index: order.index, size });

  for (const order of fills.vanished) {
    edit.rule("order-vanished", { linkId: order.linkId, role: order.role, index: order.index });
    if (order.role !== "sl") edit.alert("warn", `${order.role} order ${order.linkId} vanished without a fill; not replaced`, { linkId: order.linkId, kind: "order-vanished" });
  }
  settleCancels(edit, view);
  const rival = standBy(edit, view, mark, size, config.instance);
  if (rival !== undefined) {
    edit.set("protection", nextProtection(edit.monitor.protection, "stand-by", now, `Warden instance ${rival} protects this position`));
    return schedule(edit, mark, now, config).finish();
  }
  noteStopMovedByHand(edit, sightings, tick);
  ensureStop(edit, view, size, mark, now, config);
  dropDuplicates(edit, view);
  followPlan(edit, size, mark, tick);
  if (edit.monitor.tp1Filled) cancelEntries(edit);
  moveStopByPlan(edit, sightings, size, mark, tick, now, config, tp1Now);
  placeMissingTps(edit, size, step);
  const unknown = new Set([...sightings].filter(([, seen]) => seen.kind === "unknown").map(([id]) => id));
  resize(edit, size, step, unknown);
  assess(edit, open, view, now);
  return schedule(edit, mark, now, config).finish();
}

/**
 * A closed monitor writes nothing, except to cancel an order of its own still listed (a
 * cancel of its closing cycle that failed): no order may stay working on a flat position.
 */
function sweepClosed(monitor: Monitor, view: MonitorView, now: number, instance: string | undefined): Evaluation {
  // an order still listed whose cancel Warden already sent is settled quietly (sent again);
  // one it did not know was still there is news: an alert, once
  const unexpected = new Set(monitor.orders.filter((o) => !(o.state === "cancelled" && o.cancelledAt !== undefined)).map((o) => o.linkId));
  const stray = view.orders.filter((o) => unexpected.has(orderKey(o)) && OPEN.has(o.status));
  const edit = new MonitorEdit(monitor, now, instance);
  settleCancels(edit, view);
  if (stray.length > 0) {
    edit.alert("warn", `closed monitor still had ${stray.length} order(s) listed; cancelling them`, { linkIds: stray.map(orderKey), kind: "order-stray" });
    for (const order of edit.tracked().filter((o) => stray.some((s) => orderKey(s) === o.linkId))) edit.cancel(order);
  }
  const done = edit.finish();
  return done.actions.length === 0 && done.monitor.orders.every((o, i) => o === monitor.orders[i]) ? { monitor, actions: [] } : done;
}

/**
 * Cancels Warden sent: one a listing taken after it no longer shows is done (forgotten as
 * unsettled); one it still shows as it was did not land and is sent again; one the trader
 * changed since (moved, resized) is working again, and this evaluation decides about it afresh
 * (a cancel decided for a looser stop must not hit the stop the trader has since tightened).
 */
function settleCancels(edit: MonitorEdit, view: MonitorView): void {
  const { tickSize: tick, qtyStep: step } = view.instrument;
  const same = (a: number | undefined, b: number | undefined, unit: number) => (a === undefined || b === undefined ? a === b : Math.round(a / unit) === Math.round(b / unit));
  for (const order of edit.tracked()) {
    if (order.state !== "cancelled" || order.cancelledAt === undefined || view.snapshotAt <= order.cancelledAt) continue;
    const listed = view.orders.find((o) => orderKey(o) === order.linkId && OPEN.has(o.status));
    if (listed === undefined) edit.settled(order.linkId);
    else if (same(listed.triggerPrice, order.triggerPrice, tick) && same(listed.price, order.price, tick) && same(listed.qty, order.qty, step)) edit.cancel(order);
    else {
      edit.settled(order.linkId);
      edit.update(order.linkId, { state: "working", qty: listed.qty, filledQty: listed.filledQty, ...(listed.price !== undefined ? { price: listed.price } : {}), ...(listed.triggerPrice !== undefined ? { triggerPrice: listed.triggerPrice } : {}) });
      edit.rule("cancel-withdrawn", { linkId: order.linkId, role: order.role, reason: "changed on the exchange since the cancel was decided" });
    }
  }
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
    if (parsed === undefined || known.has(order.linkId) || !OPEN.has(order.status) || !isOwnLinkId(order.linkId, lifetimeKey(edit.monitor))) continue;
    edit.adopt(trackedFrom(order, parsed.role, parsed.index));
    if (parsed.seq > edit.monitor.seq) edit.set("seq", parsed.seq);
  }
}

export function trackedFrom(order: ExchangeOrder, role: TrackedOrder["role"], index: number): TrackedOrder {
  return {
    role, index, linkId: orderKey(order), side: order.side, qty: order.qty, filledQty: order.filledQty, state: "working",
    ...(order.price !== undefined ? { price: order.price } : {}),
    ...(order.triggerPrice !== undefined ? { triggerPrice: order.triggerPrice } : {}),
  };
}

/** A waiting monitor (no position yet, entries working): exit orders are pointless and cancelled. */
function finishWaiting(edit: MonitorEdit, vanished: readonly TrackedOrder[], now: number, config: RuleConfig): Evaluation {
  for (const order of vanished) edit.alert("warn", `${order.role} order ${order.linkId} vanished without a fill`, { linkId: order.linkId, kind: "order-vanished" });
  const exits = edit.tracked().filter((o) => o.state === "working" && o.role !== "entry");
  if (exits.length > 0) edit.rule("exit-cancelled-flat", { linkIds: exits.map((o) => o.linkId) });
  for (const order of exits) edit.cancel(order);
  edit.set("size", 0);
  edit.set("protection", undefined);
  edit.set("nextDueAt", now + dueInterval("active", config.urgency));
  return edit.finish();
}

/** The position went flat and opened again since the last look: Bybit renews its createdTime. */
function reopened(monitor: Monitor, position: ExchangePosition): boolean {
  return monitor.openedAt !== undefined && position.openedAt !== undefined && monitor.openedAt !== position.openedAt;
}

/**
 * A new lifetime on the same monitor id: Warden's exits of the earlier life still listed are
 * cancelled (sized and priced for a position that no longer exists), every other order of
 * it is forgotten, nothing of its prices is kept, and the orders found for the new position
 * are adopted as at start-up.
 */
function renew(monitor: Monitor, position: ExchangePosition, view: MonitorView, now: number, config: RuleConfig): Evaluation {
  const edit = new MonitorEdit(monitor, now, config.instance);
  const listed = new Set(view.orders.filter((o) => OPEN.has(o.status)).map(orderKey));
  for (const order of edit.tracked()) {
    if (order.state === "working" && order.role !== "entry" && listed.has(order.linkId) && parseLinkId(order.linkId) !== undefined) edit.cancel(order);
    else edit.drop(order.linkId);
  }
  edit.set("createdAt", Math.max(now, monitor.createdAt + 1));
  const cancelling = new Set(edit.tracked().map((o) => o.linkId));
  const found = inferOrders(lifetimeKey(edit.monitor), position, view.orders.filter((o) => !cancelling.has(orderKey(o))), config.ladder);
  for (const order of found.orders) edit.adopt(order);
  const planned = planPosition(position, found, config, view.instrument);
  edit.set("plan", planned.plan);
  edit.set("seq", found.seq);
  edit.set("stopPrice", planned.stopPrice);
  edit.set("tpPrices", planned.tpPrices);
  edit.set("rules", planned.rules);
  edit.set("trailBest", undefined);
  edit.set("planPending", undefined);
  edit.set("planAt", undefined);
  edit.set("planEntry", undefined);
  edit.set("planDeferred", undefined);
  edit.set("tp1Filled", false);
  edit.set("breakevenDone", false);
  edit.set("lastRestoredAt", undefined);
  edit.set("protection", undefined);
  edit.set("noStop", undefined); // a choice made for the earlier position ends with it
  edit.set("size", 0);
  edit.set("entryPrice", position.entryPrice);
  if (position.openedAt !== undefined) edit.set("openedAt", position.openedAt);
  edit.rule("position-reopened", { previousEntry: monitor.entryPrice, entryPrice: position.entryPrice, size: position.size, openedAt: position.openedAt });
  return edit.finish();
}

/**
 * Never two working orders of one role and rung (a create that landed late, a crash, a stop
 * the trader added): the extra ones are cancelled. Of two stops the tightest is kept (Warden
 * never loosens one) once the exchange lists it; the others are cancelled after the kept one
 * is resized to the whole size: stopFirst puts the stop's amend before the cancel, and the
 * executor sends nothing after a write that did not succeed, so the cover never shrinks.
 */
function dropDuplicates(edit: MonitorEdit, view: MonitorView): void {
  const listed = new Set(view.orders.filter((o) => OPEN.has(o.status)).map(orderKey));
  const stop = workingStop(edit);
  if (stop !== undefined && listed.has(stop.linkId)) {
    for (const order of edit.tracked().filter((o) => o.role === "sl" && o.state === "working" && o !== stop && listed.has(o.linkId))) {
      edit.rule("duplicate-cancelled", { linkId: order.linkId, role: order.role, index: order.index, kept: stop.linkId });
      edit.cancel(order);
    }
  }
  const seen = new Set<number>();
  const tps = edit.tracked().filter((o) => o.role === "tp" && o.state === "working");
  for (const order of [...tps].sort((a, b) => Number(listed.has(b.linkId)) - Number(listed.has(a.linkId)) || b.qty - a.qty)) {
    if (!seen.has(order.index)) {
      seen.add(order.index);
      continue;
    }
    if (listed.has(order.linkId)) {
      edit.rule("duplicate-cancelled", { linkId: order.linkId, role: order.role, index: order.index });
      edit.cancel(order);
    }
  }
}

/**
 * Two Warden instances on one account (DESIGN, "Protection": one instance per account): a
 * position another instance already protects with its own stop is left to it, and this
 * one stands by, placing nothing and cancelling whatever it placed in a race. When both hold
 * a stop, the lower tag keeps the role, so the two never both hold it. When the other's
 * stop lapses, this one's next evaluation places its own (takes over). Returns the tag of
 * the instance this one stands by for, or undefined when it acts.
 */
function standBy(edit: MonitorEdit, view: MonitorView, mark: number, size: number, instance: string | undefined): string | undefined {
  if (instance === undefined) return undefined;
  const { tickSize: tick, qtyStep: step } = view.instrument;
  // only a rival stop that covers the whole position: a stale or partial one is no protection to defer to
  const rivals = view.orders
    .filter((o) => isRivalLinkId(o.linkId, instance) && isProtectiveStop(o, edit.monitor.side, mark, tick) && toLots(o.qty - o.filledQty, step) >= toLots(size, step) - 1)
    .map((o) => parseLinkId(o.linkId)!.instance!)
    .sort();
  const rival = rivals[0];
  if (rival === undefined) return undefined;
  const mine = (o: TrackedOrder) => parseLinkId(o.linkId)?.instance === instance;
  const own = workingStop(edit);
  if (own !== undefined && mine(own) && view.orders.some((o) => o.linkId === own.linkId && OPEN.has(o.status)) && instance < rival) return undefined;
  const placed = edit.tracked().filter((o) => o.state === "working" && o.role !== "entry" && mine(o));
  for (const order of placed) edit.cancel(order);
  if (placed.length > 0) edit.rule("stand-by", { instance: rival, cancelled: placed.map((o) => o.linkId) });
  return rival;
}

/** The listed stop's trigger differs from the one Warden last set: the trader moved it, and it becomes the plan's stop. */
function noteStopMovedByHand(edit: MonitorEdit, sightings: ReadonlyMap<string, Sighting>, tick: number): void {
  const stop = workingStop(edit);
  const { stopPrice } = edit.monitor;
  if (stop === undefined || stop.triggerPrice === undefined || sightings.get(stop.linkId)?.kind !== "listed") return;
  if (edit.monitor.planPending === true) return; // the trader's plan moves it; not a hand move
  // our own trigger amend not yet seen landed: the next evaluation sends it again, no hand in it
  if (edit.pendingOf(stop.linkId)?.triggerPrice !== undefined) return;
  if (stopPrice !== undefined && toTicks(stopPrice, tick) === toTicks(stop.triggerPrice, tick)) return;
  if (stopPrice !== undefined) edit.rule("sl-moved-by-hand", { linkId: stop.linkId, from: stopPrice, to: stop.triggerPrice });
  edit.set("stopPrice", stop.triggerPrice);
}

function workingStop(edit: MonitorEdit): TrackedOrder | undefined {
  return edit.primaryStop();
}

/** Untracked reduce-only conditional on the closing side: someone else's stop (the trader's, or adopted late). */
function foreignStop(edit: MonitorEdit, view: MonitorView, mark: number, instance: string | undefined): ExchangeOrder | undefined {
  const known = new Set(edit.tracked().map((o) => o.linkId));
  const candidates = view.orders.filter((o) => !known.has(orderKey(o)) && !isRivalLinkId(o.linkId, instance) && isProtectiveStop(o, edit.monitor.side, mark, view.instrument.tickSize));
  return candidates.sort((a, b) => b.qty - a.qty || orderKey(a).localeCompare(orderKey(b)))[0];
}

/** A reduce-only market order closing this position is working: it is being closed. */
function closing(edit: MonitorEdit, view: MonitorView): boolean {
  const side = closingSide(edit.monitor.side);
  return view.orders.some((o) => o.reduceOnly && o.side === side && o.type === "market" && o.triggerPrice === undefined && OPEN.has(o.status))
    || edit.tracked().some((o) => o.role === "exit" && o.state === "working");
}

/**
 * Every open position has a stop: a stop placed by someone else is adopted (and from then on
 * managed like Warden's own: resized, moved to breakeven; when another stop is working too,
 * the tighter of the two is kept (a trader's as tight or tighter wins over Warden's) and the
 * other cancelled: never two stops, never one loosened by Warden); a stop that vanished
 * without a fill is restored every time, in this very evaluation; a position that never had
 * one gets one. A stop is never placed where it would trigger at once (`pastStop`).
 */
function ensureStop(edit: MonitorEdit, view: MonitorView, size: number, mark: number, now: number, config: RuleConfig): void {
  const foreign = foreignStop(edit, view, mark, config.instance);
  const own = workingStop(edit);
  if (foreign !== undefined) {
    // managed from now on; of two stops the tighter is the one resized, and the other is
    // cancelled once that one covers the whole size (dropDuplicates): never two, never less cover
    edit.adopt(trackedFrom(foreign, "sl", 0));
    const primary = workingStop(edit);
    if (primary?.linkId === orderKey(foreign)) edit.set("stopPrice", foreign.triggerPrice);
    edit.rule("sl-adopted", { adopted: orderKey(foreign), triggerPrice: foreign.triggerPrice, qty: foreign.qty, ...(own !== undefined ? { beside: own.linkId, kept: primary?.linkId } : {}) });
    return;
  }
  if (own !== undefined || closing(edit, view) || edit.monitor.noStop === true) return;
  // a position-level stop (trading-stop) closes the whole position: never a second stop beside it
  if (view.position !== undefined && hasPositionStop(view.position, view.instrument.tickSize)) return;
  const { side, entryPrice, stopPrice } = edit.monitor;
  const tick = view.instrument.tickSize;
  const last = edit.tracked().filter((o) => o.role === "sl").at(-1);
  // the plan's stop: the last trigger Warden set or accepted (a hand move included)
  const wanted = stopPrice ?? last?.triggerPrice ?? defaultStopPrice(side, entryPrice, config.defaultStopPct, tick);
  let trigger = wanted;
  if (mark > 0 && !stopOnRightSide(side, wanted, mark, tick)) {
    const what = `the stop for ${edit.monitor.id} at ${wanted} is already past the mark ${mark}`;
    if (config.pastStop === "close") {
      edit.alert("error", `${what}; closing the position at market (pastStop: close)`, { kind: "past-stop", triggerPrice: wanted, markPrice: mark });
      edit.placeMarketExit(size);
      return;
    }
    trigger = defaultStopPrice(side, mark, config.defaultStopPct, tick);
    edit.alert("error", `${what}; placing it ${config.defaultStopPct}% from the mark at ${trigger} instead (pastStop: from-mark)`, { kind: last === undefined ? "adoption-past-stop" : "past-stop", triggerPrice: trigger, wanted, markPrice: mark });
  }
  edit.placeStop(size, trigger);
  const linkId = edit.tracked().at(-1)?.linkId;
  if (last === undefined) {
    edit.rule("sl-placed", { linkId, triggerPrice: trigger, qty: size, from: stopPrice !== undefined ? "target" : "defaultStopPct" });
    return;
  }
  const { slRestoredCount } = edit.monitor;
  edit.set("slRestoredCount", slRestoredCount + 1);
  edit.set("lastRestoredAt", now);
  edit.rule("sl-restored", { vanished: last.linkId, linkId, triggerPrice: trigger, qty: size, restores: slRestoredCount + 1 });
}


/** Once any TP has filled, even in part, the ladder is left as it is: only the stop follows the size. */
function tpStarted(edit: MonitorEdit): boolean {
  return edit.tracked().some((o) => o.role === "tp" && (o.state === "filled" || o.filledQty > 0));
}

/**
 * TPs the plan has a price for but that were never placed, while no TP has filled. A rung
 * whose share is less than one lot is merged into the farthest one (splitQty gives it the
 * remainder), and the event says so.
 */
function placeMissingTps(edit: MonitorEdit, size: number, step: number): void {
  if (tpStarted(edit)) return;
  const shares = tpShares(edit.monitor.plan);
  const qtys = splitQty(size, shares, step);
  const merged: number[] = [];
  let placed = false;
  edit.monitor.tpPrices.forEach((price, index) => {
    const qty = qtys[index];
    if (qty === undefined || edit.tracked().some((o) => o.role === "tp" && o.index === index)) return;
    if (toLots(qty, step) === 0) {
      merged.push(index);
      return;
    }
    edit.placeLimit("tp", index, qty, price);
    edit.rule("tp-placed", { index, price, qty });
    placed = true;
  });
  if (placed && merged.length > 0) edit.rule("tp-rungs-merged", { rungs: merged.map((i) => i + 1), into: qtys.length, size, reason: "less than one lot each" });
}

/**
 * Amends what differs from the targets: the stop to the whole size; TPs to their ladder
 * shares until a TP fills; after that, working TPs never above the size (a manual partial
 * close shrinks the farthest rungs first, cancelling a rung left with nothing).
 */
function resize(edit: MonitorEdit, size: number, step: number, unknown: ReadonlySet<string>): void {
  // A tracked qty is the listing's, or what we wrote ourselves while the write is pending.
  const differs = (order: TrackedOrder, qty: number) => toLots(order.qty, step) !== toLots(qty, step);
  // The stop first: it is the protection, and a refused TP amend must not hold it back.
  const stop = workingStop(edit);
  if (stop !== undefined && differs(stop, size)) edit.amend(stop, { qty: size }); // even when unknown: a stop follows the size whatever happened
  // A TP missing from the listing without a lookup answer may just have filled: the ladder waits a cycle.
  if (edit.tracked().some((o) => o.role === "tp" && unknown.has(o.linkId))) return;
  const tps = edit.tracked().filter((o) => o.role === "tp" && o.state === "working");
  if (!tpStarted(edit)) {
    const qtys = splitQty(size, tpShares(edit.monitor.plan), step);
    for (const tp of tps) {
      const qty = qtys[tp.index];
      if (qty === undefined || !differs(tp, qty)) continue;
      if (toLots(qty, step) > 0) edit.amend(tp, { qty });
      else {
        // its share of a smaller position is less than one lot: never a TP above the size
        edit.cancel(tp);
        edit.rule("tp-shrunk", { linkId: tp.linkId, index: tp.index, lots: toLots(tp.qty, step), size });
      }
    }
    return;
  }
  let excess = tps.reduce((sum, o) => sum + toLots(o.qty - o.filledQty, step), 0) - toLots(size, step);
  for (const tp of [...tps].sort((a, b) => b.index - a.index)) {
    if (excess <= 0) break;
    const left = toLots(tp.qty - tp.filledQty, step);
    const cut = Math.min(left, excess);
    excess -= cut;
    if (cut === left) edit.cancel(tp);
    else edit.amend(tp, { qty: lotsToQty(toLots(tp.qty, step) - cut, step) });
    edit.rule("tp-shrunk", { linkId: tp.linkId, index: tp.index, lots: cut, size });
  }
}

/** Protection as the exchange showed it this evaluation (before this evaluation's writes land). */
function assess(edit: MonitorEdit, position: ExchangePosition, view: MonitorView, now: number): void {
  const found = assessProtection(position, view.orders, view.instrument);
  const previous = edit.monitor.protection;
  if (found.protected) edit.set("protection", nextProtection(previous, "protected", now));
  else if (edit.monitor.noStop === true) edit.set("protection", nextProtection(previous, "no-stop", now, "without a stop by the trader's choice"));
  else edit.set("protection", nextProtection(previous, "unprotected", now, found.reason));
}

function schedule(edit: MonitorEdit, mark: number, now: number, config: RuleConfig): MonitorEdit {
  // an unprotected position is critical: looked at every cycle until the exchange shows its stop
  // unprotected, or following the trader's plan: looked at every cycle until the exchange shows it done
  const level = edit.monitor.protection?.state === "unprotected" || edit.monitor.planPending === true ? "critical" : urgency(edit.finish().monitor, mark, config.urgency);
  edit.set("nextDueAt", now + dueInterval(level, config.urgency));
  return edit;
}
