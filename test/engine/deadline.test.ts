import { describe, expect, test } from "bun:test";
import { DeadlineExceeded, withDeadline } from "../../core/engine/deadline.ts";
import { RateBudget } from "../../core/engine/rate-budget.ts";

describe("withDeadline", () => {
  test("a request that never answers fails at the deadline", async () => {
    const error = await withDeadline(new Promise<never>(() => {}), 20, "hung").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceeded);
  });

  test("the time spent waiting in Warden's own budget moves the deadline on; the answer that then comes is taken", async () => {
    let paced = 0;
    let release = (_: string) => {};
    const work = new Promise<string>((resolve) => (release = resolve));
    const answer = withDeadline(work, 20, "paced", () => paced);
    paced = 40; // the request waited 40 ms in the budget: the deadline is now 60 ms away from the start
    setTimeout(() => release("answered"), 35);
    expect(await answer).toBe("answered");
  });

  test("with nothing spent in the budget, a silent exchange fails at the deadline even if it was paced before", async () => {
    const error = await withDeadline(new Promise<never>(() => {}), 20, "silent", () => 500).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceeded);
  });

  test("the budget says which account has a request waiting, and for how long its requests waited in all", async () => {
    let now = 0;
    const budget = new RateBudget({ limits: { writesPerSecond: 10, readsPerSecond: 1, ipPer5s: 600 }, now: () => now, wait: () => new Promise(() => {}) });
    await budget.acquire("a", "/v5/position/list", "read");
    const second = budget.acquire("a", "/v5/position/list", "read");
    expect([budget.holding("a"), budget.holding("b")]).toEqual([true, false]);
    now = 1_500;
    expect(budget.pacedMs("a")).toBe(1_500);
    now = 2_000;
    budget.backOff("a", 0); // any change re-serves the queue
    await second;
    now = 9_000;
    expect([budget.holding("a"), budget.pacedMs("a"), budget.pacedMs("b")]).toEqual([false, 2_000, 0]);
  });
});
