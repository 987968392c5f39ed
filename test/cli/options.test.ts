import { describe, expect, test } from "bun:test";
import { enumFlag, intFlag, numberFlag, stringFlag } from "../../cli/options.ts";
import { UsageError } from "../../core/errors.ts";

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("expected a UsageError");
}

describe("flag normalisers", () => {
  test.each([
    ["an integer below its minimum", () => intFlag("cycles", "0", { min: 1 }), "--cycles must be at least 1, got 0"],
    ["a fraction where an integer is due", () => intFlag("cycles", "1.5"), '--cycles expects an integer, got "1.5"'],
    ["a word where a number is due", () => numberFlag("max-cycle-s", "soon"), '--max-cycle-s expects a number, got "soon"'],
    ["a value outside its set", () => enumFlag("exchange", "kraken", ["sim", "bybit"]), '--exchange must be one of sim, bybit, got "kraken"'],
    ["a flag given twice", () => enumFlag("exchange", ["bybit", "kraken"], ["sim", "bybit"]), "--exchange is given 2 times; give it once"],
    ["an empty value", () => stringFlag("state-dir", ""), "--state-dir expects a non-empty value"],
  ])("refuses %s, naming the flag", (_what, fn, message) => {
    expect(refusal(fn)).toBe(message);
  });

  test("passes good values through typed, and absent flags as undefined", () => {
    expect(intFlag("cycles", "12", { min: 1 })).toBe(12);
    expect(numberFlag("min-hit-rate", 0.7, { min: 0, max: 1 })).toBe(0.7);
    expect(enumFlag("exchange", "bybit", ["sim", "bybit"])).toBe("bybit");
    expect(stringFlag("scenario", undefined)).toBeUndefined();
  });
});
