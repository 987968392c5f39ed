import { describe, expect, test } from "bun:test";
import { pagesStoppingShort, runAccountsBench } from "../../core/bench/accounts-bench.ts";

describe("bench --accounts", () => {
  test.each([
    [0, 1],
    [49, 1],
    [50, 2],
    [51, 2],
    [100, 3],
  ])("a client stopping on a short page reads %p orders in %p pages", (n, pages) => {
    expect(pagesStoppingShort(n, 50)).toBe(pages);
  });

  test("measures every account of a small roster: listings at the floor, the IP limit's peak and no 403, nothing unprotected", async () => {
    const doc = await runAccountsBench({ accounts: [1, 3], positions: 4, cycles: 6, latency: "zero", seed: 2 });
    expect(doc.points.map((p) => [p.accounts, p.monitors, p.cycles])).toEqual([
      [1, 4, 6],
      [3, 12, 6],
    ]);
    for (const p of doc.points) {
      expect(p.readsPerAccount.mean).toBeGreaterThanOrEqual(p.floorPerAccount);
      expect(p.ipPeak).toBeGreaterThan(0);
      expect(p.http403).toBe(0);
    }
    expect(doc.gates.filter((g) => !g.pass)).toEqual([]);
    expect(doc.gates.map((g) => g.id)).toContain("accounts.3.listing-reads-per-account-at-floor");
  });
});
