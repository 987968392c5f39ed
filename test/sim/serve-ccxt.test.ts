/**
 * The acceptance: a plain ccxt 4.5.84 client (no Warden code), its URLs pointed at
 * the loopback server `sim serve` runs, does everything a TP/SL engine needs.
 */
import ccxt from "ccxt";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startServer, type SimServer } from "../../core/sim/server.ts";
import { createSimulator, type Simulator } from "../../core/sim/simulator.ts";
import { bybitOnSim, type Bybit } from "../support/ccxt-sim.ts";
import { buildScenario } from "../support/sim-requests.ts";

const SYMBOL = "BTC/USDT:USDT";

let sim: Simulator;
let server: SimServer;
let bybit: Bybit;

beforeAll(async () => {
  // basic: long 0.1 BTCUSDT @ 60000, a TP at 61000 and an SL at 59000; plus 60 resting buys.
  sim = createSimulator(buildScenario({ extraOrders: 60 }), { latency: "zero" });
  server = await startServer(sim, { port: 0 });
  bybit = bybitOnSim(sim, { url: server.url });
});

afterAll(async () => {
  await server.close();
});

describe("ccxt 4.5.84 against sim serve", () => {
  let tpId = "";
  let slId = "";

  test("loads the linear markets in two requests", async () => {
    const before = sim.log.length;
    const markets = await bybit.loadMarkets();
    expect(Object.keys(markets)).toContain(SYMBOL);
    expect(markets[SYMBOL]?.precision.price).toBe(0.1);
    expect(sim.log.slice(before).map((e) => e.path)).toEqual(["/v5/market/instruments-info", "/v5/market/instruments-info"]);
  });

  test("fetches the open position", async () => {
    const positions = await bybit.fetchPositions();
    expect(positions.map((p) => [p.symbol, p.side, p.contracts, p.entryPrice])).toEqual([[SYMBOL, "long", 0.1, 60000]]);
  });

  test("fetchOpenOrders returns 20 without paginate and every one of 62 with paginate", async () => {
    expect(await bybit.fetchOpenOrders()).toHaveLength(20);
    const all = await bybit.fetchOpenOrders(undefined, undefined, undefined, { paginate: true });
    expect(all).toHaveLength(62);
    expect(new Set(all.map((o) => o.id)).size).toBe(62);
  });

  test("creates a reduce-only TP limit and a conditional reduce-only SL", async () => {
    const tp = await bybit.createOrder(SYMBOL, "limit", "sell", 0.05, 60500, { reduceOnly: true, clientOrderId: "acc-tp" });
    const sl = await bybit.createOrder(SYMBOL, "market", "sell", 0.05, undefined, {
      reduceOnly: true,
      triggerPrice: 59500,
      triggerDirection: "descending",
      clientOrderId: "acc-sl",
    });
    tpId = String(tp.id);
    slId = String(sl.id);
    const open = await bybit.fetchOpenOrders(SYMBOL, undefined, undefined, { paginate: true });
    const sent = open.filter((o) => o.id === tpId || o.id === slId);
    expect(sent.map((o) => [o.clientOrderId, o.type, o.reduceOnly, o.price ?? null, o.triggerPrice ?? null]).sort()).toEqual([
      ["acc-sl", "market", true, null, 59500],
      ["acc-tp", "limit", true, 60500, null],
    ]);
  });

  test("edits the SL trigger (TP/SL params passed as strings)", async () => {
    await bybit.editOrder(slId, SYMBOL, "market", "sell", 0.05, undefined, { triggerPrice: "59700" });
    const open = await bybit.fetchOpenOrders(SYMBOL, undefined, undefined, { paginate: true });
    expect(open.find((o) => o.id === slId)?.triggerPrice).toBe(59700);
  });

  test("cancels an order", async () => {
    const victim = (await bybit.fetchOpenOrders(SYMBOL, undefined, undefined, { paginate: true })).find((o) => o.clientOrderId === "extra-0");
    expect(victim).toBeDefined();
    await bybit.cancelOrder(String(victim!.id), SYMBOL);
    const open = await bybit.fetchOpenOrders(SYMBOL, undefined, undefined, { paginate: true });
    expect(open.some((o) => o.id === victim!.id)).toBe(false);
    const cancelled = await bybit.fetchCanceledOrders(SYMBOL);
    expect(cancelled.some((o) => o.id === victim!.id)).toBe(true);
  });

  test("after POST /__sim/step past the TP: position reduced, TP Filled in history, its execution listed", async () => {
    const step = await fetch(`${server.url}/__sim/step?n=2`, { method: "POST" });
    expect(step.status).toBe(200);
    expect(((await step.json()) as { step: number }).step).toBe(2);

    const positions = await bybit.fetchPositions([SYMBOL]);
    expect(positions[0]?.contracts).toBe(0.05);

    const closed = await bybit.fetchClosedOrders(SYMBOL);
    const tp = closed.find((o) => o.id === tpId);
    expect(tp?.status).toBe("closed");
    expect((tp?.info as Record<string, unknown>)["orderStatus"]).toBe("Filled");
    expect(tp?.filled).toBe(0.05);

    const trades = await bybit.fetchMyTrades(SYMBOL);
    const fill = trades.find((t) => t.order === tpId);
    expect([fill?.side, fill?.amount, fill?.price]).toEqual(["sell", 0.05, 60500]);
  });

  test("GET /__sim/state reports the venue and the request counts", async () => {
    const res = await fetch(`${server.url}/__sim/state`);
    const state = (await res.json()) as { requests: Record<string, number> };
    expect(state.requests["/v5/order/create"]).toBe(2);
  });

  test("a wrong secret is refused with AuthenticationError", async () => {
    const intruder = bybitOnSim(sim, { url: server.url, secret: "not-the-secret" });
    intruder.markets = bybit.markets;
    intruder.marketsById = bybit.marketsById;
    intruder.symbols = bybit.symbols;
    await expect(intruder.fetchPositions()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    const last = sim.log.at(-1);
    expect([last?.path, last?.retCode]).toEqual(["/v5/position/list", 10004]);
  });
});
