import { describe, expect, test } from "bun:test";
import { parseScenario } from "../../core/sim/scenario.ts";
import type { ScenarioInput } from "../../core/sim/scenario-schema.ts";
import { createVenue } from "../../core/sim/venue.ts";
import { SimError, type Params, type Venue } from "../../core/sim/venue-api.ts";

/** A one-account BTCUSDT scenario; price path and seed positions/orders by override. */
function makeScenario(over: Partial<ScenarioInput> = {}) {
  const input: ScenarioInput = {
    name: "test",
    seed: 11,
    accounts: { main: { apiKey: "k", apiSecret: "s", balance: 10_000 } },
    instruments: ["BTCUSDT"],
    prices: { BTCUSDT: [60000, 59500, 59000, 58500, 59000, 60000, 61000, 62000] },
    ...over,
  };
  return parseScenario(input, "test scenario");
}

function makeVenue(over: Partial<ScenarioInput> = {}): Venue {
  return createVenue(makeScenario(over));
}

const long01 = { account: "main", symbol: "BTCUSDT", side: "long", size: 0.1, entryPrice: 60000 } as const;

function order(over: Params = {}): Params {
  return { category: "linear", symbol: "BTCUSDT", side: "Buy", orderType: "Limit", qty: "0.01", price: "59000", ...over };
}

function simError(fn: () => unknown): SimError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
  throw new Error("expected a SimError");
}

function position(v: Venue) {
  const p = v.positions("main", { symbol: "BTCUSDT" })[0]!;
  return { side: p.side, size: p.size, avgPrice: p.avgPrice, cumRealisedPnl: Number(p.cumRealisedPnl) };
}

function statusOf(v: Venue, orderId: string): unknown {
  const open = v.openOrders("main", { orderId })[0] ?? v.orderHistory("main", { orderId })[0];
  return open?.orderStatus;
}

describe("limit orders", () => {
  test("a resting Buy limit fills at its price when the mark falls to it, not before", () => {
    const v = makeVenue();
    const { orderId } = v.createOrder("main", order({ price: "59000" }));
    v.step(1); // 59500
    expect(statusOf(v, orderId)).toBe("New");
    v.step(1); // 59000
    expect(statusOf(v, orderId)).toBe("Filled");
    const exec = v.executions("main", { orderId })[0]!;
    expect(exec).toMatchObject({ execPrice: "59000.00", execQty: "0.010", isMaker: true, feeRate: "0.0002", execType: "Trade", closedSize: "0.000" });
    expect(position(v)).toMatchObject({ side: "Buy", size: "0.010", avgPrice: "59000" });
  });

  test("a Sell limit fills when the mark rises to it", () => {
    const v = makeVenue({ positions: [long01] });
    const { orderId } = v.createOrder("main", order({ side: "Sell", price: "61000", qty: "0.05" }));
    v.step(5); // 60000
    expect(statusOf(v, orderId)).toBe("New");
    v.step(1); // 61000
    expect(statusOf(v, orderId)).toBe("Filled");
    expect(position(v).size).toBe("0.050");
  });

  test("a limit that is marketable when placed fills at once at the mark as taker", () => {
    const v = makeVenue();
    const { orderId } = v.createOrder("main", order({ price: "60500" }));
    expect(statusOf(v, orderId)).toBe("Filled");
    expect(v.executions("main", { orderId })[0]).toMatchObject({ execPrice: "60000.00", isMaker: false, feeRate: "0.00055" });
  });

  test("a market order fills at the mark and opens a position", () => {
    const v = makeVenue();
    v.createOrder("main", order({ orderType: "Market", price: undefined, side: "Sell", qty: "0.02" }));
    expect(position(v)).toMatchObject({ side: "Sell", size: "0.020", avgPrice: "60000" });
    expect(v.orderHistory("main", {})[0]).toMatchObject({ orderStatus: "Filled", timeInForce: "IOC", cumExecQty: "0.020", avgPrice: "60000" });
  });
});

