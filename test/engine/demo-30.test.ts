/**
 * Issue 3's acceptance on demo-30, in process: the real engine, snapshot cache, ccxt
 * adapter and simulator (through msw handlers) play the whole price path; the events and
 * the exchange's final state must show every rule applied as DESIGN says.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { CycleReport } from "../../core/engine/engine.ts";
import { openSimSession, type SimSession } from "../../app/sim-session.ts";
import type { ExchangeOrder, ExchangePosition } from "../../core/domain/types.ts";
import { MemorySink, type WardenEvent } from "../../core/logs/event.ts";
import { loadScenario } from "../../core/sim/scenario.ts";

interface AccountCounts {
  positions: number;
  orders: number;
}

interface Played {
  session: SimSession;
  events: WardenEvent[];
  cycles: { report: CycleReport; floor: number }[];
  final: Map<string, { positions: ExchangePosition[]; orders: ExchangeOrder[] }>;
}

/** ceil(N/200) + ceil(M/50) per account read, each listing at least one call. */
function floorOf(counts: readonly AccountCounts[]): number {
  return counts.reduce((sum, c) => sum + Math.max(1, Math.ceil(c.positions / 200)) + Math.max(1, Math.ceil(c.orders / 50)), 0);
}

function countsNow(session: SimSession): AccountCounts[] {
  const state = session.sim.venue.state() as { accounts: Record<string, { positions: unknown[]; openOrders: { count: number } }> };
  return Object.values(state.accounts).map((a) => ({ positions: a.positions.length, orders: a.openOrders.count }));
}

async function play(): Promise<Played> {
  const sink = new MemorySink();
  const session = await openSimSession(loadScenario("demo-30"), { strategy: "warden", latency: "zero", sink });
  const cycles: Played["cycles"] = [];
  while (!session.finished()) {
    const floor = floorOf(countsNow(session));
    cycles.push({ report: await session.runCycle(), floor });
  }
  const final = new Map<string, { positions: ExchangePosition[]; orders: ExchangeOrder[] }>();
  for (const [account, exchange] of session.exchanges) final.set(account, { positions: await exchange.positions(), orders: await exchange.openOrders() });
  return { session, events: sink.events, cycles, final };
}

function named(events: readonly WardenEvent[], name: string, where: Record<string, unknown> = {}): WardenEvent[] {
  return events.filter((e) => e.event === name && Object.entries(where).every(([k, v]) => e[k] === v));
}

