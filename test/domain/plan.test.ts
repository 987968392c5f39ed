import { describe, expect, test } from "bun:test";
import { conservativePlan, ladderProblems, ruleConfigProblems, sharesFromQtys, splitQty, tpShares } from "../../core/domain/plan.ts";
import { RULES } from "./builders.ts";

describe("plan", () => {
  test("the configured ladder (by default 85/5/5/5) makes a conservative plan", () => {
    expect(tpShares(conservativePlan(RULES.ladder))).toEqual([85, 5, 5, 5]);
    expect(tpShares({ kind: "fast" })).toEqual([100]);
  });

  test("lists every problem of an invalid ladder", () => {
    expect(ladderProblems([50, 50])).toEqual([]);
    expect(ladderProblems([])).toHaveLength(2);
    expect(ladderProblems([60, 30, 0, 5, 5])).toHaveLength(2);
    expect(ladderProblems([90, 5])).toEqual(["rungs must sum to 100, got 95"]);
    expect(() => conservativePlan([101])).toThrow(RangeError);
  });

  test("gives ladder remainders to the last TP so the TPs sum to the position", () => {
    expect(splitQty(0.15, [85, 5, 5, 5], 0.001)).toEqual([0.127, 0.007, 0.007, 0.009]);
    expect(splitQty(0.001, [85, 5, 5, 5], 0.001)).toEqual([0, 0, 0, 0.001]);
    expect(splitQty(7, [100], 1)).toEqual([7]);
  });

  test("infers whole-number shares summing to 100 from TP quantities", () => {
    expect(sharesFromQtys([0.085, 0.005, 0.005, 0.005])).toEqual([85, 5, 5, 5]);
    expect(sharesFromQtys([1, 1, 1])).toEqual([34, 33, 33]);
    expect(sharesFromQtys([1000, 1]).reduce((a, b) => a + b, 0)).toBe(100);
    expect(sharesFromQtys([1000, 1])[1]).toBe(1);
  });

  test("the default rule config is valid and an invalid one lists its problems", () => {
    expect(ruleConfigProblems(RULES)).toEqual([]);
    expect(RULES.breakevenBufferBps).toBe(11);
    expect(ruleConfigProblems({ ...RULES, graceMs: -1, defaultStopPct: 0 })).toHaveLength(2);
    expect(ruleConfigProblems({ ...RULES, ladder: [50, 40] })).toEqual(["ladder: rungs must sum to 100, got 90"]);
  });
});