describe("conditional orders", () => {
  test("a fall-direction stop triggers only when the mark falls to its trigger, then fills at the mark", () => {
    const v = makeVenue({ positions: [long01] });
    const { orderId } = v.createOrder("main", order({ side: "Sell", orderType: "Market", price: undefined, qty: "0.1", triggerPrice: "58800", triggerDirection: 2, reduceOnly: true }));
    expect(v.openOrders("main", { orderId })[0]).toMatchObject({ orderStatus: "Untriggered", stopOrderType: "Stop", triggerPrice: "58800.00", triggerDirection: 2 });
    v.step(2); // 59000
    expect(statusOf(v, orderId)).toBe("Untriggered");
    v.step(1); // 58500
    expect(statusOf(v, orderId)).toBe("Filled");
    expect(v.executions("main", { orderId })[0]).toMatchObject({ execPrice: "58500.00", stopOrderType: "Stop" });
    expect(position(v).size).toBe("0.000");
  });

  test("a rise-direction conditional ignores falling prices and triggers on the rise", () => {
    const v = makeVenue();
    const { orderId } = v.createOrder("main", order({ orderType: "Market", price: undefined, triggerPrice: "61000", triggerDirection: 1 }));
    v.step(5); // down to 58500 and back to 60000
    expect(statusOf(v, orderId)).toBe("Untriggered");
    v.step(1); // 61000
    expect(statusOf(v, orderId)).toBe("Filled");
  });

  test("a conditional whose trigger is already crossed in its direction is refused", () => {
    const v = makeVenue();
    expect(simError(() => v.createOrder("main", order({ orderType: "Market", triggerPrice: "61000", triggerDirection: 2 }))).retCode).toBe(110093);
    expect(simError(() => v.createOrder("main", order({ orderType: "Market", triggerPrice: "59000", triggerDirection: 1 }))).retCode).toBe(110092);
  });
});

describe("reduce-only", () => {
  test("is refused with 110017 when there is no position", () => {
    const v = makeVenue();
    const e = simError(() => v.createOrder("main", order({ side: "Sell", price: "61000", reduceOnly: true })));
    expect([e.retCode, e.message]).toEqual([110017, "Reduce-only rule not satisfied"]);
  });

  test("is refused with 110017 on the same side as the position", () => {
    const v = makeVenue({ positions: [long01] });
    expect(simError(() => v.createOrder("main", order({ side: "Buy", reduceOnly: true }))).retCode).toBe(110017);
  });

  test("is clamped to the position size at fill and never flips the position", () => {
    const v = makeVenue({ positions: [long01] });
    const { orderId } = v.createOrder("main", order({ side: "Sell", price: "61000", qty: "0.3", reduceOnly: true }));
    v.step(6);
    expect(v.orderHistory("main", { orderId })[0]).toMatchObject({ orderStatus: "Filled", qty: "0.100", cumExecQty: "0.100" });
    expect(position(v)).toMatchObject({ side: "", size: "0.000" });
  });

  test("when the position goes flat, reduce-only limits are cancelled and untriggered conditionals deactivated", () => {
    const v = makeVenue({ positions: [long01] });
    const tp = v.createOrder("main", order({ side: "Sell", price: "62000", qty: "0.05", reduceOnly: true }));
    const sl = v.createOrder("main", order({ side: "Sell", orderType: "Market", price: undefined, qty: "0.1", triggerPrice: "57000", triggerDirection: 2, closeOnTrigger: true }));
    const entry = v.createOrder("main", order({ price: "58000" }));
    v.createOrder("main", order({ side: "Sell", orderType: "Market", price: undefined, qty: "0.1", reduceOnly: true }));
    expect(v.orderHistory("main", { orderId: tp.orderId })[0]).toMatchObject({ orderStatus: "Cancelled", cancelType: "CancelByReduceOnly" });
    expect(v.orderHistory("main", { orderId: sl.orderId })[0]).toMatchObject({ orderStatus: "Deactivated" });
    expect(statusOf(v, entry.orderId)).toBe("New");
  });
});

describe("positions", () => {
  test("average entry price is weighted over two fills", () => {
    const v = makeVenue();
    v.createOrder("main", order({ orderType: "Market", qty: "0.01" })); // @60000
    v.createOrder("main", order({ price: "59000", qty: "0.03" }));
    v.step(2);
    expect(position(v)).toMatchObject({ side: "Buy", size: "0.040", avgPrice: "59250" });
  });

  test("a reduction realises PnL at the fill price, net of fees", () => {
    const v = makeVenue({ positions: [long01] });
    v.createOrder("main", order({ side: "Sell", price: "61000", qty: "0.04", reduceOnly: true }));
    v.step(6);
    const fee = 61000 * 0.04 * 0.0002;
    expect(position(v).cumRealisedPnl).toBeCloseTo(1000 * 0.04 - fee, 6);
    expect(v.executions("main", {})[0]).toMatchObject({ closedSize: "0.040" });
    const wallet = v.walletBalance("main") as { coin: { walletBalance: string }[] };
    expect(Number(wallet.coin[0]!.walletBalance)).toBeCloseTo(10_000 + 40 - fee, 6);
  });

  test("an opposite non-reduce-only order larger than the position flips it", () => {
    const v = makeVenue({ positions: [long01] });
    v.createOrder("main", order({ side: "Sell", orderType: "Market", qty: "0.15" }));
    expect(position(v)).toMatchObject({ side: "Sell", size: "0.050", avgPrice: "60000" });
  });

  test("a symbol without a position lists as one flat record with wire types", () => {
    const p = makeVenue().positions("main", { symbol: "BTCUSDT" });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ size: "0.000", side: "", positionIdx: 0, riskId: 1, autoAddMargin: 0, tradeMode: 0 });
    expect(makeVenue().positions("main", { settleCoin: "USDT" })).toEqual([]);
  });

  test("tradingStop sets the position's stop-loss, refuses a flat position and answers 34040 when unchanged", () => {
    const v = makeVenue({ positions: [long01] });
    expect(v.tradingStop("main", { category: "linear", symbol: "BTCUSDT", stopLoss: "58000", positionIdx: 0 })).toEqual({});
    expect(v.positions("main", { symbol: "BTCUSDT" })[0]!.stopLoss).toBe("58000");
    expect(simError(() => v.tradingStop("main", { symbol: "BTCUSDT", stopLoss: "58000" })).retCode).toBe(34040);
    expect(simError(() => makeVenue().tradingStop("main", { symbol: "BTCUSDT", stopLoss: "58000" })).retCode).toBe(10001);
  });
});

