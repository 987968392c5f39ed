/** ccxt in process through msw: the transport the tests and the bench use. */
import ccxt from "ccxt";
import { afterEach, describe, expect, test } from "bun:test";
import type { FaultSpec } from "../../core/sim/faults.ts";
import { startMswSim, type MswSim } from "../../core/sim/msw.ts";
import { createSimulator, type Simulator } from "../../core/sim/simulator.ts";
import { bybitOnSim, type BybitOnSimOptions } from "../support/ccxt-sim.ts";
import { buildScenario } from "../support/sim-requests.ts";

const SYMBOL = "BTC/USDT:USDT";
let msw: MswSim | undefined;

function onMsw(faults: FaultSpec[] = [], opts: BybitOnSimOptions = {}) {
  const sim: Simulator = createSimulator(buildScenario({ extraOrders: 60 }), { latency: "zero", faults });
  msw = startMswSim(sim);
  return { sim, bybit: bybitOnSim(sim, opts) };
}

afterEach(() => {
  msw?.stop();
  msw = undefined;
});

describe("ccxt through msw", () => {
  test("lists positions and every open order, paginated", async () => {
    const { bybit } = onMsw();
    expect((await bybit.fetchPositions()).map((p) => p.contracts)).toEqual([0.1]);
    expect(await bybit.fetchOpenOrders(undefined, undefined, undefined, { paginate: true })).toHaveLength(62);
  });

  test("the account-type probe works when not preset", async () => {
    const { bybit, sim } = onMsw([], { probeAccountType: true });
    await bybit.loadMarkets();
    await bybit.createOrder(SYMBOL, "limit", "buy", 0.001, 50000);
    expect(sim.log.map((e) => e.path)).toContain("/v5/user/query-api");
    expect(bybit.options["enableUnifiedAccount"]).toBe(true);
  });

  test("a timeout fault surfaces as ccxt RequestTimeout once ccxt gives up", async () => {
    const { bybit } = onMsw([{ kind: "timeout", path: "/v5/position/list" }], { timeout: 200 });
    await bybit.loadMarkets();
    await expect(bybit.fetchPositions()).rejects.toBeInstanceOf(ccxt.RequestTimeout);
  });

  test("a lost response times out in ccxt although the order exists", async () => {
    const { bybit } = onMsw([{ kind: "lost-response", path: "/v5/order/create", count: 1 }], { timeout: 200 });
    await bybit.loadMarkets();
    await expect(bybit.createOrder(SYMBOL, "limit", "buy", 0.001, 50000, { clientOrderId: "lost-1" })).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    const open = await bybit.fetchOpenOrders(SYMBOL, undefined, undefined, { paginate: true });
    expect(open.some((o) => o.clientOrderId === "lost-1")).toBe(true);
  });

  test("5xx surfaces as a ccxt network-level error, 10006 as RateLimitExceeded, 10016 as an ExchangeError", async () => {
    const { bybit } = onMsw([
      { kind: "5xx", path: "/v5/order/history", count: 1 },
      { kind: "10006", path: "/v5/order/realtime", count: 1 },
      { kind: "10016", path: "/v5/execution/list", count: 1 },
    ]);
    await bybit.loadMarkets();
    await expect(bybit.fetchClosedOrders(SYMBOL)).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    await expect(bybit.fetchOpenOrders(SYMBOL)).rejects.toBeInstanceOf(ccxt.RateLimitExceeded);
    await expect(bybit.fetchMyTrades(SYMBOL)).rejects.toBeInstanceOf(ccxt.ExchangeError);
  });

  test("clock skew: refused with InvalidNonce until ccxt resyncs its time difference", async () => {
    const { bybit } = onMsw([{ kind: "clock-skew", skewMs: 30_000 }]);
    await bybit.loadMarkets();
    await expect(bybit.fetchPositions()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
    bybit.options["adjustForTimeDifference"] = true;
    await bybit.loadTimeDifference();
    expect(Math.abs(Number(bybit.options["timeDifference"]) + 30_000)).toBeLessThan(2_000);
    expect(await bybit.fetchPositions()).toHaveLength(1);
  });
});

describe("ccxt through msw: hedge mode", () => {
  test("setPositionMode switches the symbol to both sides; fetchPositions then lists a long and a short by positionIdx", async () => {
    const sim: Simulator = createSimulator(buildScenario({ fields: { positions: [], orders: [] } }), { latency: "zero" });
    msw = startMswSim(sim);
    const bybit = bybitOnSim(sim);
    await bybit.loadMarkets();
    await bybit.createOrder(SYMBOL, "market", "buy", 0.01); // one-way: no positionIdx needed
    await bybit.createOrder(SYMBOL, "market", "sell", 0.01, undefined, { reduceOnly: true });
    await bybit.setPositionMode(true, SYMBOL);
    expect(sim.log.at(-1)).toMatchObject({ path: "/v5/position/switch-mode", retCode: 0 });
    const refused = await bybit.createOrder(SYMBOL, "market", "buy", 0.01).catch((e: unknown) => e);
    expect(String(refused)).toContain("position idx not match position mode");
    await bybit.createOrder(SYMBOL, "market", "buy", 0.02, undefined, { positionIdx: 1 });
    await bybit.createOrder(SYMBOL, "market", "sell", 0.01, undefined, { positionIdx: 2 });
    const btc = (await bybit.fetchPositions([SYMBOL])).filter((p) => (p.contracts ?? 0) > 0);
    expect(btc.map((p) => [p.side, p.contracts, p.hedged]).sort()).toEqual([["long", 0.02, true], ["short", 0.01, true]]);
    // ccxt's own `hedged` flag: a reduce-only sell goes as a Sell on positionIdx 1 (ccxt drops reduceOnly); it closes the long only
    await bybit.createOrder(SYMBOL, "market", "sell", 0.05, undefined, { hedged: true, reduceOnly: true });
    const after = (await bybit.fetchPositions([SYMBOL])).filter((p) => (p.contracts ?? 0) > 0);
    expect(after.map((p) => [p.side, p.contracts])).toEqual([["short", 0.01]]);
  });
});
