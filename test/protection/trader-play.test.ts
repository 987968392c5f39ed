/**
 * Played as a trader, against real processes: `sim serve` as the exchange, one long-running
 * `warden run` on it, and a plain ccxt 4.5.84 client acting by hand while it runs. After every
 * move: is the position protected by a full-size stop, and was the trader told what happened?
 * Then the engine is killed (SIGKILL) inside a write and restarted, and a second engine with a
 * state dir of its own is started on the same account.
 */
import ccxt from "ccxt";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JOURNAL_FILE } from "../../core/store/journal.ts";
import { DEMO_KEYS, eventsOf, killAllProcesses, spawnWarden, startSimServer, tempDir, type SimServerProcess, type WardenProcess } from "../support/processes.ts";

const KEYS = { WARDEN_MAIN_API_KEY: DEMO_KEYS["WARDEN_MAIN_API_KEY"]!, WARDEN_MAIN_API_SECRET: DEMO_KEYS["WARDEN_MAIN_API_SECRET"]! };
const SYMBOL = "BTC/USDT:USDT";
const ID = "main:BTCUSDT:long";

let sim: SimServerProcess;
let dir: { path: string; remove: () => Promise<void> };
let trader: InstanceType<typeof ccxt.bybit>;

beforeAll(async () => {
  dir = await tempDir("trader-play");
  writeFileSync(join(dir.path, "book.json"), JSON.stringify({
    name: "trader-play", description: "an empty book a trader trades by hand", seed: 5, start: "2025-07-24T10:00:00Z", stepMs: 5000, latency: "zero",
    accounts: { main: { apiKey: KEYS.WARDEN_MAIN_API_KEY, apiSecret: KEYS.WARDEN_MAIN_API_SECRET, balance: 100000 } },
    instruments: ["BTCUSDT"], positions: [], prices: { BTCUSDT: [60_000, 60_000, 60_500, 61_000, 61_000] },
  }));
  // the account is read every 1 s (activeEveryMs) rather than 15 s, so the play takes seconds
  writeFileSync(join(dir.path, "config.json"), JSON.stringify({ urgency: { activeEveryMs: 1_000, urgentEveryMs: 1_000, idleEveryMs: 5_000 } }));
  sim = await startSimServer({ scenario: join(dir.path, "book.json"), latency: "fixed:5", env: KEYS });
  trader = new ccxt.bybit({ apiKey: KEYS.WARDEN_MAIN_API_KEY, secret: KEYS.WARDEN_MAIN_API_SECRET, enableRateLimit: false, options: { fetchMarkets: { types: ["linear"] }, defaultType: "swap", enableUnifiedMargin: false, enableUnifiedAccount: true } });
  trader.has["fetchCurrencies"] = false;
  for (const key of Object.keys(trader.urls["api"] as Record<string, string>)) (trader.urls["api"] as Record<string, string>)[key] = sim.url;
});

afterAll(async () => {
  await killAllProcesses();
  await dir.remove();
});

function engine(stateDir: string): WardenProcess {
  return spawnWarden(["run", "--exchange", "bybit", "--base-url", sim.url, "--state-dir", stateDir, "--config", join(dir.path, "config.json"), "--interval", "200", "--json"], { env: KEYS });
}

/** What the exchange shows of the BTC long, read by the trader's own ccxt client. */
async function book() {
  const [positions, open] = await Promise.all([trader.fetchPositions([SYMBOL]), trader.fetchOpenOrders(SYMBOL, undefined, undefined, { paginate: true })]);
  const size = positions.find((p) => p.side === "long")?.contracts ?? 0;
  const stops = open.filter((o) => (o.triggerPrice ?? 0) > 0 && o.reduceOnly === true);
  return { size, stops: stops.map((o) => ({ id: String(o.id), qty: o.amount, trigger: o.triggerPrice })), open: open.length };
}

/** The next event line of `run` (after `from` lines) matching, parsed. */
async function nextEvent(run: WardenProcess, from: number, match: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  let index = 0;
  const line = await run.waitForLine((l) => index++ >= from && l.startsWith("{") && match(JSON.parse(l) as Record<string, unknown>), 20_000);
  return JSON.parse(line) as Record<string, unknown>;
}

const protectedWith = (qty: number) => (e: Record<string, unknown>) => e["event"] === "order.placed" || e["event"] === "order.amended" ? e["role"] === "sl" && e["qty"] === qty : false;

