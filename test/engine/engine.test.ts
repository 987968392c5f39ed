/**
 * The engine's cycle against the in-memory fake behind the exchange port (MemoryExchange)
 * and the memory state store: failures of reads and writes, retries, refusals, restarts.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { defaultEngineConfig } from "../../core/engine/config.ts";
import { createEngine, type Engine } from "../../core/engine/engine.ts";
import { RateBudget } from "../../core/engine/rate-budget.ts";
import { readPathFor } from "../../core/engine/read-paths.ts";
import type { AccountId } from "../../core/domain/types.ts";
import { MemoryExchange } from "../../core/exchange/memory-exchange.ts";
import type { AccountExchange, PlaceOrder, WriteOutcome } from "../../core/exchange/port.ts";
import { MemorySink } from "../../core/logs/event.ts";
import { MemoryStateStore } from "../../core/store/memory-state-store.ts";

const START = Date.parse("2025-07-24T10:00:00Z");

/** A fake behind the port: the memory exchange, whose next creates answer with scripted outcomes. */
class ScriptedCreates implements AccountExchange {
  readonly account: AccountId;
  readonly outcomes: WriteOutcome[] = [];
  readonly sent: PlaceOrder[] = [];
  constructor(readonly inner: MemoryExchange) {
    this.account = inner.account;
  }
  instruments = () => this.inner.instruments();
  positions = (symbol?: string) => this.inner.positions(symbol);
  openOrders = (symbol?: string) => this.inner.openOrders(symbol);
  position = (symbol: string) => this.inner.position(symbol);
  lookupOrder = (symbol: string, linkId: string) => this.inner.lookupOrder(symbol, linkId);
  amend = (o: Parameters<AccountExchange["amend"]>[0]) => this.inner.amend(o);
  cancel = (symbol: string, linkId: string) => this.inner.cancel(symbol, linkId);
  requestStats = () => this.inner.requestStats();
  async place(order: PlaceOrder): Promise<WriteOutcome> {
    this.sent.push(order);
    const scripted = this.outcomes.shift();
    return scripted ?? this.inner.place(order);
  }
}

interface Rig {
  clock: VirtualClock;
  mem: MemoryExchange;
  exchange: ScriptedCreates;
  sink: MemorySink;
  store: MemoryStateStore;
  engine: Engine;
}

/** One long BTCUSDT position of 0.1 at 60 000 with a TP at 63 000 and a stop at 57 000. */
async function rig(store = new MemoryStateStore(), budget = new RateBudget()): Promise<Rig> {
  const clock = new VirtualClock(START);
  const mem = new MemoryExchange("main", { clock, marks: { BTCUSDT: 60_000 } });
  mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  await mem.place({ symbol: "BTCUSDT", linkId: "seed-tp", side: "sell", type: "limit", qty: 0.1, price: 63_000, reduceOnly: true });
  await mem.place({ symbol: "BTCUSDT", linkId: "seed-sl", side: "sell", type: "market", qty: 0.1, triggerPrice: 57_000, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true });
  return start(clock, mem, store, budget);
}

async function start(clock: VirtualClock, mem: MemoryExchange, store: MemoryStateStore, budget = new RateBudget()): Promise<Rig> {
  const exchange = new ScriptedCreates(mem);
  const exchanges = new Map<AccountId, AccountExchange>([["main", exchange]]);
  const config = defaultEngineConfig();
  const sink = new MemorySink();
  const engine = createEngine({ exchanges, readPath: readPathFor("warden", exchanges, clock, config), store, clock, sink, config, budget });
  await engine.start();
  return { clock, mem, exchange, sink, store, engine };
}

async function cycleAfter(r: Rig, ms: number) {
  r.clock.advance(ms);
  return r.engine.cycle();
}

const workingStops = (mem: MemoryExchange) => mem.allOrders().filter((o) => o.triggerPrice !== undefined && o.status === "untriggered");

