/**
 * Every stream fault, on the in-process simulator's private stream (the same client code as
 * against `sim serve`): Warden says it left the stream (`stream.fallback`, with why) before
 * the next cycle, or at the cycle after a contradiction's deadline; reads by polling
 * meanwhile; keeps a full-size stop on the position (the trader adds to it during the fault);
 * and returns to the stream through a fresh snapshot (`stream.live`). Faults that the stream's
 * keys absorb (duplicates, reordered frames) leave it live with a view REST agrees with.
 * No fixed sleeps: the tests wait on events, on the in-process stream's deliveries, or on
 * manual timers.
 */
import { ManualTimers } from "../support/manual-timers.ts";
import { Arrivals } from "../support/arrivals.ts";
import { afterEach, describe, expect, test } from "bun:test";
import { openSimSession, SIM_BASE_URL, type SimSession, type SimStreamOptions } from "../../app/sim-session.ts";
import { defaultEngineConfig } from "../../core/engine/config.ts";
import type { WardenEvent } from "../../core/logs/event.ts";
import { simHandlers } from "../../core/sim/msw.ts";
import { mswFetch } from "../../core/sim/msw-fetch.ts";
import type { ScenarioInput } from "../../core/sim/scenario-schema.ts";
import { bybitOnSim, type Bybit } from "../support/ccxt-sim.ts";
import { buildScenario } from "../support/sim-requests.ts";

const SYMBOL = "BTC/USDT:USDT";
type Faults = NonNullable<ScenarioInput["streamFaults"]>;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Events as they come, with a waiter that hands each one out once. */
function eventLog() {
  const arrivals = new Arrivals<WardenEvent>();
  return {
    items: arrivals.items,
    sink: { emit: (e: WardenEvent) => arrivals.push(e) },
    next: (name: string, timeoutMs = 10_000): Promise<WardenEvent> => arrivals.next((i) => i.event === name, timeoutMs, `no ${name}`),
    since: (i: number, name: string) => arrivals.items.slice(i).filter((e) => e.event === name),
  };
}

interface Rig {
  readonly s: SimSession;
  readonly events: ReturnType<typeof eventLog>;
  readonly trader: Bybit;
  /** Warden's REST requests so far (every account). */
  restCalls(): number;
}

async function rig(faults: Faults, stream: SimStreamOptions = {}): Promise<Rig> {
  // a flat price: nothing fills unless the trader trades
  const scenario = buildScenario({ fields: { prices: { BTCUSDT: Array.from({ length: 60 }, () => 60_000) }, streamFaults: faults, latency: "zero" } });
  const events = eventLog();
  const s = await openSimSession(scenario, {
    strategy: "warden",
    latency: "zero",
    sink: events.sink,
    config: defaultEngineConfig(),
    stream: { ...stream, client: { backoffBaseMs: 5, backoffMaxMs: 20, ...stream.client } },
  });
  cleanups.push(() => s.close());
  const trader = bybitOnSim(s.sim, { url: SIM_BASE_URL });
  trader.fetchImplementation = mswFetch(simHandlers(s.sim, SIM_BASE_URL));
  await trader.loadMarkets();
  const restCalls = () => [...s.exchanges.values()].reduce((n, e) => n + e.requestStats().total, 0);
  return { s, events, trader, restCalls };
}

/** The stop orders working on BTCUSDT and the position's size, as the venue holds them. */
function venueProtection(s: SimSession): { size: number; stops: number[] } {
  const state = s.sim.venue.state() as { accounts: Record<string, { positions: { symbol: string; size: string }[]; openOrders: { list: { symbol: string; triggerPrice: string; reduceOnly: boolean; qty: string }[] } }> };
  const main = state.accounts["main"]!;
  const size = Number(main.positions.find((p) => p.symbol === "BTCUSDT")?.size ?? 0);
  const stops = main.openOrders.list.filter((o) => o.symbol === "BTCUSDT" && o.reduceOnly && o.triggerPrice !== "" && Number(o.triggerPrice) > 0).map((o) => Number(o.qty));
  return { size, stops };
}

/** Runs cycles until one makes no write (the start-up's repairs settled). */
async function settle(r: Rig): Promise<void> {
  for (let i = 0; i < 10; i++) if ((await r.s.runCycle()).writes === 0) return;
  throw new Error("the engine did not settle");
}

