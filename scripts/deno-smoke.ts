/**
 * Simulator self-check under Deno (run by .ci/run): start the simulator in process on the
 * loopback server (port 0) with the basic scenario, make one signed request with plain
 * fetch + node:crypto and check its shape, then one paginated ccxt call. Prints
 * "deno smoke ok" and exits 0, or says what failed and exits 1.
 *
 *   npx deno run -A scripts/deno-smoke.ts
 */
import ccxt from "ccxt";
import { createHmac } from "node:crypto";
import { exit, runtimeName, writeStderr, writeStdout } from "../core/runtime.ts";
import { loadScenario } from "../core/sim/scenario.ts";
import { startServer } from "../core/sim/server.ts";
import { createSimulator } from "../core/sim/simulator.ts";

async function check(): Promise<string | undefined> {
  const scenario = loadScenario("basic");
  const sim = createSimulator(scenario, { latency: "zero" });
  const server = await startServer(sim, { port: 0 });
  try {
    const { apiKey, apiSecret } = scenario.accounts["main"]!;
    const query = "category=linear&settleCoin=USDT&limit=200";
    const timestamp = String(Date.now());
    const sign = createHmac("sha256", apiSecret).update(`${timestamp}${apiKey}5000${query}`).digest("hex");
    const res = await fetch(`${server.url}/v5/position/list?${query}`, {
      headers: { "X-BAPI-API-KEY": apiKey, "X-BAPI-TIMESTAMP": timestamp, "X-BAPI-RECV-WINDOW": "5000", "X-BAPI-SIGN": sign },
    });
    const body = (await res.json()) as { retCode?: unknown; result?: { list?: { symbol?: unknown; size?: unknown }[] } };
    const first = body.result?.list?.[0];
    if (res.status !== 200 || body.retCode !== 0) return `position list answered HTTP ${res.status} retCode ${String(body.retCode)}`;
    if (first?.symbol !== "BTCUSDT" || first.size !== "0.100") return `unexpected position record ${JSON.stringify(first)}`;
    const wrong = await fetch(`${server.url}/v5/position/list?${query}`, {
      headers: { "X-BAPI-API-KEY": apiKey, "X-BAPI-TIMESTAMP": timestamp, "X-BAPI-RECV-WINDOW": "5000", "X-BAPI-SIGN": "0".repeat(64) },
    });
    const refused = (await wrong.json()) as { retCode?: unknown };
    if (refused.retCode !== 10004) return `a bad signature answered retCode ${String(refused.retCode)}, expected 10004`;

    // And ccxt itself, its URLs pointed at the server.
    const bybit = new ccxt.bybit({
      apiKey,
      secret: apiSecret,
      enableRateLimit: false,
      options: { fetchMarkets: { types: ["linear"] }, enableUnifiedMargin: false, enableUnifiedAccount: true },
    });
    bybit.has["fetchCurrencies"] = false;
    const api = bybit.urls["api"] as Record<string, string>;
    for (const key of Object.keys(api)) api[key] = server.url;
    const orders = await bybit.fetchOpenOrders(undefined, undefined, undefined, { paginate: true });
    if (orders.length !== 2) return `ccxt fetchOpenOrders saw ${orders.length} orders, expected 2`;
    return undefined;
  } finally {
    await server.close();
  }
}

const problem = await check().catch((e: unknown) => `threw: ${e instanceof Error ? e.message : String(e)}`);
if (problem === undefined) {
  writeStdout(runtimeName() === "deno" ? "deno smoke ok\n" : `deno smoke ok (under ${runtimeName()}, not deno)\n`);
  exit(0);
} else {
  writeStderr(`deno smoke FAILED: ${problem}\n`);
  exit(1);
}
