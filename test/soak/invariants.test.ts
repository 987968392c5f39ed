/** The soak's invariant checker on hand-built venue views: what it counts as a breach, and when. */
import { describe, expect, test } from "bun:test";
import { InvariantChecker } from "../../core/soak/invariants.ts";
import type { VenueOrder, VenuePosition, VenueView } from "../../core/soak/venue-read.ts";

const SPECS = new Map([["BTCUSDT", { symbol: "BTCUSDT", tickSize: 0.1, qtyStep: 0.001, minQty: 0.001 }]]);
const HASH = "0123abcd";

function position(over: Partial<VenuePosition> = {}): VenuePosition {
  return { account: "main", symbol: "BTCUSDT", side: "long", size: 0.1, mark: 60_000, stopLoss: undefined, ...over };
}

function stop(over: Partial<VenueOrder> = {}): VenueOrder {
  return { account: "main", symbol: "BTCUSDT", orderId: "o-sl", linkId: `w-${HASH}-s0-1`, side: "Sell", qty: 0.1, price: 0, triggerPrice: 59_000, reduceOnly: true, closeOnTrigger: true, ...over };
}

function tp(over: Partial<VenueOrder> = {}): VenueOrder {
  return { account: "main", symbol: "BTCUSDT", orderId: "o-tp", linkId: `w-${HASH}-t0-2`, side: "Sell", qty: 0.1, price: 61_000, triggerPrice: undefined, reduceOnly: true, closeOnTrigger: false, ...over };
}

function view(positions: VenuePosition[], orders: VenueOrder[]): VenueView {
  return { positions, orders, marks: new Map([["BTCUSDT", 60_000]]) };
}

const checker = (k = 3) => new InvariantChecker({ k, stepMs: 5_000, specs: SPECS });