describe("run on demo-30 (engine + cache + ccxt adapter + simulator)", () => {
  let run: Played;
  beforeAll(async () => {
    run = await play();
  }, 120_000);

  test("plays the scenario to its end with fills of every kind", () => {
    expect(run.session.finished()).toBe(true);
    const roles = new Set(named(run.events, "fill.detected").map((e) => `${e["role"]}${e["index"]}`));
    expect(roles).toContain("tp0");
    expect(roles).toContain("entry0");
    expect(roles).toContain("sl0");
  });

  test("every conservative TP1 fill moves the stop to breakeven and cancels the unfilled entries in that cycle", () => {
    const conservative = new Set(named(run.events, "monitor.adopted", { plan: "conservative" }).map((e) => e["monitor"]));
    const tp1 = named(run.events, "fill.detected", { role: "tp", index: 0 }).filter((e) => conservative.has(e["monitor"]));
    expect(tp1.length).toBeGreaterThan(0);
    for (const fill of tp1) {
      const rule = named(run.events, "rule.applied", { monitor: fill["monitor"], rule: "tp1-filled-breakeven" });
      expect(rule.map((r) => r.ts)).toEqual([fill.ts]);
      const amended = named(run.events, "order.amended", { monitor: fill["monitor"], role: "sl" }).filter((e) => e.ts === fill.ts);
      expect(amended.map((e) => e["triggerPrice"])).toEqual([rule[0]!["triggerPrice"]]);
      for (const entry of (rule[0]!["cancelledEntries"] as string[]) ?? []) {
        expect(named(run.events, "order.cancelled", { monitor: fill["monitor"], linkId: entry }).map((e) => e.ts)).toEqual([fill.ts]);
      }
      const [account, symbol] = String(fill["monitor"]).split(":");
      const entriesLeft = run.final.get(account!)!.orders.filter((o) => o.symbol === symbol && !o.reduceOnly);
      expect(entriesLeft).toEqual([]);
    }
  });

  test("every entry fill resizes the TPs and the stop to the new position size in that cycle", () => {
    const entries = named(run.events, "fill.detected", { role: "entry" });
    expect(entries.length).toBeGreaterThan(0);
    for (const fill of entries) {
      const rule = named(run.events, "rule.applied", { monitor: fill["monitor"], rule: "entry-filled-resize" }).find((e) => e.ts === fill.ts);
      expect(rule).toBeDefined();
      const sl = named(run.events, "order.amended", { monitor: fill["monitor"], role: "sl" }).filter((e) => e.ts === fill.ts);
      expect(sl.map((e) => e["qty"])).toEqual([rule!["size"]]);
      const tps = named(run.events, "order.amended", { monitor: fill["monitor"], role: "tp" }).filter((e) => e.ts === fill.ts);
      expect(tps.length).toBeGreaterThan(0);
    }
  });

  test("a closed position leaves no working order, and every open position has one stop for its whole size", () => {
    for (const [account, { positions, orders }] of run.final) {
      const open = new Set(positions.map((p) => p.symbol));
      const stranded = orders.filter((o) => !open.has(o.symbol));
      expect({ account, stranded: stranded.map((o) => o.linkId) }).toEqual({ account, stranded: [] });
      for (const p of positions) {
        const stops = orders.filter((o) => o.symbol === p.symbol && o.triggerPrice !== undefined && o.reduceOnly);
        expect({ account, symbol: p.symbol, stops: stops.map((s) => s.qty) }).toEqual({ account, symbol: p.symbol, stops: [p.size] });
      }
    }
    const closed = named(run.events, "monitor.closed").map((e) => e["reason"]);
    expect(closed).toContain("stop-hit");
    expect(closed).toContain("flat");
  });

  test("the stop cancelled by hand is restored exactly once", () => {
    const restored = named(run.events, "rule.applied", { rule: "sl-restored" });
    expect(restored.map((e) => e["monitor"])).toEqual(["main:ETHUSDT:long"]);
    const placed = named(run.events, "order.placed", { monitor: "main:ETHUSDT:long", role: "sl" });
    expect(placed.length).toBe(1);
  });

  test("the mirror follows main at its ratio, including main's position closed by hand", () => {
    const ratio = loadScenario("demo-30").accounts["mirror"]!.ratio!;
    const main = run.final.get("main")!.positions;
    for (const m of run.final.get("mirror")!.positions) {
      const twin = main.find((p) => p.symbol === m.symbol && p.side === m.side);
      expect(twin).toBeDefined();
      expect(Math.abs(m.size - twin!.size * ratio)).toBeLessThanOrEqual(twin!.size * 0.01);
    }
    expect(named(run.events, "rule.applied", { rule: "mirror-close-followed", monitor: "mirror:XRPUSDT:long" }).length).toBe(1);
    expect(named(run.events, "mirror.diverged")).toEqual([]);
  });

  test("steady-state cycles make exactly the floor of calls, none for a single monitor", () => {
    const steady = run.cycles.filter((c) => c.report.writes === 0 && c.report.lookups === 0 && c.report.due > 0);
    expect(steady.length).toBeGreaterThan(run.cycles.length / 2);
    for (const c of steady) expect({ cycle: c.report.cycle, calls: c.report.restCalls }).toEqual({ cycle: c.report.cycle, calls: c.floor });
    expect(steady[0]!.floor).toBe(5); // main: 1 + ceil(90/50); mirror: 1 + ceil(45/50)
  });
});
