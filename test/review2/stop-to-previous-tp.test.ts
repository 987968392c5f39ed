/**
 * Review 2: README "Plans": "`stopToPreviousTp` (optional): after TP n fills the stop moves to
 * TP n-1's price (TP1: breakeven)". stop-moves.ts moveStopByPlan only considers the previous
 * TP from the second fill on (`rungs >= 2`), and breakeven comes from `breakevenAfterTp`
 * alone: a plan with `stopToPreviousTp: true, breakevenAfterTp: 0` leaves the stop at its
 * first price after TP1.
 */
import { describe, expect, test } from "bun:test";
import { adoptPosition } from "../../core/domain/adoption.ts";
import { evaluate } from "../../core/domain/evaluate.ts";
import type { Monitor } from "../../core/domain/monitor.ts";
import type { RuleConfig } from "../../core/domain/plan.ts";
import type { ExchangeOrder } from "../../core/domain/types.ts";
import { parseEngineConfig } from "../../core/engine/config.ts";
import { ruleConfigOf } from "../../core/engine/rule-config.ts";
import { T0, applyWrites, exchangeOrder, makeInstrument, makePosition, makeView } from "../domain/builders.ts";

const rulesWith = (plans: unknown): RuleConfig => ruleConfigOf(parseEngineConfig({ plans }, "test config"));

function step(m: Monitor, listing: readonly ExchangeOrder[], mark: number, size: number, now: number, config: RuleConfig, lookups = new Map<string, ExchangeOrder | null>()) {
  const view = makeView(m, { position: makePosition({ side: m.side, size, entryPrice: m.entryPrice, markPrice: mark }), orders: listing, snapshotAt: now, lookups });
  const result = evaluate(m, view, now, config);
  return { monitor: result.monitor, listing: applyWrites(listing, result.actions) };
}

describe("stopToPreviousTp after TP1", () => {
  test("with breakevenAfterTp 0, TP1's fill still moves the stop to breakeven (README: TP1: breakeven)", () => {
    const config = rulesWith({ BTCUSDT: { stopPct: 2, tpPcts: [1, 2, 3], breakevenAfterTp: 0, stopToPreviousTp: true } });
    let m = adoptPosition("main", makePosition({ size: 0.1, entryPrice: 60_000, markPrice: 60_000 }), [], T0, config, makeInstrument());
    let listing: ExchangeOrder[] = [];
    ({ monitor: m, listing } = step(m, listing, 60_000, 0.1, T0, config));
    ({ monitor: m, listing } = step(m, listing, 60_000, 0.1, T0 + 20_000, config));
    const tp = m.orders.find((o) => o.role === "tp" && o.index === 0 && o.state === "working")!;
    const lookups = new Map<string, ExchangeOrder | null>([[tp.linkId, exchangeOrder(tp, { status: "filled", filledQty: tp.qty })]]);
    ({ monitor: m, listing } = step(m, listing.filter((o) => o.linkId !== tp.linkId), 60_700, 0.1 - tp.qty, T0 + 40_000, config, lookups));
    ({ monitor: m, listing } = step(m, listing, 60_700, 0.1 - tp.qty, T0 + 60_000, config));
    const stop = listing.filter((o) => o.triggerPrice !== undefined).map((o) => o.triggerPrice);
    expect(stop.length).toBe(1);
    expect(stop[0]!).toBeGreaterThanOrEqual(60_000);
  });
});