describe("engine cycle", () => {
  test("adopts the position at start-up and writes nothing while nothing moves", async () => {
    const r = await rig();
    const report = await cycleAfter(r, 0);
    expect(r.engine.monitors().map((m) => [m.id, m.plan.kind, m.status])).toEqual([["main:BTCUSDT:long", "fast", "active"]]);
    expect(report.writes).toBe(0);
    expect(report.restCalls).toBe(2); // one position page, one order page
  });

  test("a rate-limited snapshot read skips the cycle's decisions without failing, and the next cycle decides", async () => {
    const r = await rig();
    r.mem.cancelByHand("seed-sl");
    r.mem.failNext("rate-limited");
    const skipped = await cycleAfter(r, 5_000);
    expect(skipped.writes).toBe(0);
    expect(r.sink.named("rate.backoff").length).toBe(1);
    await cycleAfter(r, 5_000);
    expect(r.sink.named("rule.applied").map((e) => e["rule"])).toContain("sl-restored");
    expect(workingStops(r.mem).length).toBe(1);
  });

  test("a create the exchange did not apply (rate limit) is decided again next cycle, leaving exactly one stop", async () => {
    const r = await rig();
    r.mem.cancelByHand("seed-sl");
    r.exchange.outcomes.push({ status: "rate-limited", retryAt: START + 1_000 });
    await cycleAfter(r, 5_000);
    expect(workingStops(r.mem)).toEqual([]);
    await cycleAfter(r, 5_000);
    const links = r.exchange.sent.map((o) => o.linkId);
    expect(links.length).toBe(2);
    expect(new Set(links).size).toBe(2);
    expect(workingStops(r.mem).map((o) => o.linkId)).toEqual([links[1]!]);
    expect(r.engine.monitors()[0]!.slRestoredCount).toBe(1);
    await cycleAfter(r, 60_000);
    expect(r.exchange.sent.length).toBe(2);
  });

  test("a stop held back by an IP ban is placed once when the ban ends, never twice", async () => {
    let wall = 1_000_000;
    const r = await rig(new MemoryStateStore(), new RateBudget({ now: () => wall }));
    r.mem.failNext("ip-banned");
    await cycleAfter(r, 5_000);
    r.mem.cancelByHand("seed-sl");
    for (let i = 0; i < 5; i++) await cycleAfter(r, 15_000); // past the grace window, still banned
    expect(r.exchange.sent).toEqual([]);
    wall += 10 * 60_000 + 1;
    for (let i = 0; i < 3; i++) await cycleAfter(r, 15_000);
    expect(workingStops(r.mem).length).toBe(1);
    expect(r.exchange.sent.length).toBe(1);
  });

  test("a stop the exchange refuses for good raises an alert and is decided again, so the position does not stay unprotected", async () => {
    const r = await rig();
    r.mem.cancelByHand("seed-sl");
    r.exchange.outcomes.push({ status: "rejected", code: "110093", reason: "expect Falling, but trigger_price >= current" });
    await cycleAfter(r, 5_000);
    expect(r.sink.named("alert").map((e) => e["level"])).toContain("error");
    expect(workingStops(r.mem)).toEqual([]);
    await cycleAfter(r, 5_000);
    expect(workingStops(r.mem).length).toBe(1);
    expect(r.mem.allOrders().filter((o) => o.triggerPrice !== undefined && o.status === "untriggered").length).toBe(1);
  });

  test("an IP ban on a read stops every write until it ends", async () => {
    const r = await rig();
    r.mem.failNext("ip-banned");
    await cycleAfter(r, 5_000);
    r.mem.cancelByHand("seed-sl");
    await cycleAfter(r, 5_000);
    expect(r.exchange.sent).toEqual([]);
    expect(r.sink.named("order.failed").map((e) => e["status"])).toEqual(["skipped"]);
  });

  test("a position opened after start-up is adopted from the account snapshot and protected, with no call of its own", async () => {
    const r = await rig();
    r.mem.setMark("ETHUSDT", 3_000);
    r.mem.setPosition("ETHUSDT", "long", 1, 3_000);
    const report = await cycleAfter(r, 15_000);
    expect(r.engine.monitors().map((m) => m.id).sort()).toEqual(["main:BTCUSDT:long", "main:ETHUSDT:long"]);
    expect(r.sink.named("monitor.adopted").filter((e) => e["when"] === "running").map((e) => e["monitor"])).toEqual(["main:ETHUSDT:long"]);
    const ethStops = workingStops(r.mem).filter((o) => o.symbol === "ETHUSDT");
    expect(ethStops.map((o) => o.qty)).toEqual([1]);
    expect({ reads: report.restCalls - report.writes, writes: report.writes }).toEqual({ reads: 2, writes: 1 }); // the snapshot it read anyway, then the stop
  });

  test("a position reopened after its stop was hit gets a new monitor life and new orderLinkIds", async () => {
    const r = await rig();
    r.mem.setMark("BTCUSDT", 56_900);
    r.mem.trigger("seed-sl");
    await cycleAfter(r, 5_000);
    expect(r.engine.monitors()[0]!.status).toBe("closed");
    r.mem.setMark("BTCUSDT", 60_000);
    r.mem.setPosition("BTCUSDT", "long", 0.2, 60_000);
    await cycleAfter(r, 15_000);
    const reborn = r.engine.monitors().find((m) => m.id === "main:BTCUSDT:long")!;
    expect(reborn.status).toBe("active");
    expect(workingStops(r.mem).map((o) => o.qty)).toEqual([0.2]);
    expect(r.sink.named("order.failed")).toEqual([]);
  });

  test("a restart reconciles from the stored monitors and does not place what is already working", async () => {
    const store = new MemoryStateStore();
    const first = await rig(store);
    first.mem.cancelByHand("seed-sl");
    await cycleAfter(first, 5_000);
    expect(workingStops(first.mem).length).toBe(1);
    const second = await start(first.clock, first.mem, store);
    await cycleAfter(second, 5_000);
    expect(second.exchange.sent).toEqual([]);
    expect(workingStops(second.mem).length).toBe(1);
    expect(second.engine.monitors()[0]!.slRestoredCount).toBe(1);
  });
});

