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
