/**
 * The simulator's own cost: requests per second it serves to ccxt 4.5.84 through msw with
 * the zero-latency profile (rate limits off), on demo-30 (main: ~90 open orders, so each
 * paginated open-order listing is 3 requests). Also the bare `handle()` rate without ccxt and
 * msw, and ccxt through the loopback HTTP server, to show where the time goes.
 *
 *   npx bun scripts/sim-throughput.ts [--seconds 3] [--concurrency 8]
 */
import ccxt from "ccxt";
import { argv, runtimeName, writeStdout } from "../core/runtime.ts";
import { signPayload } from "../core/sim/auth.ts";
import { startMswSim } from "../core/sim/msw.ts";
import { startServer } from "../core/sim/server.ts";
import { loadScenario } from "../core/sim/scenario.ts";
import { createSimulator } from "../core/sim/simulator.ts";

function flag(name: string, fallback: number): number {
  const args = argv();
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const seconds = flag("seconds", 3);
const concurrency = flag("concurrency", 8);
const scenario = loadScenario("demo-30");

async function viaCcxt(transport: "msw" | "server"): Promise<{ requests: number; elapsed: number }> {
  const sim = createSimulator(scenario, { latency: "zero", rateLimits: false });
  const msw = transport === "msw" ? startMswSim(sim) : undefined;
  const server = transport === "server" ? await startServer(sim, { port: 0 }) : undefined;
  try {
    const { apiKey, apiSecret } = scenario.accounts["main"]!;
    const bybit = new ccxt.bybit({
      apiKey,
      secret: apiSecret,
      enableRateLimit: false,
      options: { fetchMarkets: { types: ["linear"] }, enableUnifiedMargin: false, enableUnifiedAccount: true },
    });
    bybit.has["fetchCurrencies"] = false;
    if (server !== undefined) {
      const api = bybit.urls["api"] as Record<string, string>;
      for (const key of Object.keys(api)) api[key] = server.url;
    } else bybit.fetchImplementation = globalThis.fetch;
    await bybit.loadMarkets();
    const before = sim.log.length;
    const start = performance.now();
    const until = start + seconds * 1000;
    const worker = async () => {
      while (performance.now() < until) {
        await Promise.all([bybit.fetchOpenOrders(undefined, undefined, undefined, { paginate: true }), bybit.fetchPositions(undefined, { limit: 200 })]);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { requests: sim.log.length - before, elapsed: (performance.now() - start) / 1000 };
  } finally {
    msw?.stop();
    await server?.close();
  }
}

async function bare(): Promise<{ requests: number; elapsed: number }> {
  const sim = createSimulator(scenario, { latency: "zero", rateLimits: false });
  const { apiKey, apiSecret } = scenario.accounts["main"]!;
  const query = "category=linear&settleCoin=USDT&limit=50";
  let requests = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 100; i++) {
      const timestamp = String(Date.now());
      const sign = signPayload(apiSecret, `${timestamp}${apiKey}5000${query}`);
      await sim.handle({
        method: "GET",
        path: "/v5/order/realtime",
        query,
        body: "",
        headers: { "x-bapi-api-key": apiKey, "x-bapi-timestamp": timestamp, "x-bapi-recv-window": "5000", "x-bapi-sign": sign },
      });
      requests++;
    }
  }
  return { requests, elapsed: (performance.now() - start) / 1000 };
}

const c = await viaCcxt("msw");
const h = await viaCcxt("server");
const b = await bare();
writeStdout(
  [
    `runtime ${runtimeName()}, scenario demo-30, latency zero, ${seconds}s per measurement`,
    `ccxt via msw (${concurrency} concurrent loops of paginated fetchOpenOrders + fetchPositions): ${Math.round(c.requests / c.elapsed)} requests/s (${c.requests} requests)`,
    `ccxt via sim serve's HTTP server (same load): ${Math.round(h.requests / h.elapsed)} requests/s (${h.requests} requests)`,
    `bare handle() (signed open-order page of 50, sequential): ${Math.round(b.requests / b.elapsed)} requests/s (${b.requests} requests)`,
    "",
  ].join("\n"),
);
