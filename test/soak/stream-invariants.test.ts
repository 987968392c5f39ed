/**
 * The stream soak's own checks on hand-built views and venues: each one passes when Warden's
 * view after an audit agrees with the venue and fails on a built breach (a fill missed, a
 * fill applied twice, an order the venue closed, a fill counted twice), and a blind account
 * defers the bounded invariants until Warden can know.
 */
import { describe, expect, test } from "bun:test";
import type { AccountSnapshot, ExchangeOrder, ExchangePosition } from "../../core/domain/types.ts";
import { InvariantChecker } from "../../core/soak/invariants.ts";
import { StreamChecker, viewDifferences, type AccountTruth } from "../../core/soak/stream-invariants.ts";
import type { VenuePosition, VenueView } from "../../core/soak/venue-read.ts";
import { VirtualTimers } from "../../core/soak/virtual-timers.ts";

function order(over: Partial<ExchangeOrder> = {}): ExchangeOrder {
  return { id: "o-tp", linkId: "w-0123abcd-t0-2", symbol: "BTCUSDT", side: "sell", type: "limit", price: 61_000, triggerPrice: undefined, qty: 0.1, filledQty: 0, reduceOnly: true, positionIdx: 0, status: "open", updatedAt: 1, ...over };
}

function position(over: Partial<ExchangePosition> = {}): ExchangePosition {
  return { symbol: "BTCUSDT", side: "long", positionIdx: 0, size: 0.2, entryPrice: 60_000, markPrice: 60_000, ...over };
}

function view(positions: ExchangePosition[], orders: ExchangeOrder[]): AccountSnapshot {
  return { account: "main", positions, orders, takenAt: 0 };
}

function truth(over: Partial<AccountTruth> = {}): AccountTruth {
  return { account: "main", positions: [{ symbol: "BTCUSDT", side: "long", size: 0.2 }], orders: [{ id: "o-tp", symbol: "BTCUSDT", qty: 0.1, filled: 0 }], ...over };
}

describe("stream invariants after an audit", () => {
  test("a view that agrees with the venue is no breach", () => {
    expect(new StreamChecker().audit(1, view([position()], [order()]), truth())).toEqual([]);
  });

  test("a fill the view missed (position size, an order's filled quantity) is a fill-after-audit breach", () => {
    const c = new StreamChecker();
    const sized = c.audit(1, view([position({ size: 0.1 })], [order()]), truth());
    expect(sized.map((b) => [b.invariant, b.monitor])).toEqual([["fill-after-audit", "main"]]);
    expect(sized[0]!.what).toContain("position BTCUSDT:long: Warden 0.1, venue 0.2");
    const partial = c.audit(2, view([position()], [order()]), truth({ orders: [{ id: "o-tp", symbol: "BTCUSDT", qty: 0.1, filled: 0.04 }] }));
    expect(partial.map((b) => b.invariant)).toEqual(["fill-after-audit"]);
    expect(partial[0]!.what).toContain("filled: Warden 0, venue 0.04");
    expect(c.audits).toBe(2);
  });

  test("an order the venue filled or cancelled still open in the view, or a venue order missing from it, is a breach", () => {
    const c = new StreamChecker();
    expect(c.audit(1, view([position()], [order()]), truth({ orders: [] })).map((b) => b.invariant)).toEqual(["fill-after-audit"]);
    expect(c.audit(2, view([position()], []), truth()).map((b) => b.invariant)).toEqual(["fill-after-audit"]);
    expect(viewDifferences(view([], [order()]), truth({ positions: [], orders: [] })).map((d) => d.what)).toEqual(["order o-tp (BTCUSDT) open in Warden's view (open, 0 of 0.1 filled): closed on the venue"]);
  });

  test("a fill applied twice (more filled in the view than on the venue) is both a fill-after-audit and a fill-counted-twice breach", () => {
    const c = new StreamChecker();
    const found = c.audit(1, view([position()], [order({ filledQty: 0.08 })]), truth({ orders: [{ id: "o-tp", symbol: "BTCUSDT", qty: 0.1, filled: 0.04 }] }));
    expect(found.map((b) => b.invariant)).toEqual(["fill-after-audit", "fill-counted-twice"]);
  });

  test("Warden counting more fills than the distinct executions delivered is a fill-counted-twice breach", () => {
    const c = new StreamChecker();
    expect(c.fills(1, "main", 4, 4)).toEqual([]);
    expect(c.fills(1, "main", 3, 4)).toEqual([]); // fewer: rows that came while not live are in the snapshot instead
    expect(c.fills(2, "main", 5, 4).map((b) => [b.invariant, b.monitor])).toEqual([["fill-counted-twice", "main"]]);
  });
});

describe("blind accounts", () => {
  const SPECS = new Map([["BTCUSDT", { symbol: "BTCUSDT", tickSize: 0.1, qtyStep: 0.001, minQty: 0.001 }]]);
  const bare: VenueView = { positions: [{ account: "main", symbol: "BTCUSDT", side: "long", size: 0.1, mark: 60_000, stopLoss: undefined } satisfies VenuePosition], orders: [], marks: new Map() };

  test("an unprotected position on a blind account is no breach until Warden can know; then the bound counts from then", () => {
    const c = new InvariantChecker({ k: 2, stepMs: 5_000, specs: SPECS });
    c.blind("main", "BTCUSDT");
    for (let cycle = 1; cycle <= 6; cycle++) expect(c.after(cycle, bare)).toEqual([]);
    expect(c.maskedByBlind).toBe(1);
    c.see("main", "BTCUSDT", 7, "stream audit (timer)");
    expect(c.isBlind("main", "BTCUSDT")).toBe(false);
    expect(c.after(7, bare)).toEqual([]);
    const breach = c.after(8, bare);
    expect(breach.map((b) => [b.cycle, b.invariant])).toEqual([[8, "unprotected"]]);
    expect(breach[0]!.what).toContain("last touched before cycle 7: stream audit (timer)");
  });

  test("without blindness the same position is a breach at the K-th check", () => {
    const c = new InvariantChecker({ k: 2, stepMs: 5_000, specs: SPECS });
    expect(c.after(1, bare)).toEqual([]);
    expect(c.after(2, bare).map((b) => b.invariant)).toEqual(["unprotected"]);
    c.see("main", "BTCUSDT", 10, "not blind: no touch");
    expect(c.maskedByBlind).toBe(0);
  });
});

describe("virtual timers", () => {
  test("fire only when due on the virtual clock, earliest first, those set while firing included", () => {
    let now = 0;
    const t = new VirtualTimers(() => now);
    const fired: string[] = [];
    t.setTimeout(() => fired.push("b@10"), 10);
    t.setTimeout(() => {
      fired.push("a@5");
      t.setTimeout(() => fired.push("c@10"), 0); // set at virtual 10: due then
    }, 5);
    const cleared = t.setTimeout(() => fired.push("never"), 1);
    t.clearTimeout(cleared);
    expect(t.runDue()).toBe(0);
    now = 10;
    expect(t.runDue()).toBe(3);
    expect(fired).toEqual(["a@5", "b@10", "c@10"]);
    expect(t.pending).toBe(0);
  });
});
