/** The account snapshot cache: single-flight, TTL and freshness, invalidation, grace, statistics. */
import { describe, expect, test } from "bun:test";
import { SnapshotCache, type SnapshotCacheOptions } from "../../core/cache/snapshot-cache.ts";
import { hitRate } from "../../core/cache/stats.ts";
import { VirtualClock } from "../../core/clock.ts";
import { createBybitAccount } from "../../core/exchange/ccxt-adapter.ts";
import { ExchangeReadError } from "../../core/exchange/failure.ts";
import { MemoryExchange } from "../../core/exchange/memory-exchange.ts";
import { simHandlers } from "../../core/sim/msw.ts";
import { mswFetch } from "../../core/sim/msw-fetch.ts";
import { loadScenario } from "../../core/sim/scenario.ts";
import { createSimulator } from "../../core/sim/simulator.ts";

const T0 = 1_700_000_000_000;

function makeCache(opts: Partial<SnapshotCacheOptions> = {}) {
  const clock = new VirtualClock(T0);
  const main = new MemoryExchange("main", { marks: { BTCUSDT: 60000 }, clock });
  main.setPosition("BTCUSDT", "long", 0.1, 60000);
  const cache = new SnapshotCache([main], { clock, ttlMs: 2000, ...opts });
  return { clock, main, cache };
}

const restingBuy = (linkId: string) => ({ symbol: "BTCUSDT", linkId, side: "buy" as const, type: "limit" as const, qty: 0.001, price: 50000, reduceOnly: false });

describe("SnapshotCache", () => {
  test("ten concurrent readers share one load: one miss, nine coalesced, REST calls counted once", async () => {
    const { main, cache } = makeCache();
    const snaps = await Promise.all(Array.from({ length: 10 }, () => cache.snapshot("main")));
    expect(new Set(snaps).size).toBe(1);
    expect(main.requestStats().total).toBe(2);
    const s = cache.stats().lastCycle.accounts["main"]!;
    expect(s.positions).toMatchObject({ misses: 1, coalesced: 9, hits: 0, loads: 1, restCalls: 1 });
    expect(s.orders).toMatchObject({ misses: 1, coalesced: 9, loads: 1, restCalls: 1 });
    expect(hitRate(s.positions)).toBeCloseTo(0.9, 9);
  });

  test("serves a fresh entry within the TTL and reloads after it", async () => {
    const { clock, main, cache } = makeCache();
    const first = await cache.snapshot("main");
    clock.advance(2000);
    expect(await cache.snapshot("main")).toBe(first);
    clock.advance(1);
    expect(await cache.snapshot("main")).not.toBe(first);
    expect(main.requestStats().total).toBe(4);
    expect(cache.stats().sinceStart.accounts["main"]!.positions).toMatchObject({ hits: 1, misses: 2, loads: 2 });
  });

  test("a decision that writes gets a snapshot no older than its freshness bound", async () => {
    const { clock, cache } = makeCache();
    const first = await cache.snapshot("main");
    clock.advance(1000);
    expect(await cache.snapshot("main")).toBe(first);
    const fresh = await cache.snapshot("main", { maxAgeMs: 500 });
    expect(fresh).not.toBe(first);
    expect(fresh.takenAt).toBe(T0 + 1000);
  });

  test("a write invalidates the account: the next snapshot shows the new order", async () => {
    const { main, cache } = makeCache();
    expect((await cache.snapshot("main")).orders).toHaveLength(0);
    await main.place(restingBuy("w-1"));
    cache.invalidate("main");
    expect((await cache.snapshot("main")).orders.map((o) => o.linkId)).toEqual(["w-1"]);
  });

  test("a load in flight when a write happens is not served to readers after the write", async () => {
    const { main, cache } = makeCache();
    const before = cache.snapshot("main");
    await main.place(restingBuy("w-2"));
    cache.invalidate("main");
    const after = cache.snapshot("main");
    expect((await before).orders).toHaveLength(0);
    expect((await after).orders.map((o) => o.linkId)).toEqual(["w-2"]);
    expect(await cache.snapshot("main")).toBe(await after);
    expect(cache.stats().sinceStart.accounts["main"]!.orders).toMatchObject({ misses: 2, coalesced: 0, hits: 1 });
  });

  test("a failed load rejects every coalesced reader and the next read tries again", async () => {
    const { main, cache } = makeCache();
    main.failNext("server-error");
    const results = await Promise.allSettled([cache.snapshot("main"), cache.snapshot("main"), cache.snapshot("main")]);
    expect(results.every((r) => r.status === "rejected" && r.reason instanceof ExchangeReadError)).toBe(true);
    expect((await cache.snapshot("main")).positions).toHaveLength(1);
  });

  test("resetCycle starts a new cycle window and keeps the totals", async () => {
    const { cache } = makeCache();
    await cache.snapshot("main");
    await cache.snapshot("main");
    cache.resetCycle();
    await cache.snapshot("main");
    const { lastCycle, sinceStart } = cache.stats();
    expect(lastCycle.accounts["main"]!.positions).toMatchObject({ hits: 1, misses: 0, loads: 0 });
    expect(sinceStart.accounts["main"]!.positions).toMatchObject({ hits: 2, misses: 1, loads: 1, entries: 1 });
  });

  test("reports entries held and their age", async () => {
    const { clock, main, cache } = makeCache();
    await main.place(restingBuy("w-5"));
    await cache.snapshot("main");
    clock.advance(700);
    const s = cache.stats().sinceStart.accounts["main"]!;
    expect(s.positions).toMatchObject({ entries: 1, ageMs: 700 });
    expect(s.orders).toMatchObject({ entries: 1, ageMs: 700 });
  });

  test("loads instruments once per account, counted as markets", async () => {
    const { cache } = makeCache();
    await Promise.all([cache.instruments("main"), cache.instruments("main")]);
    await cache.instruments("main");
    expect(cache.stats().sinceStart.accounts["main"]!.markets).toMatchObject({ misses: 1, coalesced: 1, hits: 1, loads: 1, restCalls: 2, entries: 3 });
  });

  test("refuses an account it has no exchange for", () => {
    const { cache } = makeCache();
    expect(() => cache.snapshot("mirror")).toThrow(RangeError);
  });

  test("on the simulator, a snapshot costs one call per listing and the counts equal the simulator's log", async () => {
    const sim = createSimulator(loadScenario("basic"), { latency: "zero", rateLimits: false });
    const key = sim.venue.accounts().find((a) => a.id === "main")!;
    const exchange = createBybitAccount({ account: "main", apiKey: key.apiKey, secret: key.apiSecret, fetch: mswFetch(simHandlers(sim)) });
    const clock = new VirtualClock(T0);
    const cache = new SnapshotCache([exchange], { clock, ttlMs: 2000 });
    await cache.instruments("main");
    const snaps = await Promise.all(Array.from({ length: 5 }, () => cache.snapshot("main")));
    expect(snaps[0]?.positions.map((p) => p.symbol)).toEqual(["BTCUSDT"]);
    expect(snaps[0]?.orders.map((o) => o.linkId).sort()).toEqual(["seed-BTCUSDT-sl", "seed-BTCUSDT-tp1"]);
    const s = cache.stats().sinceStart.accounts["main"]!;
    expect(s.positions.restCalls + s.orders.restCalls + s.markets.restCalls).toBe(sim.log.length);
    expect(s.positions.restCalls).toBe(1);
    expect(s.orders.restCalls).toBe(1);
    expect(exchange.requestStats().total).toBe(sim.log.length);
  });
});
