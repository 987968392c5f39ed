import { revertWrite } from "../../core/domain/write-outcome.ts";
import { describe, expect, test } from "bun:test";
import { evaluate, needsLookup } from "../../core/domain/evaluate.ts";
import { parseLinkId } from "../../core/domain/link-id.ts";
import { needsSweep, newMonitor, type Monitor } from "../../core/domain/monitor.ts";
import { fastPlan } from "../../core/domain/plan.ts";
import { T0, exchangeOrder, foreignOrder, listingOf, makeMonitor, makePosition, makeView, ofKind, order, rules, RULES } from "./builders.ts";

const NOW = T0 + 60_000;

function filled(m: Monitor, role: "entry" | "tp" | "sl", index = 0) {
  const o = order(m, role, index);
  return { linkId: o.linkId, lookup: new Map([[o.linkId, exchangeOrder(o, { status: "filled", filledQty: o.qty })]]) };
}

function cancelledByHand(m: Monitor, role: "entry" | "tp" | "sl", index = 0) {
  const o = order(m, role, index);
  return { linkId: o.linkId, lookup: new Map([[o.linkId, exchangeOrder(o, { status: o.role === "sl" ? "deactivated" : "cancelled" })]]) };
}

describe("evaluate", () => {
  test("does nothing while the position and its orders are as recorded", () => {
    const m = makeMonitor();
    const { actions } = evaluate(m, makeView(m), NOW, RULES);
    expect(actions).toEqual([]);
  });

  test("resizes TPs and SL by amending when an entry fills", () => {
    const m = makeMonitor();
    const e0 = filled(m, "entry", 0);
    const view = makeView(m, { position: makePosition({ size: 0.15 }), orders: listingOf(m, [e0.linkId]), lookups: e0.lookup });
    const { monitor, actions } = evaluate(m, view, NOW, RULES);
    const amends = ofKind(actions, "amend");
    expect(ofKind(actions, "place")).toEqual([]);
    expect(ofKind(actions, "cancel")).toEqual([]);
    expect(amends.filter((a) => a.role === "tp").map((a) => a.qty)).toEqual([0.127, 0.007, 0.007, 0.009]);
    expect(amends.find((a) => a.role === "sl")?.qty).toBe(0.15);
    expect(rules(actions)).toContain("entry-filled-resize");
    expect(monitor.size).toBe(0.15);
    expect(monitor.orders.find((o) => o.linkId === e0.linkId)?.state).toBe("filled");
  });

  test("moves the stop to breakeven and cancels unfilled entries when TP1 fills", () => {
    const m = makeMonitor();
    const tp1 = filled(m, "tp", 0);
    const view = makeView(m, { position: makePosition({ size: 0.015, markPrice: 61_000 }), orders: listingOf(m, [tp1.linkId]), lookups: tp1.lookup });
    const { monitor, actions } = evaluate(m, view, NOW, RULES);
    expect(ofKind(actions, "cancel").map((a) => a.role)).toEqual(["entry", "entry"]);
    const stopAmend = ofKind(actions, "amend").filter((a) => a.role === "sl");
    expect(stopAmend).toEqual([expect.objectContaining({ qty: 0.015, triggerPrice: 60_066 })]);
    expect(ofKind(actions, "place")).toEqual([]);
    expect(rules(actions)).toContain("tp1-filled-breakeven");
    // done when the exchange shows it, not when decided
    expect(monitor.tp1Filled && !monitor.breakevenDone).toBe(true);
    const later = NOW + RULES.graceMs;
    const shown = evaluate(monitor, makeView(monitor, { position: makePosition({ size: 0.015, markPrice: 61_000 }), orders: listingOf(monitor), snapshotAt: later }), later, RULES);
    expect(shown.monitor.breakevenDone).toBe(true);
    expect(ofKind(shown.actions, "amend")).toEqual([]);
  });

  test("short positions put breakeven below entry", () => {
    const m = makeMonitor({ side: "short" });
    const tp1 = filled(m, "tp", 0);
    const view = makeView(m, { position: makePosition({ side: "short", size: 0.015, markPrice: 59_000 }), orders: listingOf(m, [tp1.linkId]), lookups: tp1.lookup });
    const stop = ofKind(evaluate(m, view, NOW, RULES).actions, "amend").find((a) => a.role === "sl");
    expect(stop?.triggerPrice).toBe(59_934);
  });

  test("keeps the stop and alerts while the mark is already past breakeven", () => {
    const m = makeMonitor();
    const tp1 = filled(m, "tp", 0);
    const view = makeView(m, { position: makePosition({ size: 0.015, markPrice: 60_010 }), orders: listingOf(m, [tp1.linkId]), lookups: tp1.lookup });
    const { monitor, actions } = evaluate(m, view, NOW, RULES);
    expect(ofKind(actions, "alert")).toHaveLength(1);
    expect(ofKind(actions, "amend").find((a) => a.role === "sl")).toEqual(expect.objectContaining({ qty: 0.015 }));
    expect(ofKind(actions, "amend").find((a) => a.role === "sl")?.triggerPrice).toBeUndefined();
    expect(monitor.breakevenDone).toBe(false);
  });

  test("the stop quantity follows the remaining size when a later TP fills", () => {
    const first = makeMonitor();
    const tp1 = filled(first, "tp", 0);
    const after = evaluate(first, makeView(first, { position: makePosition({ size: 0.015, markPrice: 61_000 }), orders: listingOf(first, [tp1.linkId]), lookups: tp1.lookup }), NOW, RULES).monitor;
    const tp2 = filled(after, "tp", 1);
    const view = makeView(after, { position: makePosition({ size: 0.01, markPrice: 62_000 }), orders: listingOf(after, [tp2.linkId]), lookups: tp2.lookup, snapshotAt: NOW + 30_000 });
    const { actions } = evaluate(after, view, NOW + 30_000, RULES);
    expect(ofKind(actions, "amend")).toEqual([expect.objectContaining({ role: "sl", qty: 0.01 })]);
    expect(rules(actions)).toEqual(["tp-filled-follow"]);
  });

  test("cancels every order and closes when the stop fills", () => {
    const m = makeMonitor();
    const sl = filled(m, "sl");
    const { monitor, actions } = evaluate(m, makeView(m, { position: null, orders: listingOf(m, [sl.linkId]), lookups: sl.lookup }), NOW, RULES);
    expect(ofKind(actions, "cancel")).toHaveLength(6);
    expect(ofKind(actions, "place")).toEqual([]);
    expect(ofKind(actions, "close")).toEqual([{ kind: "close", reason: "stop-hit" }]);
    expect(rules(actions)).toContain("sl-filled-close");
    expect(monitor.status).toBe("closed");
    expect(monitor.orders.filter((o) => o.state === "working")).toEqual([]);
  });

  test("cancels every order and closes when the position is closed by hand", () => {
    const m = makeMonitor();
    const { monitor, actions } = evaluate(m, makeView(m, { position: null }), NOW, RULES);
    expect(ofKind(actions, "cancel")).toHaveLength(7);
    expect(ofKind(actions, "close")).toEqual([{ kind: "close", reason: "flat" }]);
    expect(monitor.closeReason).toBe("flat");
  });

  test("closes a fast plan as complete when its one TP fills", () => {
    const m = makeMonitor({ plan: "fast" });
    const tp = filled(m, "tp", 0);
    const { actions } = evaluate(m, makeView(m, { position: null, orders: listingOf(m, [tp.linkId]), lookups: tp.lookup }), NOW, RULES);
    expect(ofKind(actions, "cancel").map((a) => a.role)).toEqual(["sl"]);
    expect(ofKind(actions, "close")).toEqual([{ kind: "close", reason: "tp-complete" }]);
  });

  test("restores a stop cancelled by hand every time, in the evaluation that sees it gone", () => {
    const m = makeMonitor();
    const sl = cancelledByHand(m, "sl");
    const first = evaluate(m, makeView(m, { orders: listingOf(m, [sl.linkId]), lookups: sl.lookup }), NOW, RULES);
    const placed = ofKind(first.actions, "place");
    expect(placed).toEqual([expect.objectContaining({ role: "sl", qty: 0.1, triggerPrice: 59_000, reduceOnly: true, triggerDirection: "fall" })]);
    expect(placed[0]!.linkId).not.toBe(sl.linkId);
    expect(parseLinkId(placed[0]!.linkId)?.seq).toBe(m.seq + 1);
    expect(rules(first.actions)).toContain("sl-restored");
    expect(ofKind(first.actions, "alert")).toEqual([]);
    expect(first.monitor.slRestoredCount).toBe(1);

    const again = cancelledByHand(first.monitor, "sl");
    const later = NOW + RULES.graceMs + 1;
    const second = evaluate(first.monitor, makeView(first.monitor, { orders: listingOf(first.monitor, [again.linkId]), lookups: again.lookup, snapshotAt: later }), later, RULES);
    expect(ofKind(second.actions, "place")).toEqual([expect.objectContaining({ role: "sl", qty: 0.1, triggerPrice: 59_000 })]);
    // the error alert about a second restore is the engine's, once the exchange accepted it (test/protection/restores.test.ts)
    expect(second.monitor.slRestoredCount).toBe(2);
    expect(second.monitor.lastRestoredAt).toBe(later);
  });

  test("a restore the exchange refused is decided again on the next evaluation, and counted once", () => {
    const m = makeMonitor();
    const sl = cancelledByHand(m, "sl");
    const first = evaluate(m, makeView(m, { orders: listingOf(m, [sl.linkId]), lookups: sl.lookup }), NOW, RULES);
    const refused = ofKind(first.actions, "place")[0]!;
    const taken = revertWrite(first.monitor, refused);
    expect(taken.slRestoredCount).toBe(0);
    expect(taken.orders.some((o) => o.linkId === refused.linkId)).toBe(false);
    const later = NOW + 5_000;
    const again = evaluate(taken, makeView(taken, { orders: listingOf(taken, [sl.linkId]), snapshotAt: later }), later, RULES);
    expect(ofKind(again.actions, "place")).toEqual([expect.objectContaining({ role: "sl", qty: 0.1, reduceOnly: true })]);
    expect(again.monitor.slRestoredCount).toBe(1);
  });

  test("a restore long after the last one is restored without an error alert", () => {
    const m = { ...makeMonitor(), slRestoredCount: 1, lastRestoredAt: NOW - RULES.restoreAlertWindowMs };
    const sl = cancelledByHand(m, "sl");
    const { actions } = evaluate(m, makeView(m, { orders: listingOf(m, [sl.linkId]), lookups: sl.lookup }), NOW, RULES);
    expect(ofKind(actions, "place")).toEqual([expect.objectContaining({ role: "sl", qty: 0.1 })]);
    expect(ofKind(actions, "alert")).toEqual([]);
  });

  test("raises an alert and does not replace a TP cancelled by hand", () => {
    const m = makeMonitor();
    const tp = cancelledByHand(m, "tp", 2);
    const { monitor, actions } = evaluate(m, makeView(m, { orders: listingOf(m, [tp.linkId]), lookups: tp.lookup }), NOW, RULES);
    expect(ofKind(actions, "place")).toEqual([]);
    expect(ofKind(actions, "alert")).toHaveLength(1);
    expect(monitor.orders.find((o) => o.linkId === tp.linkId)?.state).toBe("cancelled");
  });

  test("looks a just-placed order missing from a later listing up at once, and waits while it is found nowhere within the grace window", () => {
    const m = makeMonitor();
    const sl = cancelledByHand(m, "sl");
    const restored = evaluate(m, makeView(m, { orders: listingOf(m, [sl.linkId]), lookups: sl.lookup }), NOW, RULES).monitor;
    const fresh = order(restored, "sl").linkId;
    const before = makeView(restored, { orders: listingOf(restored, [fresh]), snapshotAt: NOW - 1 });
    expect(needsLookup(restored, before, NOW + 1_000, RULES)).toEqual([]);
    const soon = makeView(restored, { orders: listingOf(restored, [fresh]), snapshotAt: NOW + 1_000 });
    expect(needsLookup(restored, soon, NOW + 1_000, RULES)).toEqual([fresh]);
    const nowhere = { ...soon, lookups: new Map([[fresh, null]]) };
    expect(evaluate(restored, nowhere, NOW + 1_000, RULES).actions.filter((a) => a.kind !== "rule")).toEqual([]);
  });

  test("does nothing about a missing order until a lookup answers", () => {
    const m = makeMonitor();
    const stop = order(m, "sl").linkId;
    const view = makeView(m, { orders: listingOf(m, [stop]) });
    expect(needsLookup(m, view, NOW, RULES)).toEqual([stop]);
    const { monitor, actions } = evaluate(m, view, NOW, RULES);
    expect(actions).toEqual([]);
    expect(order(monitor, "sl").linkId).toBe(stop);
  });

  test("declares an order found nowhere gone and restores a missing stop", () => {
    const m = makeMonitor();
    const stop = order(m, "sl").linkId;
    const { monitor, actions } = evaluate(m, makeView(m, { orders: listingOf(m, [stop]), lookups: new Map([[stop, null]]) }), NOW, RULES);
    expect(monitor.orders.find((o) => o.linkId === stop)?.state).toBe("gone");
    expect(ofKind(actions, "place")).toHaveLength(1);
  });

  test("never re-places a stop while someone else's stop is working; it adopts it", () => {
    const m = makeMonitor();
    const sl = cancelledByHand(m, "sl");
    const theirs = foreignOrder({ linkId: "manual-stop", type: "market", price: undefined, triggerPrice: 58_500, status: "untriggered" });
    const { monitor, actions } = evaluate(m, makeView(m, { orders: [...listingOf(m, [sl.linkId]), theirs], lookups: sl.lookup }), NOW, RULES);
    expect(ofKind(actions, "place")).toEqual([]);
    expect(rules(actions)).toContain("sl-adopted");
    expect(order(monitor, "sl").linkId).toBe("manual-stop");
  });

  test("a position-level stop (trading-stop) on the losing side protects the position: no second stop is placed", () => {
    const { stopPrice: _unused, ...bare } = makeMonitor({ sl: false, tps: false, entries: 0 });
    const guarded = evaluate(bare, makeView(bare, { position: makePosition({ stopLoss: 58_000 }) }), NOW, RULES);
    expect(ofKind(guarded.actions, "place")).toEqual([]);
    expect(guarded.monitor.protection?.state).toBe("protected");
    // one past the mark protects nothing
    const crossed = evaluate(bare, makeView(bare, { position: makePosition({ stopLoss: 60_500 }) }), NOW, RULES);
    expect(ofKind(crossed.actions, "place")).toEqual([expect.objectContaining({ role: "sl" })]);
    expect(crossed.monitor.protection?.state).toBe("unprotected");
  });

  test("places a stop at the default distance for a position that has none", () => {
    const { stopPrice: _unused, ...bare } = makeMonitor({ sl: false, tps: false, entries: 0 });
    const { actions } = evaluate(bare, makeView(bare), NOW, RULES);
    expect(ofKind(actions, "place")).toEqual([expect.objectContaining({ role: "sl", qty: 0.1, triggerPrice: 57_000 })]); // defaultStopPct 5 from entry 60 000
    expect(rules(actions)).toContain("sl-placed");
  });

  test("never places a stop the mark has already crossed: it goes defaultStopPct from the mark, with an alert", () => {
    const { stopPrice: _unused, ...bare } = makeMonitor({ sl: false, tps: false, entries: 0 });
    // the default stop, 5% under the 60 000 entry, is 57 000: past a mark of 56 000
    const { actions } = evaluate(bare, makeView(bare, { position: makePosition({ markPrice: 56_000 }) }), NOW, RULES);
    expect(ofKind(actions, "place")[0]?.triggerPrice).toBe(53_200);
    expect(ofKind(actions, "alert")).toEqual([expect.objectContaining({ level: "error", detail: expect.objectContaining({ kind: "adoption-past-stop" }) })]);
  });

  test("waits with its entries while the position does not exist yet", () => {
    const m = makeMonitor({ size: 0, tps: false, sl: false });
    const { monitor, actions } = evaluate(m, makeView(m, { position: null }), NOW, RULES);
    expect(actions).toEqual([]);
    expect(monitor.status).toBe("active");
  });

  test("places the stop and the TPs when a waiting monitor's first entry fills", () => {
    const waiting = newMonitor({ ...makeMonitor({ size: 0, tps: false, sl: false }), now: T0, tpPrices: [61_000, 62_000], stopPrice: 59_000, plan: { kind: "conservative", ladder: [80, 20] } });
    const e0 = filled(waiting, "entry", 0);
    const view = makeView(waiting, { position: makePosition({ size: 0.05, markPrice: 59_600 }), orders: listingOf(waiting, [e0.linkId]), lookups: e0.lookup });
    const { actions } = evaluate(waiting, view, NOW, RULES);
    const placed = ofKind(actions, "place");
    expect(placed.map((a) => [a.role, a.qty])).toEqual([["sl", 0.05], ["tp", 0.04], ["tp", 0.01]]);
    expect(new Set(placed.map((a) => a.linkId)).size).toBe(3);
  });

  test("adopts its own order written just before a crash instead of placing another", () => {
    const { stopPrice: _unused, ...bare } = makeMonitor({ sl: false, tps: false, entries: 0 });
    const lostWrite = evaluate(bare, makeView(bare), NOW, RULES).actions.find((a) => a.kind === "place");
    if (lostWrite?.kind !== "place") throw new Error("expected a place");
    const listed = { ...foreignOrder(), linkId: lostWrite.linkId, type: "market" as const, triggerPrice: lostWrite.triggerPrice, price: undefined };
    const { monitor, actions } = evaluate(bare, makeView(bare, { orders: [listed] }), NOW, RULES);
    expect(ofKind(actions, "place")).toEqual([]);
    expect(order(monitor, "sl").linkId).toBe(lostWrite.linkId);
    expect(monitor.seq).toBe(parseLinkId(lostWrite.linkId)!.seq);
  });

  test("leaves the ladder alone once TP1 has partly filled; only the stop follows the size", () => {
    const m = makeMonitor();
    const tp1 = order(m, "tp", 0);
    const orders = listingOf(m).map((o) => (o.linkId === tp1.linkId ? { ...o, filledQty: 0.02 } : o));
    const { actions } = evaluate(m, makeView(m, { position: makePosition({ size: 0.08 }), orders }), NOW, RULES);
    expect(ofKind(actions, "amend")).toEqual([expect.objectContaining({ role: "sl", qty: 0.08 })]);
  });

  test("does not resize the ladder while a TP is missing without a lookup answer", () => {
    const m = makeMonitor();
    const tp1 = order(m, "tp", 0).linkId;
    const { actions } = evaluate(m, makeView(m, { position: makePosition({ size: 0.015 }), orders: listingOf(m, [tp1]) }), NOW, RULES);
    expect(ofKind(actions, "amend")).toEqual([expect.objectContaining({ role: "sl", qty: 0.015 })]);
  });

  test("a closed monitor cancels an order of its own still listed after a failed cancel", () => {
    const m = makeMonitor();
    const closed = evaluate(m, makeView(m, { position: null }), NOW, RULES).monitor;
    const stop = m.orders.find((o) => o.role === "sl")!;
    // a listing taken before the cancel says nothing about it; one taken after that still shows the order does
    expect(evaluate(closed, makeView(closed, { position: null, orders: [exchangeOrder(stop)], snapshotAt: NOW }), NOW + 1, RULES).actions).toEqual([]);
    const { actions } = evaluate(closed, makeView(closed, { position: null, orders: [exchangeOrder(stop)], snapshotAt: NOW + 1 }), NOW + 1, RULES);
    expect(ofKind(actions, "cancel").map((a) => a.linkId)).toEqual([stop.linkId]);
    expect(ofKind(actions, "place")).toEqual([]);
    expect(ofKind(actions, "alert")).toEqual([]); // a cancel Warden already sent, sent again: no news
    // once a later listing no longer shows it, the monitor has nothing left to sweep
    const swept = evaluate(closed, makeView(closed, { position: null, orders: [], snapshotAt: NOW + 2 }), NOW + 2, RULES).monitor;
    expect(needsSweep(swept)).toBe(false);
  });

  test("a closed monitor gives no actions", () => {
    const closed = evaluate(makeMonitor(), makeView(makeMonitor(), { position: null }), NOW, RULES).monitor;
    expect(evaluate(closed, makeView(closed, { position: null }), NOW + 1, RULES).actions).toEqual([]);
  });

  test("schedules the next evaluation by urgency", () => {
    const m = makeMonitor({ plan: "fast", entries: 0 });
    const near = evaluate(m, makeView(m, { position: makePosition({ markPrice: 60_950 }) }), NOW, RULES).monitor;
    const far = evaluate(m, makeView(m, { position: makePosition({ markPrice: 60_000 }) }), NOW, RULES).monitor;
    expect(near.nextDueAt).toBe(NOW);
    expect(far.nextDueAt).toBe(NOW + 5_000);
    expect(newMonitor({ account: "main", symbol: "X", side: "long", plan: fastPlan(), now: 5 }).nextDueAt).toBe(5);
  });
});
