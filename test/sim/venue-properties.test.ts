import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseScenario } from "../../core/sim/scenario.ts";
import { createVenue } from "../../core/sim/venue.ts";
import { SimError, type Params, type Venue } from "../../core/sim/venue-api.ts";

const LOT = 0.001;

type Op = { kind: "step" } | { kind: "place"; body: Params };

const placeArb: fc.Arbitrary<Op> = fc
  .record({
    side: fc.constantFrom("Buy", "Sell"),
    type: fc.constantFrom("limit", "market", "conditional"),
    reduceOnly: fc.boolean(),
    lots: fc.integer({ min: 1, max: 200 }),
    offset: fc.integer({ min: -1500, max: 1500 }),
  })
  .map(({ side, type, reduceOnly, lots, offset }) => {
    const body: Params = { symbol: "BTCUSDT", side, qty: (lots * LOT).toFixed(3), reduceOnly };
    const level = String(60000 + offset);
    if (type === "limit") return { kind: "place", body: { ...body, orderType: "Limit", price: level } };
    if (type === "market") return { kind: "place", body: { ...body, orderType: "Market" } };
    return { kind: "place", body: { ...body, orderType: "Market", triggerPrice: level } };
  });

const opsArb = fc.array(fc.oneof(placeArb, fc.constant<Op>({ kind: "step" })), { minLength: 1, maxLength: 60 });
const pathArb = fc.array(fc.integer({ min: 58000, max: 62000 }), { minLength: 2, maxLength: 30 });

function venueFor(path: number[]): Venue {
  return createVenue(
    parseScenario(
      {
        name: "prop",
        accounts: { main: { apiKey: "k", apiSecret: "s" } },
        instruments: ["BTCUSDT"],
        positions: [{ account: "main", symbol: "BTCUSDT", side: "long", size: 0.1, entryPrice: 60000 }],
        prices: { BTCUSDT: [60000, ...path] },
      },
      "property scenario",
    ),
  );
}

function run(v: Venue, ops: Op[]): void {
  for (const op of ops) {
    if (op.kind === "step") v.step();
    else {
      try {
        v.createOrder("main", op.body);
      } catch (e) {
        if (!(e instanceof SimError)) throw e;
      }
    }
    checkInvariants(v);
  }
}

function checkInvariants(v: Venue): void {
  const pos = v.positions("main", { symbol: "BTCUSDT" })[0]!;
  const side = pos.side as string;
  const lots = Math.round(Number(pos.size) / LOT) * (side === "Sell" ? -1 : 1);
  // no reduce-only order keeps working against a flat position or on the position's own side
  for (const o of v.openOrders("main", {})) {
    if (o.reduceOnly || o.closeOnTrigger) {
      expect(side).not.toBe("");
      expect(o.side).not.toBe(side);
    }
  }
  // the position is the seed plus the signed sum of executions
  const executed = v.executions("main", {}).reduce((sum, e) => sum + Math.round(Number(e.execQty) / LOT) * (e.side === "Buy" ? 1 : -1), 0);
  expect(lots).toBe(100 + executed);
}

describe("venue invariants over random paths and orders", () => {
  test("reduce-only orders never outlive or flip a position, and the position equals the seed plus its executions", () => {
    fc.assert(
      fc.property(pathArb, opsArb, (path, ops) => {
        const v = venueFor(path);
        run(v, ops);
        for (const e of v.executions("main", {})) {
          const order = v.orderHistory("main", { orderId: String(e.orderId) })[0]!;
          if (order.reduceOnly) expect(e.closedSize).toBe(e.execQty);
        }
      }),
      { numRuns: 150, seed: 42 },
    );
  });

  test("the same operations on the same path give the same state", () => {
    fc.assert(
      fc.property(pathArb, opsArb, (path, ops) => {
        const a = venueFor(path);
        const b = venueFor(path);
        run(a, ops);
        run(b, ops);
        expect(JSON.stringify(b.state())).toBe(JSON.stringify(a.state()));
        expect(b.executions("main", {})).toEqual(a.executions("main", {}));
      }),
      { numRuns: 50, seed: 7 },
    );
  });
});

describe("hedge-mode venue invariants over random paths and orders", () => {
  const hedgeOpsArb = fc.array(
    fc.oneof(
      fc.tuple(placeArb, fc.constantFrom(1, 2)).map(([op, positionIdx]): Op => (op.kind === "place" ? { kind: "place", body: { ...op.body, positionIdx } } : op)),
      fc.constant<Op>({ kind: "step" }),
    ),
    { minLength: 1, maxLength: 60 },
  );

  function hedgeVenue(path: number[]): Venue {
    return createVenue(
      parseScenario(
        {
          name: "prop-hedge",
          accounts: { main: { apiKey: "k", apiSecret: "s", positionMode: "hedge" } },
          instruments: ["BTCUSDT"],
          positions: [{ account: "main", symbol: "BTCUSDT", side: "long", size: 0.1, entryPrice: 60000 }],
          prices: { BTCUSDT: [60000, ...path] },
        },
        "hedge property scenario",
      ),
    );
  }

  /** Index 1 is only ever long, index 2 only short; a reducing order works only against an open position of its index; each index is its seed plus its own executions. */
  function checkHedgeInvariants(v: Venue): void {
    const rows = new Map(v.positions("main", { symbol: "BTCUSDT" }).map((p) => [Number(p["positionIdx"]), p]));
    expect(["Buy", ""]).toContain(rows.get(1)?.["side"] as string);
    expect(["Sell", ""]).toContain(rows.get(2)?.["side"] as string);
    for (const o of v.openOrders("main", {})) {
      const idx = Number(o["positionIdx"]);
      const reducing = o["reduceOnly"] === true || o["closeOnTrigger"] === true || o["side"] !== (idx === 1 ? "Buy" : "Sell");
      if (reducing) expect(rows.get(idx)?.["side"]).toBe(idx === 1 ? "Buy" : "Sell");
    }
    const executed = new Map([[1, 100], [2, 0]]);
    for (const e of v.executions("main", {})) {
      const order = v.orderHistory("main", { orderId: String(e["orderId"]) })[0] ?? v.openOrders("main", { orderId: String(e["orderId"]) })[0];
      const idx = Number(order?.["positionIdx"]);
      executed.set(idx, (executed.get(idx) ?? 0) + Math.round(Number(e["execQty"]) / LOT) * (e["side"] === "Buy" ? 1 : -1));
    }
    expect(Math.round(Number(rows.get(1)?.["size"]) / LOT)).toBe(executed.get(1)!);
    // signed short size; `+ 0` turns a flat row's -0 into 0
    expect(-Math.round(Number(rows.get(2)?.["size"]) / LOT) + 0).toBe(executed.get(2)! + 0);
  }

  test("the long and the short never flip or mix, and reducing orders never outlive their side", () => {
    fc.assert(
      fc.property(pathArb, hedgeOpsArb, (path, ops) => {
        const v = hedgeVenue(path);
        for (const op of ops) {
          if (op.kind === "step") v.step();
          else {
            try {
              v.createOrder("main", op.body);
            } catch (e) {
              if (!(e instanceof SimError)) throw e;
            }
          }
          checkHedgeInvariants(v);
        }
      }),
      { numRuns: 150, seed: 43 },
    );
  });
});