/** The trader adds 0.05 to the 0.1 long by hand; the stream (or polling) must lead Warden to a 0.15 stop. */
async function traderAdds(r: Rig): Promise<void> {
  await r.trader.createOrder(SYMBOL, "market", "buy", 0.05);
  await r.s.settle();
}

/** Cycles until the venue's stop covers the whole position (at most n). */
async function untilProtected(r: Rig, n = 6): Promise<void> {
  for (let i = 0; i < n; i++) {
    const p = venueProtection(r.s);
    if (p.size > 0 && p.stops.length === 1 && Math.abs(p.stops[0]! - p.size) < 1e-9) return;
    await r.s.runCycle();
  }
  expect(venueProtection(r.s)).toEqual({ size: 0.15, stops: [0.15] });
}

/** Back on the stream: the link is up again, and the next cycle's snapshot makes it live. */
async function backLive(r: Rig): Promise<WardenEvent> {
  for (let i = 0; i < 20 && !(await r.s.stream!.readPath.ready("main")); i++);
  const n = r.events.items.length;
  await r.s.runCycle();
  const live = r.events.since(n, "stream.live").find((e) => e["account"] === "main");
  expect(live).toBeDefined();
  expect(r.s.stream!.readPath.isLive("main")).toBe(true);
  return live!;
}

