/**
 * Plans a trader sets in config: what a position adopted without orders gets, and how the
 * stop moves as TPs fill (breakeven after TP n, stop to the previous TP, trailing).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { adoptPosition } from "../../core/domain/adoption.ts";
import { evaluate } from "../../core/domain/evaluate.ts";
import type { Monitor } from "../../core/domain/monitor.ts";
import { defaultLadder } from "../../core/domain/plan-book.ts";
import type { RuleConfig } from "../../core/domain/plan.ts";
import type { ExchangeOrder } from "../../core/domain/types.ts";
import { parseEngineConfig } from "../../core/engine/config.ts";
import { ruleConfigOf } from "../../core/engine/rule-config.ts";
import { T0, applyWrites, exchangeOrder, makeInstrument, makePosition, makeView, ofKind, rules as ruleNames } from "./builders.ts";

const rulesWith = (plans: unknown): RuleConfig => ruleConfigOf(parseEngineConfig({ plans }, "test config"));
const BTC = makeInstrument();

function adopt(config: RuleConfig, over: Parameters<typeof makePosition>[0] = {}, orders: readonly ExchangeOrder[] = []): Monitor {
  return adoptPosition("main", makePosition({ size: 0.1, entryPrice: 60_000, markPrice: 60_000, ...over }), orders, T0, config, BTC);
}

/** One evaluation on a listing; returns the monitor and the listing after its writes. */
function step(m: Monitor, listing: readonly ExchangeOrder[], mark: number, size: number, now: number, config: RuleConfig, lookups = new Map<string, ExchangeOrder | null>()) {
  const view = makeView(m, { position: makePosition({ side: m.side, size, entryPrice: m.entryPrice, markPrice: mark }), orders: listing, snapshotAt: now, lookups });
  const result = evaluate(m, view, now, config);
  return { monitor: result.monitor, actions: result.actions, listing: applyWrites(listing, result.actions) };
}

describe("plans in config", () => {
  test("every problem of a plan is listed with its path, and the file is refused", () => {
    let message = "";
    try {
      rulesWith({ BTCUSDT: { tpPcts: [2, 1], ladder: [50] }, btc: {}, default: { trail: { afterTp: 3, distancePct: 1 }, tpPcts: [1] } });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const problem of ["plans.BTCUSDT.tpPcts: nearest first", "plans.BTCUSDT.ladder: one share per TP", "plans.BTCUSDT.ladder: shares must sum to 100", "plans.btc", "plans.default.trail.afterTp"]) {
      expect({ problem, listed: message.includes(problem) }).toEqual({ problem, listed: true });
    }
    expect(message).toStartWith("test config: 5 problem(s)");
  });

  test("the default ladder: 100 for one TP, 85/5/5/5 for four, an even split otherwise", () => {
    expect([1, 2, 3, 4].map(defaultLadder)).toEqual([[100], [50, 50], [34, 33, 33], [85, 5, 5, 5]]);
  });

  test("a position adopted without orders gets its symbol's plan: the stop and the TP ladder on the tick grid, and says where it came from", () => {
    const config = rulesWith({ default: { stopPct: 5, tpPcts: [3] }, BTCUSDT: { stopPct: 2, tpPcts: [1, 2, 3, 5] } });
    const m = adopt(config);
    expect({ stop: m.stopPrice, tps: m.tpPrices, plan: m.plan, source: m.rules?.source }).toEqual({
      stop: 58_800, tps: [60_600, 61_200, 61_800, 63_000], plan: { kind: "conservative", ladder: [85, 5, 5, 5] }, source: "config:BTCUSDT",
    });
    const first = evaluate(m, makeView(m, { orders: [] }), T0, config);
    expect(ofKind(first.actions, "place").map((a) => [a.role, a.qty, a.price ?? a.triggerPrice])).toEqual([
      ["sl", 0.1, 58_800], ["tp", 0.085, 60_600], ["tp", 0.005, 61_200], ["tp", 0.005, 61_800], ["tp", 0.005, 63_000],
    ]);
    const short = adopt(config, { side: "short", symbol: "ETHUSDT" });
    expect({ stop: short.stopPrice, tps: short.tpPrices, source: short.rules?.source }).toEqual({ stop: 63_000, tps: [58_200], source: "config:default" });
  });

  test("orders found on the exchange win over the plan; the plan fills in only what they lack", () => {
    const config = rulesWith({ default: { stopPct: 5, tpPcts: [3] } });
    const theirs = exchangeOrder({ role: "sl", index: 0, linkId: "my-stop", side: "sell", triggerPrice: 59_000, qty: 0.1, filledQty: 0, state: "working" }, { type: "market", price: undefined, status: "untriggered" });
    const m = adopt(config, {}, [theirs]);
    expect({ stop: m.stopPrice, tps: m.tpPrices, source: m.rules?.source }).toEqual({ stop: 59_000, tps: [61_800], source: "exchange orders + config:default" });
  });

  test("without plans, today's behaviour: a stop at plan.defaultStopPct, no TP", () => {
    const config = rulesWith({});
    const m = adopt(config);
    expect({ stop: m.stopPrice, tps: m.tpPrices, source: m.rules?.source }).toEqual({ stop: undefined, tps: [], source: "defaults" });
    expect(ofKind(evaluate(m, makeView(m, { orders: [] }), T0, config).actions, "place").map((a) => [a.role, a.triggerPrice])).toEqual([["sl", 57_000]]);
  });

  test("TP rungs of less than one lot are merged into the farthest, and the event says so", () => {
    const config = rulesWith({ BTCUSDT: { stopPct: 2, tpPcts: [1, 2, 3, 5] } });
    const m = adopt(config, { size: 0.003 });
    const { actions } = evaluate(m, makeView(m, { position: makePosition({ size: 0.003 }), orders: [] }), T0, config);
    expect(ofKind(actions, "place").filter((a) => a.role === "tp").map((a) => [a.qty, a.price])).toEqual([[0.002, 60_600], [0.001, 63_000]]);
    expect(ofKind(actions, "rule").find((a) => a.rule === "tp-rungs-merged")?.detail).toMatchObject({ rungs: [2, 3], into: 4 });
  });
});

