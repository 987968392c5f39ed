import { defaultRoster } from "../../core/domain/accounts.ts";
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { evaluate } from "../../core/domain/evaluate.ts";
import type { Monitor } from "../../core/domain/monitor.ts";
import { reconcile } from "../../core/domain/reconcile.ts";
import type { AccountId, AccountSnapshot, ExchangeOrder } from "../../core/domain/types.ts";
import { toLots } from "../../core/domain/units.ts";
import { T0, applyWrites, exchangeOrder, foreignOrder, makeInstrument, makeMonitor, makePosition, makeView, RULES } from "./builders.ts";

const NOW = T0 + 60_000;
const STEP = 0.001;
const fate = fc.constantFrom("listed", "listed", "listed", "filled", "cancelled", "nowhere", "unknown");

const caseArb = fc.record({
  side: fc.constantFrom("long" as const, "short" as const),
  plan: fc.constantFrom("fast" as const, "conservative" as const),
  sizeLots: fc.integer({ min: 0, max: 2_000 }),
  entries: fc.integer({ min: 0, max: 3 }),
  newSizeLots: fc.integer({ min: 0, max: 4_000 }),
  fates: fc.array(fate, { minLength: 8, maxLength: 8 }),
  tp1Filled: fc.boolean(),
  breakevenDone: fc.boolean(),
  slRestoredCount: fc.integer({ min: 0, max: 2 }),
  markBps: fc.integer({ min: -800, max: 800 }),
  stopPending: fc.boolean(),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function build(c: Case): { monitor: Monitor; view: ReturnType<typeof makeView> } {
  const base = makeMonitor({ side: c.side, plan: c.plan, size: c.sizeLots * STEP, entries: c.entries });
  const monitor: Monitor = {
    ...base,
    tp1Filled: c.tp1Filled,
    breakevenDone: c.tp1Filled && c.breakevenDone,
    slRestoredCount: c.slRestoredCount,
    pending: c.stopPending ? base.orders.filter((o) => o.role === "sl").map((o) => ({ linkId: o.linkId, writtenAt: NOW - 1_000 })) : [],
  };
  const orders: ExchangeOrder[] = [];
  const lookups = new Map<string, ExchangeOrder | null>();
  monitor.orders.forEach((o, i) => {
    const f = c.fates[i] ?? "listed";
    if (f === "listed") orders.push(exchangeOrder(o));
    if (f === "filled") lookups.set(o.linkId, exchangeOrder(o, { status: "filled", filledQty: o.qty }));
    if (f === "cancelled") lookups.set(o.linkId, exchangeOrder(o, { status: "cancelled" }));
    if (f === "nowhere") lookups.set(o.linkId, null);
  });
  const mark = 60_000 * (1 + c.markBps / 10_000);
  const position = c.newSizeLots > 0 ? makePosition({ side: c.side, size: c.newSizeLots * STEP, markPrice: mark }) : null;
  return { monitor, view: makeView(monitor, { position, orders, lookups, snapshotAt: NOW }) };
}

const workingStops = (orders: readonly ExchangeOrder[]) => orders.filter((o) => o.reduceOnly && o.triggerPrice !== undefined);

describe("evaluate properties", () => {
  test("is deterministic, and a JSON round trip of the monitor changes nothing", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { monitor, view } = build(c);
        const first = evaluate(monitor, view, NOW, RULES);
        expect(evaluate(monitor, view, NOW, RULES)).toEqual(first);
        expect(evaluate(JSON.parse(JSON.stringify(monitor)) as Monitor, view, NOW, RULES)).toEqual(first);
        expect(JSON.parse(JSON.stringify(first.monitor))).toEqual(first.monitor);
      }),
      { numRuns: 300 },
    );
  });

  test("never leaves a working order on a flat position", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { monitor, view } = build({ ...c, newSizeLots: 0 });
        const { monitor: after, actions } = evaluate(monitor, view, NOW, RULES);
        expect(actions.filter((a) => a.kind === "place")).toEqual([]);
        const left = applyWrites(view.orders, actions);
        expect(left.filter((o) => o.reduceOnly)).toEqual([]);
        if (after.status === "active") {
          // Only a waiting monitor (never had a position) stays open on a flat symbol, with its entries alone.
          expect(monitor.size).toBe(0);
          expect(after.orders.filter((o) => o.state === "working" && o.role !== "entry")).toEqual([]);
        } else {
          expect(left).toEqual([]);
          expect(after.orders.filter((o) => o.state === "working")).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  test("after its own actions the stop's size equals the position's size, and there is never a second stop", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { monitor, view } = build({ ...c, newSizeLots: Math.max(1, c.newSizeLots) });
        const { monitor: after, actions } = evaluate(monitor, view, NOW, RULES);
        const listing = applyWrites(view.orders, actions);
        expect(workingStops(listing).length).toBeLessThanOrEqual(1);
        const stop = after.orders.filter((o) => o.role === "sl" && o.state === "working").at(-1);
        const listed = stop && listing.find((o) => o.linkId === stop.linkId);
        if (listed !== undefined) expect(toLots(listed.qty, STEP)).toBe(toLots(view.position!.size, STEP));
        if (stop !== undefined) expect(toLots(stop.qty, STEP)).toBe(toLots(view.position!.size, STEP));
      }),
      { numRuns: 300 },
    );
  });

  test("a second evaluation on the exchange its first one produced writes nothing more", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { monitor, view } = build({ ...c, newSizeLots: Math.max(1, c.newSizeLots) });
        const first = evaluate(monitor, view, NOW, RULES);
        const later = NOW + 1_000;
        const second = evaluate(first.monitor, { ...view, orders: applyWrites(view.orders, first.actions), lookups: new Map(), snapshotAt: later }, later, RULES);
        expect(second.actions.filter((a) => a.kind === "place" || a.kind === "amend" || a.kind === "cancel")).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("reconcile properties", () => {
  const instruments = new Map([["BTCUSDT", makeInstrument()]]);
  const orderArb = fc.record({
    linkId: fc.constantFrom("a", "b", "c", "d", "e", "f", ""),
    side: fc.constantFrom("buy" as const, "sell" as const),
    priceBps: fc.integer({ min: -500, max: 500 }),
    qtyLots: fc.integer({ min: 1, max: 200 }),
    reduceOnly: fc.boolean(),
    conditional: fc.boolean(),
  });
  const accountArb = fc.record({
    positions: fc.subarray(["long", "short"] as const),
    orders: fc.array(orderArb, { maxLength: 8 }),
    known: fc.subarray(["long", "short"] as const),
  });

  test("is idempotent", () => {
    fc.assert(
      fc.property(accountArb, accountArb, fc.option(fc.double({ min: 0.1, max: 3, noNaN: true }), { nil: undefined }), (main, mirror, ratio) => {
        const snaps = new Map<AccountId, AccountSnapshot>();
        const monitors: Monitor[] = [];
        for (const [account, spec] of [["main", main], ["mirror", mirror]] as const) {
          const orders = spec.orders.map((o, i) =>
            foreignOrder({
              id: `${account}-${i}`, linkId: o.linkId === "" ? "" : `${o.linkId}${i}`, side: o.side, qty: o.qtyLots * STEP, reduceOnly: o.reduceOnly,
              type: o.conditional ? "market" : "limit",
              price: o.conditional ? undefined : 60_000 * (1 + o.priceBps / 10_000),
              triggerPrice: o.conditional ? 60_000 * (1 + o.priceBps / 10_000) : undefined,
              status: o.conditional ? "untriggered" : "open",
            }),
          );
          const positions = spec.positions.map((side) => makePosition({ side }));
          snaps.set(account, { account, positions, orders, takenAt: T0 });
          for (const side of spec.known) monitors.push(makeMonitor({ account, side }));
        }
        const options = ratio === undefined ? {} : { roster: defaultRoster(["main", "mirror"], ratio) };
        const once = reconcile(monitors, snaps, instruments, T0, { ...options, config: RULES });
        const twice = reconcile(once.monitors, snaps, instruments, T0, { ...options, config: RULES });
        expect(twice.monitors).toEqual(once.monitors);
      }),
      { numRuns: 300 },
    );
  });
});