describe("order writes", () => {
  test("a duplicate orderLinkId is refused with 110072", () => {
    const v = makeVenue();
    v.createOrder("main", order({ orderLinkId: "tp-1" }));
    const e = simError(() => v.createOrder("main", order({ orderLinkId: "tp-1" })));
    expect([e.retCode, e.message]).toEqual([110072, "OrderLinkedID is duplicate"]);
  });

  test("amend and cancel of an order that is gone answer 110001", () => {
    const v = makeVenue();
    const { orderId } = v.createOrder("main", order());
    v.cancelOrder("main", { symbol: "BTCUSDT", orderId });
    expect(v.orderHistory("main", { orderId })[0]).toMatchObject({ orderStatus: "Cancelled", cancelType: "CancelByUser" });
    expect(simError(() => v.cancelOrder("main", { symbol: "BTCUSDT", orderId })).retCode).toBe(110001);
    expect(simError(() => v.amendOrder("main", { symbol: "BTCUSDT", orderId, qty: "0.02" })).retCode).toBe(110001);
    expect(simError(() => v.amendOrder("main", { symbol: "BTCUSDT", orderLinkId: "never" })).retCode).toBe(110001);
  });

  test("amend by orderLinkId changes qty, price and trigger in place", () => {
    const v = makeVenue({ positions: [long01] });
    const sl = v.createOrder("main", order({ side: "Sell", orderType: "Market", price: undefined, qty: "0.1", triggerPrice: "57000", triggerDirection: 2, reduceOnly: true, orderLinkId: "sl" }));
    v.amendOrder("main", { symbol: "BTCUSDT", orderLinkId: "sl", qty: "0.05", triggerPrice: "59500" });
    expect(v.openOrders("main", { orderLinkId: "sl" })[0]).toMatchObject({ orderId: sl.orderId, qty: "0.050", triggerPrice: "59500.00" });
    expect(simError(() => v.amendOrder("main", { orderLinkId: "sl", triggerPrice: "60500" })).retCode).toBe(110093);
    v.step(1); // 59500
    expect(position(v).size).toBe("0.050");
  });

  test("qty off the lot step and price off the tick are refused with 10001, a price beyond the range with 110003", () => {
    const v = makeVenue();
    const lot = simError(() => v.createOrder("main", order({ qty: "0.0015" })));
    expect(lot.retCode).toBe(10001);
    expect(lot.message).toContain("qtyStep 0.001");
    const tick = simError(() => v.createOrder("main", order({ price: "59000.05" })));
    expect(tick.retCode).toBe(10001);
    expect(tick.message).toContain("tickSize 0.1");
    expect(simError(() => v.createOrder("main", order({ price: "9999999" }))).retCode).toBe(110003);
    expect(simError(() => v.createOrder("main", order({ symbol: "NOPEUSDT" }))).retCode).toBe(10001);
  });

  test("cancel-all cancels the symbol's open orders and reports them", () => {
    const v = makeVenue();
    const a = v.createOrder("main", order({ price: "58000" }));
    const b = v.createOrder("main", order({ orderType: "Market", price: undefined, triggerPrice: "65000", triggerDirection: 1 }));
    const res = v.cancelAllOrders("main", { category: "linear", symbol: "BTCUSDT" });
    expect(res.success).toBe("1");
    expect(res.list.map((o) => o.orderId).sort()).toEqual([a.orderId, b.orderId].sort());
    expect(v.openOrders("main", {})).toEqual([]);
    expect(v.orderHistory("main", { orderStatus: "Deactivated" })).toHaveLength(1);
  });
});

