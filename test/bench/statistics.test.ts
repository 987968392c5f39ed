import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mean, percentile, ratio, summarize } from "../../core/bench/statistics.ts";

describe("percentile (nearest rank)", () => {
  test("p50 of 1..10 is 5 and p95 of 1..10 is 10", () => {
    const xs = [7, 3, 10, 1, 9, 2, 8, 4, 6, 5];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 95)).toBe(10);
  });

  test("p95 of 1..100 is 95, p100 is the maximum and p0 the minimum", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile(xs, 0)).toBe(1);
  });

  test("a single sample is every percentile", () => {
    expect(percentile([42], 50)).toBe(42);
    expect(percentile([42], 95)).toBe(42);
  });

  test("no samples give NaN and a bad p or sample throws", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1, Number.NaN], 50)).toThrow(RangeError);
  });

  test("always returns a measured sample, and percentiles never decrease with p", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), (xs) => {
        const p50 = percentile(xs, 50);
        const p95 = percentile(xs, 95);
        expect(xs).toContain(p50);
        expect(p95).toBeGreaterThanOrEqual(p50);
        expect(percentile(xs, 100)).toBe(Math.max(...xs));
      }),
    );
  });
});

describe("summary and ratio", () => {
  test("summarizes mean, p50, p95, min and max", () => {
    expect(summarize([1, 2, 3, 4])).toEqual({ count: 4, mean: 2.5, p50: 2, p95: 4, max: 4, min: 1 });
    expect(mean([])).toBeNaN();
  });

  test("a ratio over zero does not exist", () => {
    expect(ratio(10, 2)).toBe(5);
    expect(ratio(10, 0)).toBeNull();
    expect(ratio(Number.NaN, 1)).toBeNull();
  });
});
