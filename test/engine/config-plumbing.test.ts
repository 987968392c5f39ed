/**
 * One source of configuration: what `--config` says is what the rules use. The plan ladder
 * of an adopted position with working entries but no TPs is `plan.ladder`; the stop of an
 * adopted naked position is `plan.defaultStopPct` from entry; and the domain functions take
 * their settings, with no default of their own to disagree with the config's.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { adoptPosition, inferOrders, planFrom } from "../../core/domain/adoption.ts";
import { evaluate } from "../../core/domain/evaluate.ts";
import { reconcile } from "../../core/domain/reconcile.ts";
import { needsLookup, sight, sightAll } from "../../core/domain/sighting.ts";
import { reschedule } from "../../core/domain/settled.ts";
import type { AccountId } from "../../core/domain/types.ts";
import { dueInterval, urgency } from "../../core/domain/urgency.ts";
import { defaultEngineConfig, parseEngineConfig, type EngineConfig } from "../../core/engine/config.ts";
import { createEngine, type Engine } from "../../core/engine/engine.ts";
import { RateBudget } from "../../core/engine/rate-budget.ts";
import { readPathFor } from "../../core/engine/read-paths.ts";
import { ruleConfigOf } from "../../core/engine/rule-config.ts";
import { MemoryExchange } from "../../core/exchange/memory-exchange.ts";
import type { AccountExchange } from "../../core/exchange/port.ts";
import { MemorySink } from "../../core/logs/event.ts";
import { MemoryStateStore } from "../../core/store/memory-state-store.ts";

const START = Date.parse("2025-07-24T10:00:00Z");

async function engineOn(mem: MemoryExchange, clock: VirtualClock, config: EngineConfig): Promise<Engine> {
  const exchanges = new Map<AccountId, AccountExchange>([["main", mem]]);
  const engine = createEngine({ exchanges, readPath: readPathFor("warden", exchanges, clock, config), store: new MemoryStateStore(), clock, sink: new MemorySink(), config, budget: new RateBudget() });
  await engine.start();
  return engine;
}

/** A long BTCUSDT position of 0.1 at 60 000 (mark 60 000). */
function exchangeWithPosition(clock: VirtualClock): MemoryExchange {
  const mem = new MemoryExchange("main", { clock, marks: { BTCUSDT: 60_000 } });
  mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  return mem;
}

const stopsOf = (mem: MemoryExchange) => mem.allOrders().filter((o) => o.triggerPrice !== undefined && o.status === "untriggered");

describe("the engine's config reaches the rules", () => {
  test("plan.ladder [50, 50]: an adopted position with a working entry and no TP gets a 50/50 conservative plan", async () => {
    const clock = new VirtualClock(START);
    const mem = exchangeWithPosition(clock);
    await mem.place({ symbol: "BTCUSDT", linkId: "seed-entry", side: "buy", type: "limit", qty: 0.05, price: 59_000, reduceOnly: false });
    await mem.place({ symbol: "BTCUSDT", linkId: "seed-sl", side: "sell", type: "market", qty: 0.1, triggerPrice: 57_000, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true });
    const engine = await engineOn(mem, clock, parseEngineConfig({ plan: { ladder: [50, 50] } }, "test"));
    expect(engine.monitors().map((m) => m.plan)).toEqual([{ kind: "conservative", ladder: [50, 50] }]);
  });

  test("the default config: the same position gets the default ladder, 85/5/5/5", async () => {
    const clock = new VirtualClock(START);
    const mem = exchangeWithPosition(clock);
    await mem.place({ symbol: "BTCUSDT", linkId: "seed-entry", side: "buy", type: "limit", qty: 0.05, price: 59_000, reduceOnly: false });
    const engine = await engineOn(mem, clock, defaultEngineConfig());
    expect(engine.monitors().map((m) => m.plan)).toEqual([{ kind: "conservative", ladder: [85, 5, 5, 5] }]);
  });

  test.each([
    [undefined, 57_000],
    [3, 58_200],
  ] as const)("plan.defaultStopPct %p: an adopted naked position's stop is placed at %p", async (pct, trigger) => {
    const clock = new VirtualClock(START);
    const mem = exchangeWithPosition(clock);
    const config = parseEngineConfig(pct === undefined ? {} : { plan: { defaultStopPct: pct } }, "test");
    const engine = await engineOn(mem, clock, config);
    await engine.cycle();
    expect(stopsOf(mem).map((o) => [o.triggerPrice, o.qty])).toEqual([[trigger, 0.1]]);
  });

  test("a config section left out gets the same field defaults as an empty one", () => {
    expect(parseEngineConfig({}, "test")).toEqual(parseEngineConfig({ urgency: {}, plan: {}, cache: {} }, "test"));
  });
});

describe("the domain has no settings of its own", () => {
  test("every rule function takes its settings as a required argument (no default parameter)", () => {
    // Function.length counts the parameters before the first one with a default.
    expect(evaluate.length).toBe(4);
    expect(sight.length).toBe(5);
    expect(sightAll.length).toBe(4);
    expect(needsLookup.length).toBe(4);
    expect(reschedule.length).toBe(4);
    expect(urgency.length).toBe(3);
    expect(dueInterval.length).toBe(2);
    expect(reconcile.length).toBe(5);
    expect(planFrom.length).toBe(2);
    expect(inferOrders.length).toBe(4);
    expect(adoptPosition.length).toBe(6);
  });

  test("the rule settings the engine derives carry the config's ladder", () => {
    const rules = ruleConfigOf(parseEngineConfig({ plan: { ladder: [60, 40] } }, "test"));
    expect(rules.ladder).toEqual([60, 40]);
    expect(ruleConfigOf(defaultEngineConfig())).toMatchObject({ ladder: [85, 5, 5, 5], defaultStopPct: 5, graceMs: 10_000, breakevenBufferBps: 11 });
  });
});
