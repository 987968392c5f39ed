/**
 * The stream's rows read as Bybit's do by ccxt 4.5.84's own parsers (what ccxt.pro applies to
 * Bybit's order, execution and position pushes), so a client can reuse them.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startServer, type SimServer } from "../../core/sim/server.ts";
import { createSimulator, type Simulator } from "../../core/sim/simulator.ts";
import { bybitOnSim, type Bybit } from "../support/ccxt-sim.ts";
import { buildScenario } from "../support/sim-requests.ts";
import { authArgs, isTopic, openPrivate, privateUrl, type PrivateProbe, type WsJson } from "../support/ws-private-client.ts";

const SYMBOL = "BTC/USDT:USDT";

let sim: Simulator;
let server: SimServer;
let bybit: Bybit;
let probe: PrivateProbe;

beforeAll(async () => {
  sim = createSimulator(buildScenario(), { latency: "zero" });
  server = await startServer(sim, { port: 0, stream: { venue: sim.venue } });
  bybit = bybitOnSim(sim, { url: server.url });
  await bybit.loadMarkets();
  probe = await openPrivate(privateUrl(server.url));
  await probe.request("auth", authArgs("sim-main-key", "sim-main-secret"));
  await probe.request("subscribe", ["order", "execution", "position"]);
});

afterAll(async () => {
  probe.close();
  await server.close();
});

const rowsOf = (frame: WsJson): Record<string, unknown>[] => frame.data as Record<string, unknown>[];

describe("ccxt's parsers on the stream's rows", () => {
  test("an order row parses to the order ccxt's REST call returns", async () => {
    const created = await bybit.createOrder(SYMBOL, "limit", "buy", 0.01, 55_000, { clientOrderId: "parse-me" });
    const row = rowsOf(await probe.waitFor(isTopic("order")))[0]!;
    const parsed = bybit.parseOrder(row);
    const fetched = (await bybit.fetchOpenOrders(SYMBOL)).find((o) => o.id === created.id)!;
    for (const key of ["id", "clientOrderId", "symbol", "type", "side", "price", "amount", "filled", "remaining", "status", "reduceOnly", "timestamp"] as const) {
      expect([key, parsed[key]]).toEqual([key, fetched[key]]);
    }
  });

  test("an execution row parses to a trade with its order, price, amount and fee", async () => {
    const created = await bybit.createOrder(SYMBOL, "market", "sell", 0.01, undefined, { reduceOnly: true });
    const row = rowsOf(await probe.waitFor(isTopic("execution")))[0]!;
    const trade = bybit.parseTrade(row);
    expect(trade).toMatchObject({ symbol: SYMBOL, order: created.id, side: "sell", amount: 0.01, takerOrMaker: "taker" });
    expect(trade.price).toBeGreaterThan(0);
    expect(trade.fee?.cost).toBeGreaterThan(0);
  });

  test("a position row parses to the position ccxt's REST call returns", async () => {
    const frames = probe.messages.filter(isTopic("position"));
    const row = rowsOf(frames.at(-1)!)[0]!;
    const parsed = bybit.parsePosition(row);
    const [fetched] = await bybit.fetchPositions([SYMBOL]);
    for (const key of ["symbol", "side", "contracts", "entryPrice", "markPrice"] as const) {
      expect([key, parsed[key]]).toEqual([key, fetched![key]]);
    }
  });
});