describe("stream faults, in process", () => {
  for (const [kind, why] of [
    ["close", "closed (1000)"],
    ["drop", "closed (1006)"],
  ] as const) {
    test(`${kind}: falls back before the next cycle, polls, keeps a full-size stop, returns through a snapshot`, async () => {
      const r = await rig([{ kind, atStep: 1, account: "main" }]);
      await settle(r); // steps the simulator to 1 at its end: the fault has fired
      const fallback = await r.events.next("stream.fallback");
      expect(fallback).toMatchObject({ account: "main", why });
      expect(r.s.stream!.readPath.isLive("main")).toBe(false);
      await traderAdds(r);
      const calls = r.restCalls();
      const n = r.events.items.length;
      await untilProtected(r);
      expect(r.restCalls()).toBeGreaterThan(calls);
      await backLive(r);
      const audit = r.events.since(n, "stream.audit").find((e) => e["account"] === "main" && e["why"] === "reconnect");
      expect(audit?.["calls"]).toBeGreaterThan(0);
    });
  }

  test("stall: the silent link is declared dead, Warden polls, stays protected and returns", async () => {
    const r = await rig([{ kind: "stall", atStep: 1, account: "main" }], { client: { pingEveryMs: 20, deadAfterMs: 150 } });
    await settle(r);
    await traderAdds(r); // pushed nowhere: the link is stalled
    const fallback = await r.events.next("stream.fallback");
    expect(String(fallback["why"])).toContain("silent for 150 ms");
    await untilProtected(r);
    await backLive(r);
  });

  for (const kind of ["refuse-auth", "refuse-subscribe"] as const) {
    test(`${kind}: a refused sign-in at start polls from the first cycle, stays protected, and goes live when a redial is accepted`, async () => {
      const r = await rig([{ kind, atStep: 0, account: "main", count: 2 }]);
      const fallback = await r.events.next("stream.fallback");
      expect(fallback).toMatchObject({ account: "main", why: `${kind === "refuse-auth" ? "auth" : "subscribe"} refused: Request not authorized` });
      const first = await r.s.runCycle();
      expect(first.restCalls).toBeGreaterThan(0);
      await backLive(r);
      await traderAdds(r);
      await untilProtected(r);
    });
  }

  test("refuse-connect (Bybit's connection-rate limit): dials refused at the handshake, Warden polls from the first cycle, stays protected, and goes live when a dial is let in", async () => {
    const r = await rig([{ kind: "refuse-connect", atStep: 0, count: 3 }]);
    const fallback = await r.events.next("stream.fallback");
    expect(fallback["account"]).toBe("main");
    const first = await r.s.runCycle();
    expect(first.restCalls).toBeGreaterThan(0);
    await backLive(r);
    expect(r.s.stream!.socket.stats().refused).toBe(3);
    await traderAdds(r);
    await untilProtected(r);
  });

  test("connection-rate limit: at the cap on dials the client waits out the 5-minute window while Warden polls, then returns", async () => {
    const timers = new ManualTimers();
    const r = await rig([{ kind: "refuse-auth", atStep: 0, account: "main", count: 4 }], { client: { timers, now: () => Date.now() + timers.now, maxAttemptsPer5Min: 3, random: () => 0 } });
    expect(String((await r.events.next("stream.fallback"))["why"])).toContain("auth refused");
    let connected = false;
    const up = async () => {
      while (!(await r.s.stream!.readPath.ready("main")));
      connected = true;
    };
    void up();
    const waits: number[] = [];
    for (let i = 0; i < 10 && !connected; i++) {
      await r.s.settle();
      if (connected) break;
      waits.push(timers.fireNext());
      await r.s.runCycle();
    }
    expect(connected).toBe(true);
    // three dials within the window, then one wait for it to pass, then the refused 4th and the accepted 5th
    expect(Math.max(...waits)).toBeGreaterThan(290_000);
    await backLive(r);
    await traderAdds(r);
    await untilProtected(r);
  });

  test("a dropped position frame after a fill is a contradiction: fallback, an audit that finds the size, live again, stop resized", async () => {
    const r = await rig([{ kind: "drop-frame", atStep: 1, account: "main", topic: "position" }]);
    await settle(r);
    await traderAdds(r);
    await r.s.runCycle(); // the deadline for the position row has not passed yet
    const n = r.events.items.length;
    await r.s.runCycle();
    const fallback = r.events.since(n, "stream.fallback")[0];
    expect(String(fallback?.["why"])).toContain("with no position row following");
    const audit = r.events.since(n, "stream.audit")[0];
    expect(audit).toMatchObject({ account: "main", differences: 1 });
    expect(JSON.stringify(audit?.["differed"])).toContain("long 0.15");
    expect(r.events.since(n, "stream.live")).toHaveLength(1);
    await untilProtected(r);
  });

  test("dropped order frames: an execution for an order never seen and a write with no echo are contradictions; the echo is looked up by orderLinkId", async () => {
    const r = await rig([{ kind: "drop-frame", atStep: 1, account: "main", topic: "order", count: 2 }]);
    await settle(r);
    await traderAdds(r); // its order frame is dropped; the position row comes and wakes Warden
    await r.s.runCycle(); // resizes the stop: that write's echo is dropped too
    const n = r.events.items.length;
    const calls = r.restCalls();
    await r.s.runCycle();
    const fallback = r.events.since(n, "stream.fallback")[0];
    expect(String(fallback?.["why"])).toContain("whose row has not come");
    expect(String(fallback?.["why"])).toContain("no echo of");
    // the lookup by orderLinkId, then the audit's snapshot
    expect(r.restCalls()).toBeGreaterThan(calls);
    expect(r.events.since(n, "stream.live")).toHaveLength(1);
    await untilProtected(r);
  });

  test("a frame delayed past the deadline is a contradiction too; Warden polls once and is live again", async () => {
    const r = await rig([{ kind: "delay", atStep: 1, account: "main", topic: "position", delayMs: 5_000 }]);
    await settle(r);
    await traderAdds(r);
    await r.s.runCycle();
    const n = r.events.items.length;
    await r.s.runCycle();
    expect(String(r.events.since(n, "stream.fallback")[0]?.["why"])).toContain("no position row following");
    expect(r.events.since(n, "stream.live")).toHaveLength(1);
    await untilProtected(r);
  });

  for (const [kind, topic] of [
    ["duplicate", "execution"],
    ["duplicate", "position"],
    ["reorder", "execution"],
    ["reorder", "order"],
  ] as const) {
    test(`${kind} ${topic} frames are absorbed by the stream's keys: no fallback, one resize of the stop, the audit finds no difference`, async () => {
      const r = await rig([{ kind, atStep: 1, account: "main", topic, count: 3 }]);
      await settle(r);
      const n = r.events.items.length;
      const calls = r.restCalls();
      await traderAdds(r);
      await untilProtected(r);
      expect(r.events.since(n, "stream.fallback")).toEqual([]);
      expect(r.events.since(n, "rule.applied").map((e) => e["rule"])).toEqual(["entry-filled-resize"]);
      // the writes, and no read
      const amends = r.events.since(n, "order.amended").length + r.events.since(n, "order.placed").length + r.events.since(n, "order.cancelled").length;
      expect(r.restCalls() - calls).toBe(amends);
      // a timer audit agrees with the stream's view
      for (let i = 0; i < 14; i++) await r.s.runCycle();
      const audits = r.events.since(n, "stream.audit").filter((e) => e["why"] === "timer");
      expect(audits.length).toBeGreaterThan(0);
      for (const a of audits) expect(a["differences"]).toBe(0);
    });
  }
});

