/**
 * `warden trade` against `sim serve`, as real processes, checked through the simulator's own
 * state and (the whole life of a trade) a plain ccxt client: it places what it says (entries split evenly, Warden's orderLinkIds), refuses an
 * inconsistent plan with nothing placed, and a `run --once` after a market entry places the
 * plan's stop and TPs from the fill price.
 */
import ccxt from "ccxt";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_KEYS, killAllProcesses, spawnWarden, startSimServer, tempDir, type SimServerProcess, type SimState } from "../support/processes.ts";

/** The scenario has a main account only. */
const MAIN_KEYS = { WARDEN_MAIN_API_KEY: DEMO_KEYS["WARDEN_MAIN_API_KEY"]!, WARDEN_MAIN_API_SECRET: DEMO_KEYS["WARDEN_MAIN_API_SECRET"]! };
let sim: SimServerProcess;
let dir: { path: string; remove: () => Promise<void> };
const state = () => join(dir.path, "state");

beforeAll(async () => {
  dir = await tempDir("trade");
  const scenario = {
    name: "flat-book", description: "no position yet: a trader opens them with warden trade", seed: 3, start: "2025-07-24T10:00:00Z", stepMs: 5000, latency: "zero",
    accounts: { main: { apiKey: "sim-main-key", apiSecret: "sim-main-secret", balance: 100000 } },
    instruments: ["BTCUSDT", "ETHUSDT"], positions: [],
    // ETH dips through the first entry (2 900), rises through TP1 (3 100) and TP2 (3 200), then runs on
    prices: { BTCUSDT: Array.from({ length: 20 }, () => 60_000), ETHUSDT: [3_000, 3_000, 3_000, 2_950, 2_895, 2_920, 3_000, 3_105, 3_150, 3_210, 3_300, 3_300, 3_300, 3_300, 3_300, 3_300, 3_300, 3_300, 3_300, 3_300] },
  };
  writeFileSync(join(dir.path, "flat.json"), JSON.stringify(scenario));
  sim = await startSimServer({ scenario: join(dir.path, "flat.json"), latency: "zero", env: MAIN_KEYS });
});

afterAll(async () => {
  await killAllProcesses();
  await dir.remove();
});

async function warden(...args: string[]) {
  const exchange = args[0] === "plan" ? [] : ["--base-url", sim.url]; // plan only reads and writes the state dir
  const p = spawnWarden([...args, ...exchange, "--state-dir", state()], { env: MAIN_KEYS });
  const exit = await p.exited;
  return { code: exit.code, stdout: p.stdout(), stderr: p.stderr() };
}

const orders = (s: SimState, symbol: string) => s.accounts["main"]!.openOrders.list.filter((o) => o.symbol === symbol);

