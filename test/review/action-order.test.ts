/**
 * Adversarial review: the executor skips every later write of a monitor after the first that
 * did not succeed (executor.ts `execute`), so a stop write must never queue behind a TP write.
 */
import { describe, expect, test } from "bun:test";
import { evaluate } from "../../core/domain/evaluate.ts";
import type { MonitorView } from "../../core/domain/sighting.ts";
import { RULES, T0, exchangeOrder, makeInstrument, makeMonitor, makePosition } from "../domain/builders.ts";

describe("review: the stop's write comes first", () => {
  test("after an add, the stop's resize is sent before the TP rungs that now get a share (a refused TP must not hold the stop back)", () => {
    // 0.01 long: only TP1 (85%) has a share of at least one lot; TP2-4 were never placed
    const base = makeMonitor({ size: 0.01, entries: 0 });
    const monitor = { ...base, orders: base.orders.filter((o) => o.qty > 0), tpPrices: [61_000, 62_000, 63_000, 64_000] };
    const view: MonitorView = {
      position: makePosition({ size: 0.1 }), // the trader added 0.09
      orders: monitor.orders.map((o) => exchangeOrder(o)),
      instrument: makeInstrument(),
      lookups: new Map(),
      snapshotAt: T0 + 60_000,
    };
    const { actions } = evaluate(monitor, view, T0 + 60_000, RULES);
    const kinds = actions.filter((a) => a.kind === "place" || a.kind === "amend" || a.kind === "cancel").map((a) => `${a.kind}:${"role" in a ? a.role : ""}`);
    const stopAt = kinds.indexOf("amend:sl");
    expect(stopAt).toBeGreaterThanOrEqual(0);
    expect(kinds.slice(0, stopAt)).toEqual([]); // no write ahead of the stop's resize
  });
});