describe("engine cycle, hedge mode", () => {
  /** A hedge-mode account with a long (0.1 @ 60 000) and a short (0.05 @ 60 500) on BTCUSDT, each with its TP and its stop. */
  async function hedgeRig(): Promise<Rig> {
    const clock = new VirtualClock(START);
    const mem = new MemoryExchange("main", { clock, marks: { BTCUSDT: 60_000 }, positionMode: "hedge" });
    mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    mem.setPosition("BTCUSDT", "short", 0.05, 60_500);
    const seeds = [
      { linkId: "long-tp", side: "sell", type: "limit", qty: 0.1, price: 63_000, reduceOnly: true, positionIdx: 1 },
      { linkId: "long-sl", side: "sell", type: "market", qty: 0.1, triggerPrice: 57_000, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true, positionIdx: 1 },
      { linkId: "short-tp", side: "buy", type: "limit", qty: 0.05, price: 58_000, reduceOnly: true, positionIdx: 2 },
      { linkId: "short-sl", side: "buy", type: "market", qty: 0.05, triggerPrice: 63_500, triggerDirection: "rise", reduceOnly: true, closeOnTrigger: true, positionIdx: 2 },
    ] as const;
    for (const seed of seeds) expect((await mem.place({ symbol: "BTCUSDT", ...seed })).status).toBe("ok");
    return start(clock, mem, new MemoryStateStore());
  }

  const states = (r: Rig) => r.engine.monitors().map((m) => [m.id, m.status, m.size]).sort();

  test("a long and a short on one symbol each get their own monitor, and neither is closed as flat", async () => {
    const r = await hedgeRig();
    expect(states(r)).toEqual([["main:BTCUSDT:long", "active", 0.1], ["main:BTCUSDT:short", "active", 0.05]]);
    let writes = 0;
    for (const ms of [0, 15_000, 60_000, 60_000]) writes += (await cycleAfter(r, ms)).writes;
    expect(states(r)).toEqual([["main:BTCUSDT:long", "active", 0.1], ["main:BTCUSDT:short", "active", 0.05]]);
    expect(r.sink.named("monitor.closed")).toEqual([]);
    expect(writes).toBe(0);
    expect(workingStops(r.mem).map((o) => o.linkId).sort()).toEqual(["long-sl", "short-sl"]);
  });

  test("a stop cancelled by hand on the short is restored on the short's position index, and the long is untouched", async () => {
    const r = await hedgeRig();
    await cycleAfter(r, 0);
    r.mem.cancelByHand("short-sl");
    await cycleAfter(r, 15_000);
    const stops = workingStops(r.mem).filter((o) => o.side === "buy");
    expect(stops.map((o) => [o.qty, o.triggerPrice, o.positionIdx])).toEqual([[0.05, 63_500, 2]]);
    expect(r.sink.named("order.failed")).toEqual([]);
    expect(workingStops(r.mem).filter((o) => o.side === "sell").map((o) => o.linkId)).toEqual(["long-sl"]);
  });

  test("the long's stop closes the long's monitor only; the short's monitor and orders stay", async () => {
    const r = await hedgeRig();
    await cycleAfter(r, 0);
    r.mem.setMark("BTCUSDT", 56_900);
    r.mem.trigger("long-sl");
    await cycleAfter(r, 15_000); // both monitors due again (active urgency)
    const byId = new Map(r.engine.monitors().map((m) => [m.id, m]));
    expect(byId.get("main:BTCUSDT:long")?.status).toBe("closed");
    expect(byId.get("main:BTCUSDT:short")).toMatchObject({ status: "active", size: 0.05 });
    const open = (await r.mem.openOrders("BTCUSDT")).map((o) => o.linkId).sort();
    expect(open).toEqual(["short-sl", "short-tp"]);
  });
});