describe("warden trade against sim serve", () => {
  test("limit entries: split evenly over the prices, with Warden's orderLinkIds; the plan recorded", async () => {
    const r = await warden("trade", "ETHUSDT", "long", "--qty", "0.3", "--entries", "2900,2850,2800", "--stop", "2700", "--tp", "3100,3200", "--json");
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const placed = orders(await sim.state(), "ETHUSDT").map((o) => [o.side, o.orderType, Number(o.price), Number(o.qty), o.reduceOnly, o.orderLinkId.startsWith("w-")]);
    expect(placed.sort()).toEqual([
      ["Buy", "Limit", 2800, 0.1, false, true], ["Buy", "Limit", 2850, 0.1, false, true], ["Buy", "Limit", 2900, 0.1, false, true],
    ]);
    expect(JSON.parse(r.stdout)).toMatchObject({ monitor: "main:ETHUSDT:long", plan: { stop: { price: 2700 }, tps: { prices: [3100, 3200] } } });
  }, 60_000);

  test("an inconsistent plan or an unknown symbol: one line, exit 2, nothing placed", async () => {
    const before = (await sim.state()).accounts["main"]!.openOrders.count;
    for (const [args, says] of [
      [["ETHUSDT", "long", "--qty", "0.2", "--entries", "2900,2850", "--stop", "2875"], "wrong side of the entries"],
      [["ETHUSDT", "long", "--qty", "0.2", "--entries", "2900", "--tp", "2850"], "take-profits go above every entry"],
      [["ETHUSDT", "long", "--qty", "0.001", "--entries", "2900"], "lot grid"],
      [["ETHUSDT", "long", "--qty", "0.2", "--entries", "2900", "--tp", "1%,2%", "--ladder", "50,40"], "sum to 100"],
      [["ETHUSDT", "long", "--qty", "0.2", "--market", "--stop", "2800"], "as % of the entry"],
      [["NOPEUSDT", "long", "--qty", "1", "--market"], "not a linear instrument"],
    ] as const) {
      const r = await warden("trade", ...args);
      expect({ args, code: r.code, says: r.stderr.includes(says), lines: r.stderr.trim().split("\n").length }).toEqual({ args, code: 2, says: true, lines: 1 });
    }
    expect((await sim.state()).accounts["main"]!.openOrders.count).toBe(before);
  }, 60_000);

  test("a market entry: the next run --once places the plan's stop and TPs from the fill price", async () => {
    const r = await warden("trade", "BTCUSDT", "long", "--qty", "0.01", "--market", "--stop", "2%", "--tp", "1%,2%");
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const opened = (await sim.state()).accounts["main"]!.positions.find((p) => p.symbol === "BTCUSDT")!;
    expect(Number(opened.size)).toBe(0.01);
    const run = await warden("run", "--once", "--exchange", "bybit", "--json");
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    const placed = orders(await sim.state(), "BTCUSDT");
    const stop = placed.filter((o) => Number(o.triggerPrice) > 0).map((o) => [Number(o.triggerPrice), Number(o.qty)]);
    const tps = placed.filter((o) => o.reduceOnly && !(Number(o.triggerPrice) > 0)).map((o) => [Number(o.price), Number(o.qty)]);
    const entry = opened.avgPrice;
    expect(stop).toEqual([[Math.floor(entry * 0.98 * 10) / 10, 0.01]]);
    expect(tps.sort()).toEqual([[Math.ceil(entry * 1.01 * 10) / 10, 0.005], [Math.ceil(entry * 1.02 * 10) / 10, 0.005]]);
  }, 60_000);

  test("the whole life of a trade: stop and TPs when the first entry fills, breakeven and entries cancelled after TP1, the stop trailing after TP2", async () => {
    writeFileSync(join(dir.path, "trail.json"), JSON.stringify({ plans: { ETHUSDT: { trail: { afterTp: 2, distancePct: 1 } } } }));
    const cron = async () => {
      const r = await warden("run", "--once", "--exchange", "bybit", "--config", join(dir.path, "trail.json"));
      return { code: r.code, stderr: r.stderr };
    };
    // what the exchange shows, read by a plain ccxt 4.5.84 client (no Warden code)
    const trader = new ccxt.bybit({ apiKey: MAIN_KEYS.WARDEN_MAIN_API_KEY, secret: MAIN_KEYS.WARDEN_MAIN_API_SECRET, enableRateLimit: false, options: { fetchMarkets: { types: ["linear"] }, defaultType: "swap", enableUnifiedMargin: false, enableUnifiedAccount: true } });
    trader.has["fetchCurrencies"] = false;
    for (const key of Object.keys(trader.urls["api"] as Record<string, string>)) (trader.urls["api"] as Record<string, string>)[key] = sim.url;
    const eth = async () => {
      const symbol = "ETH/USDT:USDT";
      const [positions, open] = await Promise.all([trader.fetchPositions([symbol]), trader.fetchOpenOrders(symbol, undefined, undefined, { paginate: true })]);
      const stops = open.filter((o) => (o.triggerPrice ?? 0) > 0);
      return {
        position: positions.find((p) => p.side === "long")?.contracts ?? 0,
        stop: stops.map((o) => [o.triggerPrice, o.amount]),
        tps: open.filter((o) => o.reduceOnly === true && !((o.triggerPrice ?? 0) > 0)).map((o) => [o.price, o.amount]).sort(),
        entries: open.filter((o) => o.reduceOnly !== true).map((o) => o.price).sort(),
      };
    };
    // the first test placed 3 x 0.1 at 2 900 / 2 850 / 2 800 with a stop at 2 700 and TPs at 3 100 / 3 200
    expect((await warden("plan", "ETHUSDT", "--tp", "3100,3200,3400", "--ladder", "50,20,30")).code).toBe(2); // no position yet
    await sim.step(4); // 2 895: the first entry fills
    expect(await cron()).toEqual({ code: 0, stderr: "" });
    expect(await eth()).toEqual({ position: 0.1, stop: [[2_700, 0.1]], tps: [[3_100, 0.05], [3_200, 0.05]], entries: [2_800, 2_850] });
    // the trader widens the ladder to three rungs while it runs: amended in place, the third placed
    const widened = await warden("plan", "ETHUSDT", "--tp", "3100,3200,3400", "--ladder", "50,20,30");
    expect({ code: widened.code, stderr: widened.stderr }).toEqual({ code: 0, stderr: "" });
    expect(await cron()).toEqual({ code: 0, stderr: "" });
    expect((await eth()).tps).toEqual([[3_100, 0.05], [3_200, 0.02], [3_400, 0.03]]);
    await sim.step(3); // 3 105: TP1 fills
    expect(await cron()).toEqual({ code: 0, stderr: "" });
    expect(await eth()).toEqual({ position: 0.05, stop: [[2_903.19, 0.05]], tps: [[3_200, 0.02], [3_400, 0.03]], entries: [] });
    await sim.step(2); // 3 210: TP2 fills; the stop trails 1% under the best mark
    expect(await cron()).toEqual({ code: 0, stderr: "" });
    expect(await eth()).toEqual({ position: 0.03, stop: [[3_177.9, 0.03]], tps: [[3_400, 0.03]], entries: [] });
    await sim.step(1); // 3 300
    expect(await cron()).toEqual({ code: 0, stderr: "" });
    expect((await eth()).stop).toEqual([[3_267, 0.03]]);
  }, 90_000);
});
