/**
 * The real target: the ccxt adapter (ccxt's own request and parsing code) against the
 * simulator through msw, under the same contract as the in-memory fake. Request counts must
 * equal the simulator's own request log.
 */
import { createBybitAccount } from "../../core/exchange/ccxt-adapter.ts";
import { simHandlers } from "../../core/sim/msw.ts";
import { mswFetch } from "../../core/sim/msw-fetch.ts";
import { loadScenario } from "../../core/sim/scenario.ts";
import { createSimulator } from "../../core/sim/simulator.ts";
import { describeAccountExchangeContract } from "./port.contract.ts";

describeAccountExchangeContract("ccxt adapter on the simulator", () => {
  const sim = createSimulator(loadScenario("basic"), { latency: "zero", rateLimits: false });
  const main = sim.venue.accounts().find((a) => a.id === "main");
  if (main === undefined) throw new Error("basic scenario has no main account");
  const exchange = createBybitAccount({ account: "main", apiKey: main.apiKey, secret: main.apiSecret, fetch: mswFetch(simHandlers(sim)) });
  return { exchange, symbol: "BTCUSDT", mark: 60000, serverRequests: () => sim.log.length };
});
