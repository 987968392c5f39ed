import { describe, expect, test } from "bun:test";
import { RateBudget } from "../../core/engine/rate-budget.ts";

function budgetOnFakeTime(limits = { writesPerSecond: 10, readsPerSecond: 50, ipPer5s: 600 }) {
  let now = 1_000_000;
  const waits: number[] = [];
  const budget = new RateBudget({
    limits,
    now: () => now,
    wait: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  });
  return { budget, waits, now: () => now, advance: (ms: number) => (now += ms) };
}

describe("RateBudget", () => {
  test("lets ten writes per second through on one endpoint and makes the eleventh wait", async () => {
    const { budget, waits } = budgetOnFakeTime();
    for (let i = 0; i < 10; i++) await budget.acquire("main", "/v5/order/create", "write");
    expect(waits).toEqual([]);
    await budget.acquire("main", "/v5/order/create", "write");
    expect(waits).toEqual([1_100]);
  });

  test("counts each account and endpoint separately", async () => {
    const { budget, waits } = budgetOnFakeTime();
    for (let i = 0; i < 10; i++) await budget.acquire("main", "/v5/order/create", "write");
    await budget.acquire("mirror", "/v5/order/create", "write");
    await budget.acquire("main", "/v5/order/amend", "write");
    expect(waits).toEqual([]);
  });

  test("holds an account's requests until the reset after a rate-limit answer", async () => {
    const { budget, waits, now } = budgetOnFakeTime();
    budget.backOff("main", now() + 2_500);
    await budget.acquire("main", "/v5/order/realtime", "read");
    expect(waits).toEqual([2_500]);
    await budget.acquire("mirror", "/v5/order/realtime", "read");
    expect(waits).toEqual([2_500]);
  });

  test("keeps the per-IP total under its limit across accounts", async () => {
    const { budget, waits } = budgetOnFakeTime({ writesPerSecond: 10, readsPerSecond: 50, ipPer5s: 3 });
    await budget.acquire("main", "/a", "read");
    await budget.acquire("mirror", "/b", "read");
    await budget.acquire("main", "/c", "read");
    await budget.acquire("mirror", "/d", "read");
    expect(waits).toEqual([5_100]);
  });

  test("stops writes during an IP ban and allows them after", async () => {
    const { budget, now, advance } = budgetOnFakeTime();
    budget.ban(now() + 600_000);
    expect(budget.writesAllowed()).toBe(false);
    advance(599_999);
    expect(budget.writesAllowed()).toBe(false);
    advance(1);
    expect(budget.writesAllowed()).toBe(true);
  });
});
