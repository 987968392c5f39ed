import { describe, expect, test } from "bun:test";
import { decimalsOf, formatPrice, formatQty, roundPrice, roundQty, samePrice, sameQty, toLots, toTicks } from "../../core/domain/units.ts";

describe("units", () => {
  test("counts ticks without float noise", () => {
    expect(toTicks(0.3, 0.1)).toBe(3);
    expect(toTicks(0.1 + 0.2, 0.1)).toBe(3);
    expect(toTicks(60_066, 0.1)).toBe(600_660);
  });

  test("rounds prices down, up and to the nearest tick", () => {
    expect(roundPrice(100.04, 0.1, "down")).toBe(100);
    expect(roundPrice(100.01, 0.1, "up")).toBe(100.1);
    expect(roundPrice(100.06, 0.1)).toBe(100.1);
    expect(roundPrice(100.1 + 1e-12, 0.1, "up")).toBe(100.1);
  });

  test("rounds quantities down to the lot unless asked for the nearest", () => {
    expect(roundQty(0.1279, 0.001)).toBe(0.127);
    expect(roundQty(0.1279, 0.001, "nearest")).toBe(0.128);
    expect(roundQty(0.3, 0.1)).toBe(0.3);
  });

  test("compares prices and quantities on the grid", () => {
    expect(sameQty(0.1 + 0.2, 0.3, 0.001)).toBe(true);
    expect(sameQty(0.301, 0.3, 0.001)).toBe(false);
    expect(samePrice(60_000.04, 60_000, 0.1)).toBe(true);
    expect(samePrice(60_000.1, 60_000, 0.1)).toBe(false);
    expect(toLots(0.015, 0.001)).toBe(15);
  });

  test("formats with the step's decimals", () => {
    expect(decimalsOf(0.001)).toBe(3);
    expect(decimalsOf(0.5)).toBe(1);
    expect(decimalsOf(10)).toBe(0);
    expect(formatQty(0.01, 0.001)).toBe("0.010");
    expect(formatPrice(60_066, 0.1)).toBe("60066.0");
    expect(formatPrice(0.123456, 0.0001)).toBe("0.1235");
  });

  test("throws on a NaN price or a zero step", () => {
    expect(() => toTicks(Number.NaN, 0.1)).toThrow(RangeError);
    expect(() => roundQty(1, 0)).toThrow(RangeError);
  });
});