describe("soak invariants", () => {
  test("a position with a full-size stop on the losing side is protected, whoever placed it", () => {
    const c = checker(1);
    expect(c.after(1, view([position()], [stop({ linkId: "" })]))).toEqual([]);
    expect(c.after(2, view([position()], [stop({ linkId: "manual-1" })]))).toEqual([]);
    expect(c.after(3, view([position({ stopLoss: 59_000 })], []))).toEqual([]);
  });

  test("a stop one lot short still covers the position; two lots short does not", () => {
    const c = checker(1);
    expect(c.after(1, view([position()], [stop({ qty: 0.099 })]))).toEqual([]);
    expect(c.after(2, view([position()], [stop({ qty: 0.098 })])).map((b) => b.invariant)).toEqual(["unprotected"]);
  });

  test("a stop past the mark, or on the opening side, does not protect", () => {
    const c = checker(1);
    expect(c.after(1, view([position()], [stop({ triggerPrice: 60_500 })])).map((b) => b.invariant)).toEqual(["unprotected"]);
    expect(c.after(1, view([position({ side: "short" })], [stop({ linkId: "", side: "Sell", triggerPrice: 61_000 })])).map((b) => b.invariant)).toEqual(["unprotected"]);
  });

  test("an unprotected position is a breach at the K-th check after the last touch, once", () => {
    const c = checker(3);
    const bare = view([position()], []);
    expect(c.after(1, bare)).toEqual([]);
    c.touch("main", "BTCUSDT", 3);
    expect(c.after(2, bare)).toEqual([]);
    expect(c.after(3, bare)).toEqual([]);
    expect(c.after(4, bare)).toEqual([]);
    expect(c.after(5, bare).map((b) => [b.cycle, b.invariant, b.monitor])).toEqual([[5, "unprotected", "main:BTCUSDT:long"]]);
    expect(c.after(6, bare)).toEqual([]);
    expect(c.protection().longestMs).toBe(30_000);
  });

  test("a monitor the engine reports unprotected in that cycle is no breach; a cycle without the report is", () => {
    const c = checker(2);
    const reported = new Set(["main:BTCUSDT:long"]);
    expect(c.after(1, view([position()], []), reported)).toEqual([]);
    expect(c.after(2, view([position()], []), reported)).toEqual([]);
    expect(c.after(3, view([position()], [])).map((b) => [b.cycle, b.invariant])).toEqual([[3, "unprotected"]]);
  });

  test("a Warden order on a flat side is a breach after K checks; an entry of the other side is not on a flat side", () => {
    const c = checker(2);
    const flat = view([], [tp()]);
    expect(c.after(1, flat)).toEqual([]);
    expect(c.after(2, flat).map((b) => b.invariant)).toEqual(["flat-order"]);
    const entry: VenueOrder = { ...tp(), linkId: `w-${HASH}-e0-3`, side: "Buy", reduceOnly: false };
    expect(checker(1).after(1, view([position()], [entry, stop()]))).toEqual([]);
  });

  test("two working orders of one role and index of one monitor are a breach at once", () => {
    const c = checker(3);
    const breaches = c.after(1, view([position()], [stop(), stop({ orderId: "o-sl2", linkId: `w-${HASH}-s0-7` })]));
    expect(breaches.map((b) => b.invariant)).toEqual(["duplicate-order"]);
  });

  test("a Warden TP above the size is a breach after K checks", () => {
    const c = checker(1);
    expect(c.after(1, view([position()], [stop(), tp({ qty: 0.2 })])).map((b) => b.invariant)).toEqual(["tp-above-size"]);
  });

  test("Warden loosening its stop during a cycle is a breach; the trader's move before the cycle is not", () => {
    const c = checker(3);
    c.before(view([position()], [stop({ triggerPrice: 59_000 })]));
    expect(c.after(1, view([position()], [stop({ triggerPrice: 59_500 })]))).toEqual([]);
    c.before(view([position()], [stop({ triggerPrice: 58_000 })])); // the trader loosened it between cycles
    expect(c.after(2, view([position()], [stop({ triggerPrice: 58_000 })]))).toEqual([]);
    c.before(view([position()], [stop({ triggerPrice: 59_500 })]));
    expect(c.after(3, view([position()], [stop({ triggerPrice: 59_000 })])).map((b) => b.invariant)).toEqual(["stop-loosened"]);
    c.before(view([position()], [stop({ triggerPrice: 59_500 })]));
    const replaced = c.after(4, view([position()], [stop({ orderId: "o-sl9", linkId: `w-${HASH}-s0-9`, triggerPrice: 58_500 })]));
    expect(replaced.map((b) => b.invariant)).toEqual(["stop-loosened"]);
  });

  test("a stop of one account cancelled beside another account's stop with the same orderLinkId is no loosening (regression: keyed by linkId alone, seed 7 of the stream soak read main's stop as mirror's)", () => {
    const c = checker(3);
    const mainStop = stop({ orderId: "o-main", linkId: "seed-BTCUSDT-sl", triggerPrice: 58_200 });
    const mirrorStop = stop({ account: "mirror", orderId: "o-mirror", linkId: "seed-BTCUSDT-sl", triggerPrice: 59_000 });
    const positions = [position(), position({ account: "mirror" })];
    // both adopted by their accounts' monitors
    const managed = new Map([
      ["main:seed-BTCUSDT-sl", { role: "sl" as const, index: 0, side: "long" as const }],
      ["mirror:seed-BTCUSDT-sl", { role: "sl" as const, index: 0, side: "long" as const }],
    ]);
    c.before(view(positions, [mainStop, mirrorStop]), managed);
    // Warden cancelled mirror's stop (the trader's own stop, tighter, was adopted in its place)
    expect(c.after(1, view(positions, [mainStop, stop({ account: "mirror", orderId: "o-own", linkId: "", triggerPrice: 59_100 })]), new Set(), managed)).toEqual([]);
    // the same move within one account is still a breach
    c.before(view(positions, [mainStop, mirrorStop]), managed);
    expect(c.after(2, view(positions, [mainStop, { ...mirrorStop, triggerPrice: 58_000 }]), new Set(), managed).map((b) => [b.invariant, b.monitor])).toEqual([["stop-loosened", "mirror:BTCUSDT:long"]]);
  });
});
