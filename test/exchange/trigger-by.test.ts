/**
 * Warden decides stops on the mark price, so its conditional orders must trigger on the mark:
 * Bybit (and ccxt) default to the last price, which can sit on the other side of a stop that
 * Warden judged placeable. The adapter sends triggerBy MarkPrice; the simulator keeps it.
 */
import { expect, test } from "bun:test";
import { createBybitAccount } from "../../core/exchange/ccxt-adapter.ts";
import { simHandlers } from "../../core/sim/msw.ts";
import { mswFetch } from "../../core/sim/msw-fetch.ts";
import { loadScenario } from "../../core/sim/scenario.ts";
import { createSimulator } from "../../core/sim/simulator.ts";

test("a stop Warden places triggers on the mark price", async () => {
  const sim = createSimulator(loadScenario("basic"), { latency: "zero", rateLimits: false });
  const main = sim.venue.accounts().find((a) => a.id === "main")!;
  const exchange = createBybitAccount({ account: "main", apiKey: main.apiKey, secret: main.apiSecret, fetch: mswFetch(simHandlers(sim)) });
  const outcome = await exchange.place({ symbol: "BTCUSDT", linkId: "stop-by-mark", side: "sell", type: "market", qty: 0.1, triggerPrice: 55_000, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true });
  expect(outcome.status).toBe("ok");
  const record = sim.venue.openOrders("main", { orderLinkId: "stop-by-mark" })[0]!;
  expect({ triggerBy: record["triggerBy"], triggerPrice: record["triggerPrice"] }).toEqual({ triggerBy: "MarkPrice", triggerPrice: "55000.00" });
});
