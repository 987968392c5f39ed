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
