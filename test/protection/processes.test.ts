/**
 * Protection played against real processes, as a trader meets it: `sim serve` as the
 * exchange, `warden run --once` from cron, and a plain ccxt 4.5.84 client (no Warden code)
 * acting by hand between the runs: cancelling Warden's stop (twice), opening a position with
 * no stop at all.
 */
import ccxt from "ccxt";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DEMO_KEYS, eventsOf, killAllProcesses, spawnWarden, startSimServer, tempDir, type SimServerProcess, type SimState } from "../support/processes.ts";

let sim: SimServerProcess;
let state: { path: string; remove: () => Promise<void> };
let trader: InstanceType<typeof ccxt.bybit>;

beforeAll(async () => {
  sim = await startSimServer({ scenario: "demo-30", latency: "zero", env: DEMO_KEYS });
  state = await tempDir("protection-processes");
  trader = new ccxt.bybit({ apiKey: DEMO_KEYS["WARDEN_MAIN_API_KEY"]!, secret: DEMO_KEYS["WARDEN_MAIN_API_SECRET"]!, enableRateLimit: false, options: { fetchMarkets: { types: ["linear"] }, defaultType: "swap", enableUnifiedMargin: false, enableUnifiedAccount: true } });
  trader.has["fetchCurrencies"] = false;
  const api = trader.urls["api"] as Record<string, string>;
  for (const key of Object.keys(api)) api[key] = sim.url;
});

afterAll(async () => {
  await killAllProcesses();
  await state.remove();
});

/** One cron run: `warden run --once` against the server; its events. */
async function runOnce(): Promise<Record<string, unknown>[]> {
  const run = spawnWarden(["run", "--once", "--exchange", "bybit", "--base-url", sim.url, "--state-dir", state.path, "--json"], { env: DEMO_KEYS });
  const exit = await run.exited;
  expect({ code: exit.code, stderr: run.stderr() }).toEqual({ code: 0, stderr: "" });
  return eventsOf(run.lines);
}

const mainOf = (s: SimState) => s.accounts["main"]!;

/** Working reduce-only conditionals closing a long on this symbol (the position's stops). */
function stopsOn(s: SimState, symbol: string) {
  return mainOf(s).openOrders.list.filter((o) => o.symbol === symbol && o.reduceOnly && o.side === "Sell" && o.triggerPrice !== "" && Number(o.triggerPrice) > 0);
}

describe("protection across cron runs, a trader acting by hand with ccxt", () => {
  let symbol = "";

  test("a stop the trader cancels between two runs is restored by the next run, and again by the one after, with an error alert the second time", async () => {
    await runOnce();
    const before = await sim.state();
    const long = mainOf(before).positions.find((p) => p.side === "Buy" && stopsOn(before, p.symbol).length === 1);
    if (long === undefined) throw new Error("setup: demo-30 should have a long with one stop");
    symbol = long.symbol;
    for (const round of [1, 2]) {
      const stop = stopsOn(await sim.state(), symbol)[0]!;
      await trader.cancelOrder(stop.orderId, `${symbol.replace("USDT", "")}/USDT:USDT`, { trigger: true });
      expect(stopsOn(await sim.state(), symbol)).toEqual([]);
      const events = await runOnce();
      const after = stopsOn(await sim.state(), symbol);
      expect({ round, stops: after.map((o) => o.qty) }).toEqual({ round, stops: [long.size] });
      const restored = events.filter((e) => e["event"] === "alert" && e["kind"] === "stop-restored");
      expect({ round, alerts: restored.length }).toEqual({ round, alerts: round === 1 ? 0 : 1 });
    }
  }, 60_000);

  test("a position the trader closes and opens again between two runs is protected from its new entry by the next run, with one stop", async () => {
    const s = await sim.state();
    const long = mainOf(s).positions.find((p) => p.side === "Buy" && p.symbol !== symbol && stopsOn(s, p.symbol).length === 1);
    if (long === undefined) throw new Error("setup: demo-30 should have a second long with one stop");
    const market = `${long.symbol.replace("USDT", "")}/USDT:USDT`;
    const oldTrigger = Number(stopsOn(s, long.symbol)[0]!.triggerPrice);
    await trader.createOrder(market, "market", "sell", Number(long.size), undefined, { reduceOnly: true });
    await sim.step(3); // the price moves on while the position is flat
    await trader.createOrder(market, "market", "buy", Number(long.size));
    const reopened = mainOf(await sim.state()).positions.find((p) => p.symbol === long.symbol)!;
    const events = await runOnce();
    const stops = stopsOn(await sim.state(), long.symbol);
    expect(stops.map((o) => o.qty)).toEqual([reopened.size]);
    const trigger = Number(stops[0]!.triggerPrice);
    expect(trigger).toBeLessThan(reopened.avgPrice);
    expect(Math.abs(trigger - reopened.avgPrice * 0.95) / reopened.avgPrice).toBeLessThan(0.001); // plan.defaultStopPct from the new entry
    if (Math.abs(oldTrigger - reopened.avgPrice * 0.95) / reopened.avgPrice > 0.001) expect(trigger).not.toBe(oldTrigger);
    // found naked in this cycle (reported), protected by the end of it (the exchange accepted the stop)
    expect(events.filter((e) => e["event"] === "protection.changed" && e["monitor"] === `main:${long.symbol}:long`).map((e) => e["state"])).toEqual(["unprotected", "protected"]);
    expect(events.find((e) => e["event"] === "cycle.completed")?.["unprotected"]).toBe(0);
  }, 60_000);
});
