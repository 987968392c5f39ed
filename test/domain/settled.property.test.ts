/**
 * The engine skips evaluating settled monitors whose view did not change: `reschedule` must
 * give exactly what `evaluate` gives for them, whatever the mark and the time.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { evaluate } from "../../core/domain/evaluate.ts";
import { isSettled, reschedule, viewFingerprint } from "../../core/domain/settled.ts";
import { T0, makeMonitor, makePosition, makeView, RULES } from "./builders.ts";

const STEP = 0.001;

describe("reschedule stands for evaluate on a settled monitor", () => {
  test("same monitor and no actions as evaluate, for any mark and later time", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("long" as const, "short" as const),
        fc.constantFrom("fast" as const, "conservative" as const),
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: -900, max: 900 }),
        fc.integer({ min: -900, max: 900 }),
        fc.integer({ min: 1, max: 600_000 }),
        (side, plan, lots, bps1, bps2, later) => {
          const size = lots * STEP;
          const monitor = makeMonitor({ side, plan, size });
          const at1 = T0 + 60_000;
          const view1 = makeView(monitor, { position: makePosition({ side, size, markPrice: 60_000 * (1 + bps1 / 10_000) }), snapshotAt: at1 });
          const first = evaluate(monitor, view1, at1, RULES);
          fc.pre(first.actions.length === 0 && isSettled(first.monitor, STEP));
          const at2 = at1 + later;
          const mark2 = 60_000 * (1 + bps2 / 10_000);
          // a mark at or past the stop fires it on the exchange: the view changes, and the engine evaluates
          const stop = first.monitor.orders.find((o) => o.role === "sl")!.triggerPrice!;
          fc.pre(side === "long" ? mark2 > stop : mark2 < stop);
          const view2 = { ...view1, position: { ...view1.position!, markPrice: mark2 }, snapshotAt: at2 };
          expect(viewFingerprint(view2)).toBe(viewFingerprint(view1));
          const second = evaluate(first.monitor, view2, at2, RULES);
          expect(second.actions).toEqual([]);
          expect(reschedule(first.monitor, mark2, at2, RULES)).toEqual(second.monitor);
        },
      ),
      { numRuns: 400 },
    );
  });

  test("a view that changed in any order field has another fingerprint", () => {
    const monitor = makeMonitor();
    const view = makeView(monitor);
    const first = view.orders[0]!;
    for (const change of [{ qty: first.qty * 2 }, { status: "filled" as const }, { price: (first.price ?? 1) + 1 }, { filledQty: 0.001 }]) {
      const changed = { ...view, orders: [{ ...first, ...change }, ...view.orders.slice(1)] };
      expect(viewFingerprint(changed)).not.toBe(viewFingerprint(view));
    }
    expect(viewFingerprint({ ...view, position: undefined })).not.toBe(viewFingerprint(view));
  });
});
