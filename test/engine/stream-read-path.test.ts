/**
 * The `stream` read path against the simulator's server (REST and the private stream on one
 * port): it connects, takes one REST snapshot and goes live; views follow the stream with no
 * REST read; REST audits it on its timer; after the server closes or drops the link it falls
 * back to polling and comes back through a fresh snapshot. An engine on it runs steady cycles
 * with zero REST requests and reacts to a fill pushed on the stream.
 */
import { Arrivals } from "../support/arrivals.ts";
import { afterEach, describe, expect, test } from "bun:test";
import { SnapshotCache } from "../../core/cache/snapshot-cache.ts";
import type { Clock } from "../../core/clock.ts";
import { defaultEngineConfig } from "../../core/engine/config.ts";
import { createEngine } from "../../core/engine/engine.ts";
import { RateBudget } from "../../core/engine/rate-budget.ts";
import { StreamReadPath } from "../../core/engine/stream-read-path.ts";
import type { ParsedRows } from "../../core/engine/stream-state.ts";
import type { AccountId } from "../../core/domain/types.ts";
import { BybitPrivateStream, privateStreamUrl } from "../../core/exchange/bybit-stream.ts";
import { createBybitAccount } from "../../core/exchange/ccxt-adapter.ts";
import type { AccountExchange } from "../../core/exchange/port.ts";
import { createStreamRowParser } from "../../core/exchange/stream-rows.ts";
import { emitter, type WardenEvent } from "../../core/logs/event.ts";
import { loadScenario } from "../../core/sim/scenario.ts";
import { startServer } from "../../core/sim/server.ts";
import { createSimulator, type Simulator } from "../../core/sim/simulator.ts";
import { MemoryStateStore } from "../../core/store/memory-state-store.ts";
import { bybitOnSim, type Bybit } from "../support/ccxt-sim.ts";

const SYMBOL = "BTC/USDT:USDT";
const AUDIT_MS = 60_000;
type StreamFaults = Parameters<typeof createSimulator>[0]["streamFaults"];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Resolves with the first item pushed (now or later) that matches. */
function waiter<T>(): Arrivals<T> {
  return new Arrivals<T>();
}

interface Rig {
  readonly sim: Simulator;
  readonly clock: Clock;
  readonly exchange: AccountExchange;
  readonly exchanges: ReadonlyMap<AccountId, AccountExchange>;
  readonly readPath: StreamReadPath;
  readonly bybit: Bybit;
  readonly events: ReturnType<typeof waiter<WardenEvent>>;
  readonly rows: ReturnType<typeof waiter<ParsedRows>>;
  /** Moves the read path's clock on (not the venue's). */
  advance(ms: number): void;
  /** REST requests the adapter has sent so far. */
  restCalls(): number;
}

async function rig(streamFaults: StreamFaults = []): Promise<Rig> {
  const scenario = { ...loadScenario("basic"), streamFaults };
  const sim = createSimulator(scenario, { latency: "zero", rateLimits: false });
  const server = await startServer(sim, { port: 0, stream: { venue: sim.venue, faults: streamFaults } });
  cleanups.push(() => server.close());
  let offset = 0;
  const clock: Clock = { now: () => sim.venue.now() + offset };
  const key = sim.venue.accounts().find((a) => a.id === "main")!;
  const credentials = { apiKey: key.apiKey, secret: key.apiSecret };
  const exchange = createBybitAccount({ account: "main", ...credentials, baseUrl: server.url, clock });
  const events = waiter<WardenEvent>();
  const rows = waiter<ParsedRows>();
  const sink = { emit: (e: WardenEvent) => events.push(e) };
  const cache = new SnapshotCache([exchange], { clock, ttlMs: 2_000, freshnessMs: 2_000 });
  const readPath = new StreamReadPath(cache, {
    clock,
    parser: createStreamRowParser(),
    freshnessMs: 2_000,
    auditEveryMs: AUDIT_MS,
    echoTimeoutMs: 3_000,
    lookup: (_account, symbol, linkId) => exchange.lookupOrder(symbol, linkId),
    emit: emitter(sink, "stream", clock.now),
    open: (_account, onEvent) => new BybitPrivateStream({ url: privateStreamUrl(server.url), credentials, onEvent, backoffBaseMs: 5, backoffMaxMs: 20 }),
  });
  cleanups.push(() => readPath.close());
  readPath.onRows((_a, parsed) => rows.push(parsed));
  const bybit = bybitOnSim(sim, { url: server.url });
  await bybit.loadMarkets();
  await exchange.instruments();
  return { sim, clock, exchange, exchanges: new Map([["main", exchange]]), readPath, bybit, events, rows, restCalls: () => exchange.requestStats().total, advance: (ms) => void (offset += ms) };
}

const KEY = { account: "main", symbol: "BTCUSDT" } as const;

