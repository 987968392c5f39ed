/**
 * The simulator's response shapes match Bybit's recordings: each unified call is parsed by
 * ccxt twice, once against the recorded fixture (replayed through msw) and once against the
 * simulator, and both parses must give the same fields with the same types, and the raw
 * records (`info`) the same keys.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { startMswSim, type MswSim } from "../../core/sim/msw.ts";
import { createSimulator } from "../../core/sim/simulator.ts";
import { bybitOnSim, type Bybit } from "../support/ccxt-sim.ts";
import { buildScenario } from "../support/sim-requests.ts";

const BASE = "https://api.bybit.com";

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/bybit/${name}.json`, import.meta.url), "utf8"));
}

/** Which fixture answers which path in the replay. */
const REPLAY: Record<string, string> = {
  "/v5/market/time": "v5-market-time",
  "/v5/market/instruments-info": "v5-market-instruments-info-linear",
  "/v5/market/tickers": "v5-market-tickers-linear",
  "/v5/position/list": "v5-position-list",
  "/v5/order/realtime": "v5-order-realtime",
  "/v5/order/history": "v5-order-history",
  "/v5/execution/list": "v5-execution-list",
  "/v5/account/wallet-balance": "v5-account-wallet-balance",
  "/v5/order/create": "v5-order-create",
  "/v5/order/amend": "v5-order-amend",
  "/v5/order/cancel": "v5-order-cancel",
};

type Call = (ex: Bybit, symbol: string) => Promise<unknown>;

/** One unified call per recorded response ccxt parses; each returns one parsed structure. */
const CALLS: Record<string, Call> = {
  fetchTime: (ex) => ex.fetchTime(),
  market: async (ex, symbol) => ex.market(symbol),
  fetchTicker: (ex, symbol) => ex.fetchTicker(symbol),
  fetchPositions: async (ex) => (await ex.fetchPositions())[0],
  fetchOpenOrders: async (ex, symbol) => (await ex.fetchOpenOrders(symbol)).find((o) => o.type === "limit" && o.side === "buy" && o.clientOrderId === undefined),
  fetchClosedOrders: async (ex, symbol) => (await ex.fetchClosedOrders(symbol)).find((o) => o.type === "market"),
  fetchMyTrades: async (ex) => (await ex.fetchMyTrades())[0],
  // The recording holds 7 coins, the simulator's unified wallet USDT alone: compare USDT and the account record.
  fetchBalance: async (ex) => {
    const b = await ex.fetchBalance();
    const account = (b.info as { result?: { list?: Record<string, unknown>[] } }).result?.list?.[0];
    return { USDT: b["USDT"], info: account };
  },
  createOrder: (ex, symbol) => ex.createOrder(symbol, "limit", "buy", 0.001, 50000),
  editOrder: async (ex, symbol) => {
    // The recorded amend answered for an order with an orderLinkId.
    const id = String((await ex.fetchOpenOrders(symbol)).find((o) => o.clientOrderId === "shape-edit")?.id ?? "x");
    return ex.editOrder(id, symbol, "limit", "buy", 0.002, 50010);
  },
  cancelOrder: async (ex, symbol) => {
    const id = String((await ex.fetchOpenOrders(symbol)).find((o) => o.type === "limit" && o.side === "buy" && o.clientOrderId === undefined)?.id ?? "x");
    return ex.cancelOrder(id, symbol);
  },
};

type Shape = string | { [key: string]: Shape };

/** Field -> type, recursively; `info` -> its raw keys; null and undefined are both "absent". */
function shapeOf(value: unknown, depth = 0): Shape {
  if (value === null || value === undefined) return "absent";
  if (Array.isArray(value)) return "array";
  if (typeof value !== "object") return typeof value;
  if (depth > 2) return "object";
  const out: Record<string, Shape> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === "info") {
      const keys = v !== null && typeof v === "object" && !Array.isArray(v) ? Object.keys(v).filter((x) => x !== "nextPageCursor").sort() : [];
      out[k] = `keys: ${keys.join(",")}`;
    } else out[k] = shapeOf(v, depth + 1);
  }
  return out;
}

async function runAll(ex: Bybit, symbol: string): Promise<Record<string, Shape>> {
  await ex.loadMarkets();
  const out: Record<string, Shape> = {};
  for (const [name, call] of Object.entries(CALLS)) out[name] = shapeOf(await call(ex, symbol));
  return out;
}

let recorded: Record<string, Shape> = {};
let simulated: Record<string, Shape> = {};
let sim: MswSim | undefined;

beforeAll(async () => {
  const replay = setupServer(
    http.all(`${BASE}/*`, ({ request }) => {
      const url = new URL(request.url);
      const name = url.searchParams.get("status") === "PreLaunch" ? "v5-market-instruments-info-empty" : REPLAY[url.pathname];
      if (name === undefined) return HttpResponse.text("not recorded", { status: 404 });
      return new HttpResponse(JSON.stringify(fixture(name)), { headers: { "Content-Type": "application/json" } });
    }),
  );
  replay.listen({ onUnhandledRequest: "error" });
  try {
    const simulator = createSimulator(buildScenario(), { latency: "zero" });
    const replayClient = bybitOnSim(simulator); // credentials only; replay ignores them
    recorded = await runAll(replayClient, "BTC/USDT:USDT");
  } finally {
    replay.close();
  }

  const simulator = createSimulator(buildScenario(), { latency: "zero" });
  sim = startMswSim(simulator);
  const ex = bybitOnSim(simulator);
  await ex.loadMarkets();
  // State the recordings show: a filled market order (history, execution), resting limit
  // buys with and without an orderLinkId, and a position off its entry price (non-zero PnL).
  await ex.createOrder("BTC/USDT:USDT", "market", "buy", 0.001);
  await ex.createOrder("BTC/USDT:USDT", "limit", "buy", 0.001, 50000);
  await ex.createOrder("BTC/USDT:USDT", "limit", "buy", 0.001, 49000, { clientOrderId: "shape-edit" });
  simulator.step(1);
  simulated = await runAll(ex, "BTC/USDT:USDT");
});

afterAll(() => sim?.stop());

describe("the simulator's responses parse like the recordings", () => {
  for (const name of Object.keys(CALLS)) {
    test(`${name}: same fields and types as the recorded response`, () => {
      expect(simulated[name]).toEqual(recorded[name]!);
    });
  }
});