describe("the stop's moves as TPs fill", () => {
  /** An adopted long with the plan's orders placed and listed. */
  function placed(plans: unknown) {
    const config = rulesWith(plans);
    let m = adopt(config);
    let listing: ExchangeOrder[] = [];
    ({ monitor: m, listing } = step(m, listing, 60_000, 0.1, T0, config));
    ({ monitor: m, listing } = step(m, listing, 60_000, 0.1, T0 + 20_000, config));
    return { config, m, listing };
  }
  /** TP rung `index` fills: the listing loses it, a lookup says filled, the position shrinks. */
  function fillTp(m: Monitor, listing: ExchangeOrder[], index: number) {
    const tp = m.orders.find((o) => o.role === "tp" && o.index === index && o.state === "working")!;
    return { listing: listing.filter((o) => o.linkId !== tp.linkId), lookups: new Map([[tp.linkId, exchangeOrder(tp, { status: "filled", filledQty: tp.qty })]]), qty: tp.qty };
  }
  const stopOf = (listing: readonly ExchangeOrder[]) => listing.filter((o) => o.triggerPrice !== undefined).map((o) => o.triggerPrice);

  test("breakevenAfterTp 2: TP1 leaves the stop, TP2 moves it to breakeven; 0: never", () => {
    let { config, m, listing } = placed({ BTCUSDT: { stopPct: 2, tpPcts: [1, 2, 3], breakevenAfterTp: 2 } });
    let fill = fillTp(m, listing, 0);
    ({ monitor: m, listing } = step(m, fill.listing, 60_700, 0.1 - fill.qty, T0 + 40_000, config, fill.lookups));
    expect(stopOf(listing)).toEqual([58_800]);
    fill = fillTp(m, listing, 1);
    ({ monitor: m, listing } = step(m, fill.listing, 61_300, 0.1 - 0.034 - fill.qty, T0 + 60_000, config, fill.lookups));
    expect(stopOf(listing)).toEqual([60_066]);

    ({ config, m, listing } = placed({ BTCUSDT: { stopPct: 2, tpPcts: [1, 2], breakevenAfterTp: 0 } }));
    fill = fillTp(m, listing, 0);
    ({ monitor: m, listing } = step(m, fill.listing, 60_700, 0.05, T0 + 40_000, config, fill.lookups));
    expect(stopOf(listing)).toEqual([58_800]);
  });

  test("stopToPreviousTp: after TP2 fills the stop moves to TP1's price", () => {
    let { config, m, listing } = placed({ BTCUSDT: { stopPct: 2, tpPcts: [1, 2, 3], stopToPreviousTp: true } });
    let fill = fillTp(m, listing, 0);
    ({ monitor: m, listing } = step(m, fill.listing, 60_700, 0.066, T0 + 40_000, config, fill.lookups));
    ({ monitor: m, listing } = step(m, listing, 60_700, 0.066, T0 + 60_000, config)); // breakeven seen done
    fill = fillTp(m, listing, 1);
    const after = step(m, fill.listing, 61_300, 0.033, T0 + 80_000, config, fill.lookups);
    expect(stopOf(after.listing)).toEqual([60_600]);
    expect(ruleNames(after.actions)).toContain("sl-to-previous-tp");
  });

  test("trail: once TP afterTp has filled the stop follows the best mark at distancePct, and never moves back", () => {
    let { config, m, listing } = placed({ BTCUSDT: { stopPct: 2, tpPcts: [1, 2], trail: { afterTp: 1, distancePct: 1 } } });
    const fill = fillTp(m, listing, 0);
    ({ monitor: m, listing } = step(m, fill.listing, 61_000, 0.015, T0 + 40_000, config, fill.lookups)); // breakeven first
    let now = T0 + 60_000;
    for (const [mark, expected] of [[61_000, 60_390], [62_000, 61_380], [61_500, 61_380], [63_000, 62_370]] as const) {
      ({ monitor: m, listing } = step(m, listing, mark, 0.015, now, config));
      ({ monitor: m, listing } = step(m, listing, mark, 0.015, now + 1, config)); // the move seen listed
      expect({ mark, stop: stopOf(listing) }).toEqual({ mark, stop: [expected] });
      now += 20_000;
    }
    // a mark a few ticks better moves nothing: the trail steps by a tenth of its distance
    const nudged = step(m, listing, 63_005, 0.015, now, config);
    expect(ofKind(nudged.actions, "amend")).toEqual([]);
  });

  test("property: with breakeven, stop-to-previous-TP and trailing, Warden never moves a stop against the position", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("long" as const, "short" as const),
        fc.array(fc.record({ bps: fc.integer({ min: -300, max: 300 }), fillNext: fc.boolean() }), { minLength: 1, maxLength: 25 }),
        (side, path) => {
          const config = rulesWith({ BTCUSDT: { stopPct: 3, tpPcts: [0.5, 1, 1.5, 2], stopToPreviousTp: true, trail: { afterTp: 2, distancePct: 0.5 } } });
          let m = adopt(config, { side, markPrice: 60_000 });
          let size = 0.1;
          let listing: ExchangeOrder[] = [];
          let now = T0;
          ({ monitor: m, listing } = step(m, listing, 60_000, size, now, config));
          let mark = 60_000;
          const dir = side === "long" ? 1 : -1;
          for (const move of path) {
            now += 5_000;
            mark = Math.max(1_000, mark * (1 + move.bps / 10_000));
            let lookups = new Map<string, ExchangeOrder | null>();
            const next = m.orders.filter((o) => o.role === "tp" && o.state === "working").sort((a, b) => a.index - b.index)[0];
            if (move.fillNext && next !== undefined && size - next.qty > 0.0005) {
              const fill = fillTp(m, listing, next.index);
              listing = fill.listing;
              lookups = fill.lookups;
              size = Math.round((size - fill.qty) * 1000) / 1000;
            }
            const before = stopOf(listing)[0];
            const result = step(m, listing, mark, size, now, config, lookups);
            for (const a of ofKind(result.actions, "amend")) {
              if (a.role !== "sl" || a.triggerPrice === undefined || before === undefined) continue;
              expect(dir * (a.triggerPrice - before)).toBeGreaterThanOrEqual(0);
            }
            ({ monitor: m, listing } = result);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