describe("stream read path", () => {
  test("goes live after one REST snapshot, then serves an order placed by ccxt from the stream with no REST read", async () => {
    const r = await rig();
    await r.readPath.connect("main");
    await r.readPath.prepare([KEY]);
    await r.events.next((e) => e.event === "stream.live");
    expect(r.readPath.isLive("main")).toBe(true);
    expect(r.readPath.view(KEY).orders.map((o) => o.linkId).sort()).toEqual(["seed-BTCUSDT-sl", "seed-BTCUSDT-tp1"]);
    const calls = r.restCalls();
    const created = await r.bybit.createOrder(SYMBOL, "limit", "buy", 0.01, 55_000, { clientOrderId: "by-hand-1" });
    await r.rows.next((p) => p.topic === "order" && p.rows.some((o) => o.id === created.id));
    const after = r.restCalls();
    r.readPath.resetCycle();
    await r.readPath.prepare([KEY], { accounts: ["main"] });
    expect(r.readPath.view(KEY).orders.map((o) => o.linkId)).toContain("by-hand-1");
    expect(r.restCalls()).toBe(after);
    expect(after).toBe(calls); // the order was placed by another client: Warden read nothing
  });

  test("audits with a full REST snapshot once auditEveryMs has passed, and reports no differences when the stream was right", async () => {
    const r = await rig();
    await r.readPath.connect("main");
    await r.readPath.prepare([KEY]);
    await r.events.next((e) => e.event === "stream.audit");
    const calls = r.restCalls();
    r.readPath.resetCycle();
    await r.readPath.prepare([KEY]);
    expect(r.restCalls()).toBe(calls);
    r.advance(AUDIT_MS);
    r.readPath.resetCycle();
    await r.readPath.prepare([KEY]);
    const audit = await r.events.next((e) => e.event === "stream.audit");
    expect(audit).toMatchObject({ account: "main", differences: 0 });
    expect(r.restCalls()).toBe(calls + 2);
  });

  test("falls back to polling when the server closes the link, and comes back through a fresh snapshot", async () => {
    const r = await rig([{ kind: "close", atStep: 1, count: 1 }, { kind: "drop", atStep: 2, count: 1 }]);
    await r.readPath.connect("main");
    await r.readPath.prepare([KEY]);
    await r.events.next((e) => e.event === "stream.live");
    for (const fault of ["close", "drop"]) {
      r.sim.step(1); // plays the fault of the next step
      expect(fault).toBeTruthy();
      await r.events.next((e) => e.event === "stream.fallback");
      expect(r.readPath.isLive("main")).toBe(false);
      await r.readPath.connect("main");
      const calls = r.restCalls();
      await r.readPath.prepare([KEY]);
      await r.events.next((e) => e.event === "stream.live");
      expect(r.restCalls()).toBe(calls + 2);
      expect(r.readPath.isLive("main")).toBe(true);
    }
  });

  test("serves an engine's steady cycles with zero REST requests, and the engine resizes the stop after an entry fill pushed on the stream", async () => {
    const r = await rig();
    const store = new MemoryStateStore({ clock: r.clock });
    const engineEvents: WardenEvent[] = [];
    const engine = createEngine({ exchanges: r.exchanges, readPath: r.readPath, store, clock: r.clock, sink: { emit: (e) => engineEvents.push(e) }, config: defaultEngineConfig(), budget: new RateBudget() });
    await engine.start();
    await r.readPath.connect("main");
    // Settle: the first cycles sync the stream and may write (each write is followed by a snapshot).
    for (let i = 0; i < 5; i++) {
      const settled = (await engine.cycle()).writes === 0 && r.readPath.isLive("main");
      r.advance(2_000);
      if (settled) break;
    }
    expect(r.readPath.isLive("main")).toBe(true);
    const calls = r.restCalls();
    const log = r.sim.log.length;
    for (let i = 0; i < 5; i++) {
      r.advance(2_000);
      const report = await engine.cycle();
      expect(report.restCalls).toBe(0);
      expect(report.writes).toBe(0);
    }
    expect(r.restCalls()).toBe(calls);
    expect(r.sim.log.length).toBe(log);
    // The trader adds to the position by hand; the fill and the position row come on the stream.
    await r.bybit.createOrder(SYMBOL, "market", "buy", 0.05);
    await r.rows.next((p) => p.topic === "position" && p.rows.some((row) => row.position !== undefined && Math.abs(row.position.size - 0.15) < 1e-9));
    // The monitor's next due time (the engine's interval; making it due at once is the event-driven engine's part).
    r.advance(5_000);
    const report = await engine.cycle();
    expect(report.due).toBe(1);
    expect(report.writes).toBeGreaterThan(0);
    expect(report.restCalls).toBe(report.writes); // the writes, and no read
    const stops = (await r.exchange.openOrders("BTCUSDT")).filter((o) => o.triggerPrice !== undefined && o.reduceOnly);
    expect(stops.map((o) => o.qty)).toEqual([0.15]);
  });
});
