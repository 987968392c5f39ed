/**
 * The simulator in hedge mode: positions keyed by symbol and positionIdx (1 the long, 2 the
 * short), both open at once, orders that must carry an index fitting the mode, reducing
 * orders that reduce the right side, and /v5/position/switch-mode.
 */
import { describe, expect, test } from "bun:test";
import { parseScenario } from "../../core/sim/scenario.ts";
import type { ScenarioInput } from "../../core/sim/scenario-schema.ts";
import { createVenue } from "../../core/sim/venue.ts";
import { SimError, type Params, type Venue } from "../../core/sim/venue-api.ts";
import { InputError } from "../../core/errors.ts";

const long = { account: "main", symbol: "BTCUSDT", side: "long", size: 0.1, entryPrice: 60000 } as const;
const short = { account: "main", symbol: "BTCUSDT", side: "short", size: 0.05, entryPrice: 61000 } as const;

function scenario(over: Partial<ScenarioInput> = {}, positionMode: "hedge" | "one-way" = "hedge") {
  const input: ScenarioInput = {
    name: "hedge",
    seed: 3,
    accounts: { main: { apiKey: "k", apiSecret: "s", balance: 10_000, positionMode } },
    instruments: ["BTCUSDT"],
    prices: { BTCUSDT: [60000, 59500, 59000, 58500, 59000, 60000, 61000, 62000] },
    ...over,
  };
  return parseScenario(input, "hedge scenario");
}

const venue = (over: Partial<ScenarioInput> = {}, mode: "hedge" | "one-way" = "hedge"): Venue => createVenue(scenario(over, mode));

function order(over: Params = {}): Params {
  return { category: "linear", symbol: "BTCUSDT", side: "Buy", orderType: "Market", qty: "0.01", ...over };
}

function refusal(fn: () => unknown): { retCode: number; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimError) return { retCode: e.retCode, message: e.message };
    throw e;
  }
  throw new Error("expected a SimError");
}

/** The symbol's rows as /v5/position/list?symbol= lists them: positionIdx -> [side, size]. */
function sides(v: Venue): Record<number, [unknown, unknown]> {
  return Object.fromEntries(v.positions("main", { symbol: "BTCUSDT" }).map((p) => [p["positionIdx"] as number, [p["side"], p["size"]]]));
}

