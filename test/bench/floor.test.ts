import { describe, expect, test } from "bun:test";
import { cycleFloor, latencyFloorSamples, medianLatencyMs, pagesFollowingCursor, pagesFor } from "../../core/bench/floor.ts";
import { percentile } from "../../core/bench/statistics.ts";
import { RECORDED_LATENCY } from "../../core/sim/latency.ts";

const account = (over: Partial<{ account: string; positions: number; orders: number }> = {}) => ({ account: "main", positions: 20, orders: 90, ...over });

describe("the floor", () => {
  test("pages: ceil(n/size), at least one request for an empty listing", () => {
    expect(pagesFor(0, 50)).toBe(1);
    expect(pagesFor(50, 50)).toBe(1);
    expect(pagesFor(51, 50)).toBe(2);
    expect(pagesFor(91, 50)).toBe(2);
    expect(pagesFor(1000, 200)).toBe(5);
  });

  test("a cursor-following client reads one empty page after a non-empty listing", () => {
    expect(pagesFollowingCursor(0, 50)).toBe(1);
    expect(pagesFollowingCursor(91, 50)).toBe(3);
    expect(pagesFollowingCursor(100, 50)).toBe(3);
  });

  test("demo-30's accounts: main 1+2, mirror 1+1 calls; latency is two sequential order pages", () => {
    const f = cycleFloor([account(), account({ account: "mirror", positions: 10, orders: 45 })], "recorded");
    expect(f.calls).toBe(5);
    expect(f.callsFollowingCursor).toBe(9);
    expect(f.latencyMs).toBe(2 * medianLatencyMs("recorded", "/v5/order/realtime"));
  });

  test("1000 monitors on one account: 5 position pages and 20 order pages", () => {
    const f = cycleFloor([account({ positions: 1000, orders: 1000 })], "fixed:10");
    expect(f.calls).toBe(25);
    expect(f.latencyMs).toBe(200);
  });

  test("an account with nothing open is not read, and zero latency has a zero latency floor", () => {
    const f = cycleFloor([account({ positions: 0, orders: 0 }), account({ account: "mirror", positions: 3, orders: 0 })], "zero");
    expect(f.calls).toBe(2);
    expect(f.latencyMs).toBe(0);
  });

  test("median latency follows the profile and endpoint class", () => {
    expect(medianLatencyMs("fixed:40", "/v5/order/realtime")).toBe(40);
    expect(medianLatencyMs("zero", "/v5/order/realtime")).toBe(0);
    expect(medianLatencyMs("recorded", "/v5/position/list")).toBe(65);
    expect(medianLatencyMs("recorded", "/v5/order/create")).toBe(95);
  });

  test("the latency floor's distribution under a fixed profile is the pages of the longest listing times that latency", () => {
    const f = cycleFloor([account(), account({ account: "mirror", positions: 10, orders: 45 })], "fixed:10");
    expect(new Set(latencyFloorSamples([f], "fixed:10", 1, 50))).toEqual(new Set([20]));
  });

  test("under the recorded profile its p95 lies above the median-based floor and within the pages' maximum latency", () => {
    const f = cycleFloor([account(), account({ account: "mirror", positions: 10, orders: 45 })], "recorded");
    const draws = latencyFloorSamples([f], "recorded", 7);
    const p95 = percentile(draws, 95);
    expect(p95).toBeGreaterThan(f.latencyMs);
    expect(p95).toBeLessThanOrEqual(2 * RECORDED_LATENCY.read.maxMs);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(2 * RECORDED_LATENCY.read.minMs);
  });

  test("the same seed draws the same distribution", () => {
    const f = cycleFloor([account()], "recorded");
    expect(latencyFloorSamples([f], "recorded", 3, 100)).toEqual(latencyFloorSamples([f], "recorded", 3, 100));
  });
});