describe("listings", () => {
  test("open orders are newest first in Bybit's record shape with wire types", () => {
    const v = makeVenue();
    const first = v.createOrder("main", order({ price: "58000" }));
    v.step(1);
    const second = v.createOrder("main", order({ price: "57000" }));
    const third = v.createOrder("main", order({ price: "56000" }));
    const list = v.openOrders("main", { settleCoin: "USDT" });
    expect(list.map((o) => o.orderId)).toEqual([third.orderId, second.orderId, first.orderId]);
    expect(list[0]).toMatchObject({ positionIdx: 0, smpGroup: 0, triggerDirection: 0, timeInForce: "GTC", orderStatus: "New", leavesQty: "0.010", avgPrice: "" });
    expect(list[0]!.orderId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test("tickers show the current mark and instruments keep the recorded shape", () => {
    const v = makeVenue();
    v.step(2);
    expect(v.tickers("linear", "BTCUSDT")[0]).toMatchObject({ symbol: "BTCUSDT", lastPrice: "59000.00", markPrice: "59000.00" });
    expect(v.instruments("linear")[0]).toMatchObject({ symbol: "BTCUSDT", priceFilter: { tickSize: "0.10" } });
    expect(v.instruments("spot")).toEqual([]);
  });

  test("the virtual clock starts at scenario.start and advances stepMs per step", () => {
    const v = makeVenue({ start: "2025-01-01T00:00:00Z", stepMs: 1000 });
    v.step(3);
    expect([v.now(), v.stepIndex()]).toEqual([Date.parse("2025-01-01T00:00:03Z"), 3]);
    v.step(100);
    expect([v.stepIndex(), v.finished()]).toEqual([7, true]);
  });
});

describe("interventions", () => {
  test("cancel-order cancels by orderLinkId and close-position closes the full size at market", () => {
    const v = makeVenue({
      accounts: { main: { apiKey: "k", apiSecret: "s" }, mirror: { apiKey: "k2", apiSecret: "s2", ratio: 0.5 } },
      positions: [long01, { ...long01, account: "mirror", size: 0.05 }],
      orders: [
        { account: "main", symbol: "BTCUSDT", side: "Sell", orderType: "Market", qty: 0.1, triggerPrice: 55000, triggerDirection: 2, reduceOnly: true, orderLinkId: "seed-sl" },
        { account: "mirror", symbol: "BTCUSDT", side: "Sell", orderType: "Limit", qty: 0.05, price: 65000, reduceOnly: true, orderLinkId: "seed-tp" },
      ],
      interventions: [
        { step: 1, action: "cancel-order", account: "main", symbol: "BTCUSDT", orderLinkId: "seed-sl" },
        { step: 2, action: "close-position", account: "mirror", symbol: "BTCUSDT" },
      ],
    });
    v.step(1);
    expect(v.orderHistory("main", { orderLinkId: "seed-sl" })[0]).toMatchObject({ orderStatus: "Deactivated", cancelType: "CancelByUser" });
    expect(v.positions("mirror", { settleCoin: "USDT" })).toHaveLength(1);
    v.step(1);
    expect(v.positions("mirror", { settleCoin: "USDT" })).toEqual([]);
    expect(v.orderHistory("mirror", { orderLinkId: "seed-tp" })[0]).toMatchObject({ orderStatus: "Cancelled" });
    expect(v.executions("mirror", {})[0]).toMatchObject({ execPrice: "59000.00", execQty: "0.050", orderType: "Market" });
    expect(v.positions("main", { settleCoin: "USDT" })).toHaveLength(1);
  });
});

describe("determinism", () => {
  function play(seed: number): string {
    const v = makeVenue({ seed, positions: [long01] });
    v.createOrder("main", order({ side: "Sell", price: "61000", qty: "0.05", reduceOnly: true, orderLinkId: "tp" }));
    v.createOrder("main", order({ price: "58500" }));
    while (!v.finished()) v.step();
    return JSON.stringify({ state: v.state(), history: v.orderHistory("main", {}), executions: v.executions("main", {}) });
  }

  test("one scenario played twice gives identical state, ids and times", () => {
    expect(play(5)).toBe(play(5));
  });

  test("another seed gives other ids", () => {
    expect(play(5)).not.toBe(play(6));
  });

  test("state never carries credentials", () => {
    const text = JSON.stringify(makeVenue({ accounts: { main: { apiKey: "the-key", apiSecret: "the-secret" } } }).state());
    expect(text).not.toContain("the-key");
    expect(text).not.toContain("the-secret");
  });
});