describe("hedge-mode positions", () => {
  test("a long and a short on one symbol are both listed, each with its positionIdx", () => {
    const v = venue({ positions: [long, short] });
    expect(sides(v)).toEqual({ 1: ["Buy", "0.100"], 2: ["Sell", "0.050"] });
    const listed = v.positions("main", { settleCoin: "USDT" }).map((p) => [p["positionIdx"], p["side"], p["size"]]);
    expect(listed.sort()).toEqual([[1, "Buy", "0.100"], [2, "Sell", "0.050"]]);
  });

  test("a symbol query lists the empty side as a flat row, as Bybit does", () => {
    const v = venue({ positions: [short] });
    expect(sides(v)).toEqual({ 1: ["", "0.000"], 2: ["Sell", "0.050"] });
  });

  test("a Buy on index 1 adds to the long and leaves the short alone; a Sell on index 2 adds to the short", () => {
    const v = venue({ positions: [long, short] });
    v.createOrder("main", order({ side: "Buy", positionIdx: 1 }));
    v.createOrder("main", order({ side: "Sell", positionIdx: 2, qty: "0.02" }));
    expect(sides(v)).toEqual({ 1: ["Buy", "0.110"], 2: ["Sell", "0.070"] });
  });

  test("opening both sides from flat gives two positions, never a net one", () => {
    const v = venue();
    v.createOrder("main", order({ side: "Buy", positionIdx: 1, qty: "0.03" }));
    v.createOrder("main", order({ side: "Sell", positionIdx: 2, qty: "0.03" }));
    expect(sides(v)).toEqual({ 1: ["Buy", "0.030"], 2: ["Sell", "0.030"] });
  });

  test("a reduce-only Sell on index 1 reduces the long only, clamped to it, and never opens a short", () => {
    const v = venue({ positions: [long, short] });
    v.createOrder("main", order({ side: "Sell", positionIdx: 1, qty: "0.3", reduceOnly: true }));
    expect(sides(v)).toEqual({ 1: ["", "0.000"], 2: ["Sell", "0.050"] });
  });

  test("a Sell on index 1 without reduceOnly still only reduces the long, and more than the long closes it without a flip", () => {
    const v = venue({ positions: [long] });
    v.createOrder("main", order({ side: "Sell", positionIdx: 1, qty: "0.04" }));
    expect(sides(v)).toEqual({ 1: ["Buy", "0.060"], 2: ["", "0.000"] });
    v.createOrder("main", order({ side: "Sell", positionIdx: 1, qty: "0.1" }));
    expect(sides(v)).toEqual({ 1: ["", "0.000"], 2: ["", "0.000"] });
  });

  test("a conditional stop on index 2 closes the short when it triggers, and the long stays", () => {
    const v = venue({ positions: [long, short] });
    v.createOrder("main", order({ side: "Buy", positionIdx: 2, qty: "0.05", triggerPrice: "59200", triggerDirection: 2, reduceOnly: true, closeOnTrigger: true, orderLinkId: "short-sl" }));
    v.step(1); // 59500
    expect(sides(v)[2]).toEqual(["Sell", "0.050"]);
    v.step(1); // 59000: triggered
    expect(sides(v)).toEqual({ 1: ["Buy", "0.100"], 2: ["", "0.000"] });
    expect(v.orderHistory("main", { orderLinkId: "short-sl" })[0]).toMatchObject({ orderStatus: "Filled", positionIdx: 2 });
  });

  test("when the long goes flat its reducing orders are cancelled, the short's stay", () => {
    const v = venue({ positions: [long, short] });
    v.createOrder("main", order({ side: "Sell", orderType: "Limit", price: "65000", positionIdx: 1, qty: "0.1", reduceOnly: true, orderLinkId: "long-tp" }));
    v.createOrder("main", order({ side: "Buy", orderType: "Limit", price: "55000", positionIdx: 2, qty: "0.05", reduceOnly: true, orderLinkId: "short-tp" }));
    v.createOrder("main", order({ side: "Sell", positionIdx: 1, qty: "0.1", reduceOnly: true }));
    expect(v.orderHistory("main", { orderLinkId: "long-tp" })[0]).toMatchObject({ orderStatus: "Cancelled", cancelType: "CancelByReduceOnly" });
    expect(v.openOrders("main", { symbol: "BTCUSDT" }).map((o) => [o["orderLinkId"], o["positionIdx"]])).toEqual([["short-tp", 2]]);
  });

  test("trading-stop names the side by positionIdx", () => {
    const v = venue({ positions: [long, short] });
    expect(refusal(() => v.tradingStop("main", { category: "linear", symbol: "BTCUSDT", stopLoss: "62000" })).retCode).toBe(10001);
    expect(v.tradingStop("main", { category: "linear", symbol: "BTCUSDT", stopLoss: "62000", positionIdx: 2 })).toEqual({});
    const rows = v.positions("main", { symbol: "BTCUSDT" });
    expect(rows.map((p) => [p["positionIdx"], p["stopLoss"]])).toEqual([[1, ""], [2, "62000"]]);
  });

  test("the close-position intervention closes the side it names, or both", () => {
    const one = venue({ positions: [long, short], interventions: [{ step: 1, action: "close-position", account: "main", symbol: "BTCUSDT", side: "short" }] });
    one.step(1);
    expect(sides(one)).toEqual({ 1: ["Buy", "0.100"], 2: ["", "0.000"] });
    const both = venue({ positions: [long, short], interventions: [{ step: 1, action: "close-position", account: "main", symbol: "BTCUSDT" }] });
    both.step(1);
    expect(sides(both)).toEqual({ 1: ["", "0.000"], 2: ["", "0.000"] });
  });
});

describe("positionIdx must fit the mode", () => {
  test("hedge mode refuses an order without positionIdx, or with 0, with Bybit's 10001", () => {
    const v = venue({ positions: [long] });
    expect(refusal(() => v.createOrder("main", order()))).toEqual({ retCode: 10001, message: "position idx not match position mode" });
    expect(refusal(() => v.createOrder("main", order({ positionIdx: 0 }))).retCode).toBe(10001);
    expect(sides(v)[1]).toEqual(["Buy", "0.100"]);
  });

  test("one-way mode refuses positionIdx 1 and 2 and takes 0 as before", () => {
    const v = venue({ positions: [long] }, "one-way");
    expect(refusal(() => v.createOrder("main", order({ positionIdx: 1 })))).toEqual({ retCode: 10001, message: "position idx not match position mode" });
    expect(refusal(() => v.createOrder("main", order({ side: "Sell", positionIdx: 2 }))).retCode).toBe(10001);
    v.createOrder("main", order({ positionIdx: 0 }));
    expect(v.positions("main", { symbol: "BTCUSDT" }).map((p) => [p["positionIdx"], p["size"]])).toEqual([[0, "0.110"]]);
  });

  test("a reducing order on a side with no position is refused with 110017", () => {
    const v = venue({ positions: [long] });
    expect(refusal(() => v.createOrder("main", order({ side: "Buy", positionIdx: 2, reduceOnly: true }))).retCode).toBe(110017);
    expect(refusal(() => v.createOrder("main", order({ side: "Buy", positionIdx: 2 }))).retCode).toBe(110017);
    expect(refusal(() => v.createOrder("main", order({ side: "Buy", positionIdx: 1, reduceOnly: true }))).retCode).toBe(110017);
  });

  test("positionIdx other than 0, 1 or 2 is a params error", () => {
    expect(refusal(() => venue().createOrder("main", order({ positionIdx: 3 }))).retCode).toBe(10001);
  });
});