describe("a trader's hand while warden run is going (sim serve, real processes)", () => {
  let run: WardenProcess;
  const state = () => join(dir.path, "state");

  test("a position opened by hand gets a full-size stop, and the stop cancelled twice is put back twice, the second time with an error alert", async () => {
    run = engine(state());
    await run.waitForLine((l) => l.includes('"event":"cycle.completed"'), 20_000);
    let from = run.lines.length;
    await trader.createOrder(SYMBOL, "market", "buy", 0.01);
    await nextEvent(run, from, protectedWith(0.01));
    expect((await book()).stops.map((s) => s.qty)).toEqual([0.01]);
    for (const round of [1, 2]) {
      from = run.lines.length;
      const stop = (await book()).stops[0]!;
      await trader.cancelOrder(stop.id, SYMBOL, { trigger: true });
      await nextEvent(run, from, protectedWith(0.01));
      expect({ round, stops: (await book()).stops.map((s) => s.qty) }).toEqual({ round, stops: [0.01] });
      if (round === 2) await nextEvent(run, from, (e) => e["event"] === "alert" && e["kind"] === "stop-restored" && e["level"] === "error");
    }
  }, 60_000);

  test("an add, a reduce, a close and a reopen by hand: the stop follows the size, nothing stays on the flat position, the reopened one gets a stop from its new entry", async () => {
    let from = run.lines.length;
    await trader.createOrder(SYMBOL, "market", "buy", 0.01); // add
    await nextEvent(run, from, protectedWith(0.02));
    expect((await book()).stops.map((s) => s.qty)).toEqual([0.02]);
    from = run.lines.length;
    await trader.createOrder(SYMBOL, "market", "sell", 0.005, undefined, { reduceOnly: true }); // reduce
    await nextEvent(run, from, protectedWith(0.015));
    expect((await book()).stops.map((s) => s.qty)).toEqual([0.015]);
    from = run.lines.length;
    await trader.createOrder(SYMBOL, "market", "sell", 0.015, undefined, { reduceOnly: true }); // close
    await nextEvent(run, from, (e) => e["event"] === "monitor.closed" && e["monitor"] === ID);
    expect(await book()).toMatchObject({ size: 0, stops: [] });
    await sim.step(2); // the price moves on while flat
    from = run.lines.length;
    await trader.createOrder(SYMBOL, "market", "buy", 0.01); // reopen at 60 500
    await nextEvent(run, from, protectedWith(0.01));
    expect((await book()).stops).toEqual([expect.objectContaining({ qty: 0.01, trigger: 57_475 })]); // 5% under the new entry
  }, 60_000);

  test("killed (SIGKILL) inside a write and restarted: no duplicate stop, the position protected", async () => {
    const from = run.lines.length;
    const journal = join(state(), JOURNAL_FILE);
    const inWrite = new Promise<void>((done) => {
      const watcher = watch(state(), () => {
        if (readFileSync(journal, "utf8").trimEnd().split("\n").at(-1)?.includes('"kind":"intent"') === true) {
          watcher.close();
          done();
        }
      });
    });
    await trader.createOrder(SYMBOL, "market", "buy", 0.01); // Warden must resize its stop: a write
    await inWrite;
    await run.kill("SIGKILL");
    expect(eventsOf(run.lines.slice(from)).some((e) => e["event"] === "order.amended")).toBe(false); // killed before the answer was recorded
    run = engine(state());
    await run.waitForLine((l) => l.includes('"event":"journal.settled"'), 20_000);
    await nextEvent(run, 0, (e) => e["event"] === "cycle.completed" && e["unprotected"] === 0);
    const after = await book();
    expect({ size: after.size, stops: after.stops.map((s) => s.qty) }).toEqual({ size: 0.02, stops: [0.02] });
  }, 60_000);

  test("a second engine on the same account (its own state dir) stands by, says so, and places no second stop", async () => {
    const second = engine(join(dir.path, "second"));
    await nextEvent(second, 0, (e) => e["event"] === "alert" && e["kind"] === "stand-by" && e["monitor"] === ID);
    for (let i = 0; i < 3; i++) await second.waitForLine((l) => l.includes('"event":"cycle.completed"') && l.includes(`"cycle":${i + 3}`), 20_000);
    expect((await book()).stops.map((s) => s.qty)).toEqual([0.02]);
    await second.kill("SIGTERM");
  }, 60_000);
});
