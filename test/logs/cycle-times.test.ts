import { describe, expect, test } from "bun:test";
import { CycleTimes } from "../../core/logs/cycle-times.ts";
import { seededRng } from "../../core/rng.ts";

function filled(values: readonly number[]): CycleTimes {
  const times = new CycleTimes();
  for (const v of values) times.add(v);
  return times;
}

describe("CycleTimes", () => {
  test("gives exact nearest-rank p95, mean and max for a few cycles", () => {
    const times = filled(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(times.quantile(0.95)).toBe(19);
    expect(times.mean).toBe(10.5);
    expect(times.max).toBe(20);
  });

  test("stays within 1% of the exact p95 past the exact limit, never above the max", () => {
    const rng = seededRng(7);
    const values = Array.from({ length: 20_000 }, () => 3 + rng() * 5);
    const times = filled(values);
    const exact = [...values].sort((a, b) => a - b)[Math.ceil(0.95 * values.length) - 1] as number;
    const p95 = times.quantile(0.95);
    expect(Math.abs(p95 - exact) / exact).toBeLessThan(0.01);
    expect(p95).toBeLessThanOrEqual(times.max);
    expect(times.count).toBe(20_000);
  });

  test("ignores durations that are not finite or negative", () => {
    const times = filled([Number.NaN, -1, Number.POSITIVE_INFINITY, 2]);
    expect(times.count).toBe(1);
    expect(times.quantile(0.95)).toBe(2);
  });
});