describe("/v5/position/switch-mode", () => {
  test("switches a symbol to hedge mode and back when nothing is open", () => {
    const v = venue({}, "one-way");
    expect(v.switchMode("main", { category: "linear", symbol: "BTCUSDT", mode: 3 })).toEqual({});
    v.createOrder("main", order({ side: "Buy", positionIdx: 1 }));
    v.createOrder("main", order({ side: "Sell", positionIdx: 2 }));
    expect(sides(v)).toEqual({ 1: ["Buy", "0.010"], 2: ["Sell", "0.010"] });
    expect(refusal(() => v.switchMode("main", { category: "linear", symbol: "BTCUSDT", mode: 0 })).retCode).toBe(110024);
  });

  test("refuses an unchanged mode (110025) and a symbol with open orders (110028)", () => {
    const v = venue({}, "one-way");
    expect(refusal(() => v.switchMode("main", { category: "linear", symbol: "BTCUSDT", mode: 0 })).retCode).toBe(110025);
    v.createOrder("main", order({ orderType: "Limit", price: "50000" }));
    expect(refusal(() => v.switchMode("main", { category: "linear", symbol: "BTCUSDT", mode: 3 })).retCode).toBe(110028);
  });

  test("refuses a mode other than 0 or 3, and a body with neither symbol nor coin (10001)", () => {
    const v = venue({}, "one-way");
    expect(refusal(() => v.switchMode("main", { category: "linear", symbol: "BTCUSDT", mode: 1 })).retCode).toBe(10001);
    expect(refusal(() => v.switchMode("main", { category: "linear", mode: 3 })).retCode).toBe(10001);
    expect(refusal(() => v.switchMode("main", { category: "linear", coin: "USDC", mode: 3 })).retCode).toBe(10001);
  });

  test("the coin's switch leaves a symbol in use in its mode", () => {
    const v = venue({ instruments: ["BTCUSDT", "ETHUSDT"], prices: { BTCUSDT: [60000, 60000], ETHUSDT: [3000, 3000] }, positions: [long] }, "one-way");
    expect(v.switchMode("main", { category: "linear", coin: "USDT", mode: 3 })).toEqual({});
    expect(refusal(() => v.createOrder("main", order({ positionIdx: 1 }))).retCode).toBe(10001); // BTCUSDT had a position: still one-way
    v.createOrder("main", order({ symbol: "ETHUSDT", side: "Sell", qty: "0.1", positionIdx: 2 }));
    expect(v.positions("main", { symbol: "ETHUSDT" }).map((p) => [p["positionIdx"], p["side"]])).toEqual([[1, ""], [2, "Sell"]]);
  });
});

describe("hedge-mode scenarios", () => {
  test("seed orders carry the positionIdx of the side they belong to", () => {
    const v = venue({
      positions: [long, short],
      orders: [{ account: "main", symbol: "BTCUSDT", side: "Buy", orderType: "Market", qty: 0.05, triggerPrice: 61500, triggerDirection: 1, reduceOnly: true, closeOnTrigger: true, positionIdx: 2, orderLinkId: "seed-short-sl" }],
    });
    expect(v.openOrders("main", { orderLinkId: "seed-short-sl" })[0]).toMatchObject({ positionIdx: 2, orderStatus: "Untriggered" });
  });

  test("refuses two positions of one side, an order without its index, and a one-way file with an index", () => {
    const invalid = (over: Partial<ScenarioInput>, mode: "hedge" | "one-way" = "hedge") => {
      try {
        scenario(over, mode);
      } catch (e) {
        if (e instanceof InputError) return e.message;
        throw e;
      }
      return "accepted";
    };
    expect(invalid({ positions: [long, long] })).toContain("positions[1].side: main already holds a long BTCUSDT position (hedge mode: one per side)");
    expect(invalid({ positions: [long], orders: [{ account: "main", symbol: "BTCUSDT", side: "Sell", orderType: "Limit", qty: 0.1, price: 61000, reduceOnly: true }] })).toContain("orders[0].positionIdx: main is in hedge mode");
    expect(invalid({ positions: [long], orders: [{ account: "main", symbol: "BTCUSDT", side: "Sell", orderType: "Limit", qty: 0.1, price: 61000, reduceOnly: true, positionIdx: 1 }] }, "one-way")).toContain("orders[0].positionIdx: main is in one-way mode");
    expect(invalid({ positions: [long], orders: [{ account: "main", symbol: "BTCUSDT", side: "Buy", orderType: "Limit", qty: 0.1, price: 59000, reduceOnly: true, positionIdx: 2 }] })).toContain("orders[0].reduceOnly: main has no short BTCUSDT position");
    expect(invalid({ accounts: { main: { apiKey: "k", apiSecret: "s", positionMode: "both" as never } } })).toContain("accounts.main.positionMode");
  });
});
