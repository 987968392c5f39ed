/** Properties of the rate budget under any arrivals, any number of accounts, small limits: every window holds and every request is served. */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { IpWindow } from "../../core/engine/ip-share.ts";
import { RateBudget, type RequestClass } from "../../core/engine/rate-budget.ts";
import { VirtualTimers } from "../support/virtual-timers.ts";

const arrival = fc.record({
  account: fc.integer({ min: 0, max: 7 }),
  endpoint: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom<RequestClass>("read", "write"),
  afterMs: fc.integer({ min: 0, max: 6_000 }),
});

/** Most of `times` (sorted) in any window (t - spanMs, t]. */
function peak(times: readonly number[], spanMs: number): number {
  let most = 0;
  let first = 0;
  for (let last = 0; last < times.length; last++) {
    while (times[first]! <= times[last]! - spanMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

describe("RateBudget under any arrivals", () => {
  test("serves every request, never before it asked, within the IP window, the reads' part of it and each endpoint's window", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 3, max: 40 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 10 }), fc.array(arrival, { minLength: 1, maxLength: 60 }), async (ipPer5s, writesPerSecond, readsPerSecond, arrivals) => {
        const clock = new VirtualTimers();
        const budget = new RateBudget({ limits: { ipPer5s, writesPerSecond, readsPerSecond }, now: clock.now, wait: clock.wait });
        const grants: { readonly key: string; readonly kind: RequestClass; readonly asked: number; readonly at: number }[] = [];
        for (const a of arrivals) {
          void clock.wait(a.afterMs).then(async () => {
            const asked = clock.now();
            const account = `acct-${a.account}`;
            await budget.acquire(account, `/e${a.endpoint}`, a.kind);
            grants.push({ key: `${account} /e${a.endpoint}`, kind: a.kind, asked, at: clock.now() });
          });
        }
        await clock.runUntil(clock.now() + 3_600_000);
        expect(grants).toHaveLength(arrivals.length);
        for (const g of grants) expect(g.at).toBeGreaterThanOrEqual(g.asked);
        const times = grants.map((g) => g.at).sort((x, y) => x - y);
        expect(peak(times, 5_100)).toBeLessThanOrEqual(ipPer5s);
        const reads = grants.filter((g) => g.kind === "read").map((g) => g.at).sort((x, y) => x - y);
        expect(peak(reads, 5_100)).toBeLessThanOrEqual(ipPer5s - new IpWindow(ipPer5s, 5_100).writeReserve);
        for (const key of new Set(grants.map((g) => g.key))) {
          const mine = grants.filter((g) => g.key === key);
          const limit = mine[0]!.kind === "write" ? writesPerSecond : readsPerSecond;
          // an endpoint is one class in practice; the window is sized by the class that opened it
          if (mine.every((g) => g.kind === mine[0]!.kind)) expect(peak(mine.map((g) => g.at).sort((x, y) => x - y), 1_100)).toBeLessThanOrEqual(limit);
        }
      }),
      { numRuns: 60, seed: 12 },
    );
  });
});
