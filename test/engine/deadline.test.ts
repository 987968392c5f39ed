import { describe, expect, test } from "bun:test";
import { DeadlineExceeded, withDeadline } from "../../core/engine/deadline.ts";
import { RateBudget } from "../../core/engine/rate-budget.ts";

describe("withDeadline", () => {
  test("a request that never answers fails at the deadline", async () => {
    const error = await withDeadline(new Promise<never>(() => {}), 20, "hung").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceeded);
  });

  test("while the request still waits in Warden's own budget the deadline moves on; the answer that then comes is taken", async () => {
    let holds = 3;
    let release = (_: string) => {};
    const work = new Promise<string>((resolve) => (release = resolve));
    const answer = withDeadline(work, 10, "paced", () => {
      holds--;
      if (holds === 0) release("answered");
      return holds >= 0;
    });
    expect(await answer).toBe("answered");
  });

  test("once nothing waits in the budget, a silent exchange fails at the next deadline", async () => {
    let asked = 0;
    const error = await withDeadline(new Promise<never>(() => {}), 10, "silent", () => ++asked <= 2).catch((e: unknown) => e);
    expect([error instanceof DeadlineExceeded, asked]).toEqual([true, 3]);
  });

  test("the budget says which account has a request waiting", async () => {
    let now = 0;
    const budget = new RateBudget({ limits: { writesPerSecond: 10, readsPerSecond: 1, ipPer5s: 600 }, now: () => now, wait: () => new Promise(() => {}) });
    await budget.acquire("a", "/v5/position/list", "read");
    const second = budget.acquire("a", "/v5/position/list", "read");
    expect([budget.holding("a"), budget.holding("b")]).toEqual([true, false]);
    now = 2_000;
    budget.backOff("a", 0); // any change re-serves the queue
    await second;
    expect(budget.holding("a")).toBe(false);
  });
});
