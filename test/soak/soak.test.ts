/**
 * A short fault soak (core/soak/soak.ts) as a CI gate: 300 engine cycles on the simulator,
 * seed 11, 5% of REST requests faulted (every kind), a trader's hand between cycles, and
 * DESIGN's invariants checked on the venue after every cycle with K = 3. Zero breaches.
 * `npx bun scripts/soak.ts --cycles 300 --seed 11` prints the same run in full.
 */
import { describe, expect, test } from "bun:test";
import { runSoak } from "../../core/soak/soak.ts";

describe("fault soak", () => {
  test("300 cycles with faults and interventions keep every invariant", async () => {
    const report = await runSoak({ cycles: 300, seed: 11 });
    expect(report.interventions["cancel-order"].applied + report.interventions["close"].applied).toBeGreaterThan(0);
    expect(Object.values(report.faultAnswers).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(report.breaches.examples).toEqual({ "flat-order": [], "duplicate-order": [], "tp-above-size": [], "stop-loosened": [], unprotected: [], "engine-error": [], "fill-after-audit": [], "fill-counted-twice": [] });
    expect(report.breaches.total).toBe(0);
  }, 60_000);

  test("one seed gives one run", async () => {
    const a = await runSoak({ cycles: 120, seed: 5 });
    const b = await runSoak({ cycles: 120, seed: 5 });
    expect({ ...b, wallMs: 0 }).toEqual({ ...a, wallMs: 0 });
  }, 60_000);
});
