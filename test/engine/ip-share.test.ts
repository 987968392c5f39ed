/**
 * The per-IP window shared by many accounts (core/engine/ip-share.ts through RateBudget), on a
 * virtual clock with timers: 50 accounts that each want far more than 600 requests per 5 s.
 */
import { seededRng } from "../../core/rng.ts";
import { describe, expect, test } from "bun:test";
import { bybitLimits, RateBudget, type RateLimits, type RequestClass } from "../../core/engine/rate-budget.ts";
import { VirtualTimers } from "../support/virtual-timers.ts";

interface Grant {
  readonly account: string;
  readonly kind: RequestClass;
  readonly endpoint: string;
  readonly asked: number;
  readonly at: number;
}


function makeRig(limits: RateLimits = bybitLimits) {
  const clock = new VirtualTimers();
  const budget = new RateBudget({ limits, now: clock.now, wait: clock.wait });
  const grants: Grant[] = [];
  const ask = async (account: string, endpoint: string, kind: RequestClass): Promise<Grant> => {
    const asked = clock.now();
    await budget.acquire(account, endpoint, kind);
    const grant = { account, kind, endpoint, asked, at: clock.now() };
    grants.push(grant);
    return grant;
  };
  /**
   * An account that wants far more than the IP allows: `loops` reads always in flight (each on
   * its own endpoint, so that its own 50/s per endpoint would allow 50 x loops per second),
   * each followed by a 5-50 ms round trip; and, with `writeEveryMs`, a write loop.
   */
  const heavy = (account: string, until: number, seed: number, o: { loops?: number; writeEveryMs?: number } = {}) => {
    const rng = seededRng(seed);
    for (let i = 0; i < (o.loops ?? 8); i++) {
      void (async () => {
        while (clock.now() < until) {
          await ask(account, `/v5/read-${i}`, "read");
          await clock.wait(5 + Math.floor(rng() * 45));
        }
      })();
    }
    const every = o.writeEveryMs;
    if (every !== undefined) {
      void (async () => {
        while (clock.now() < until) {
          await ask(account, "/v5/order/amend", "write");
          await clock.wait(every + Math.floor(rng() * 100));
        }
      })();
    }
  };
  return { clock, budget, grants, ask, heavy };
}

const accounts = (n: number, prefix = "desk") => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);

/** Most grants in any window (t - spanMs, t] ending at a grant. */
function peakInWindow(grants: readonly Grant[], spanMs: number): number {
  const times = grants.map((g) => g.at).sort((a, b) => a - b);
  let peak = 0;
  let first = 0;
  for (let last = 0; last < times.length; last++) {
    while (times[first]! <= times[last]! - spanMs) first++;
    peak = Math.max(peak, last - first + 1);
  }
  return peak;
}

/** Each account's grants in (end - spanMs, end]. */
function perAccount(grants: readonly Grant[], names: readonly string[], end: number, spanMs: number): number[] {
  return names.map((name) => grants.filter((g) => g.account === name && g.at > end - spanMs && g.at <= end).length);
}

describe("the per-IP window shared by 50 accounts", () => {
  const names = accounts(50);

  test("never lets more than 600 requests through in any 5 s, and gives every account the same share, close to 600/50", async () => {
    const { clock, grants, heavy } = makeRig();
    const start = clock.now();
    const end = start + 40_000;
    names.forEach((name, i) => heavy(name, end, i + 1, { writeEveryMs: 900 }));
    await clock.runUntil(end);

    expect(grants.length).toBeGreaterThan(3_000); // the window was in use, not idle
    expect(peakInWindow(grants, 5_000)).toBeLessThanOrEqual(600);
    // every sliding window of the budget's (5 s + 100 ms margin) gives every account at most
    // 600/50 = 12 requests; once the start-up's burst (every account at once) has left the
    // window three times, at least 8 (reads leave 60 of the 600 to writes; an account dips
    // for a moment when several of its requests leave the window at once); before that, at
    // least 7
    const fair = 600 / 50;
    for (let t = start + 6_000; t <= end; t += 100) {
      const counts = perAccount(grants, names, t, 5_100);
      const settled = t >= start + 3 * 5_100;
      expect(Math.min(...counts)).toBeGreaterThanOrEqual(settled ? fair - 4 : fair - 5);
      expect(Math.max(...counts)).toBeLessThanOrEqual(fair);
    }
    // over the settled 25 s (about 50 each), the accounts' totals differ by at most 2 requests
    const totals = perAccount(grants, names, end, end - (start + 3 * 5_100));
    expect(Math.min(...totals)).toBeGreaterThan(45);
    expect(Math.max(...totals) - Math.min(...totals)).toBeLessThanOrEqual(2);
  });

  test("a light account's request is served at the next free slot, ahead of every heavy account's", async () => {
    const { clock, grants, heavy, ask } = makeRig();
    const start = clock.now();
    const end = start + 25_000;
    names.forEach((name, i) => heavy(name, end, 100 + i));
    const served: { readonly before: number; readonly index: number; readonly delay: number }[] = [];
    void (async () => {
      await clock.wait(8_000);
      for (let i = 0; i < 10; i++) {
        const before = grants.length;
        const grant = await ask("light", "/v5/position/list", "read");
        served.push({ before, index: grants.indexOf(grant), delay: grant.at - grant.asked });
        await clock.wait(1_500);
      }
    })();
    await clock.runUntil(end);

    expect(served).toHaveLength(10);
    // no heavy request was granted between the light one's arrival and its own grant (those
    // recorded in between were granted in the same instant, before it arrived)
    for (const s of served) {
      const light = grants[s.index]!;
      expect(grants.slice(s.before, s.index).filter((g) => g.at > light.asked)).toEqual([]);
    }
    // and it waited at most one share slot: the time the window gives one of 51 accounts one request
    const shareSlotMs = 5_100 / (600 / 51);
    for (const s of served) expect(s.delay).toBeLessThanOrEqual(shareSlotMs);
    expect(peakInWindow(grants, 5_000)).toBeLessThanOrEqual(600);
  });

  test("a stop goes through at once while 50 accounts' reads fill the window: reads leave the last 60 slots to writes", async () => {
    const { clock, grants, heavy, ask } = makeRig();
    const start = clock.now();
    const end = start + 15_000;
    names.forEach((name, i) => heavy(name, end, 200 + i));
    const stops: Grant[] = [];
    void (async () => {
      await clock.wait(9_000);
      for (const name of ["desk-7", "desk-31", "light"]) stops.push(await ask(name, "/v5/order/create", "write"));
    })();
    await clock.runUntil(end);

    const readsAtStop = grants.filter((g) => g.kind === "read" && g.at > start + 9_000 - 5_100 && g.at <= start + 9_000).length;
    expect(readsAtStop).toBe(540); // the window was as full as reads may make it
    expect(stops.map((s) => s.at - s.asked)).toEqual([0, 0, 0]);
  });
});

describe("fair order when a slot frees", () => {
  const small: RateLimits = { writesPerSecond: 10, readsPerSecond: 50, ipPer5s: 10 };

  test("an account's write goes before its own reads that waited longer", async () => {
    const { clock, ask, grants } = makeRig(small);
    for (let i = 0; i < 10; i++) void ask("busy", `/fill-${i}`, i < 9 ? "read" : "write");
    await clock.runUntil(clock.now());
    void ask("desk-a", "/v5/position/list", "read");
    void ask("desk-a", "/v5/order/realtime", "read");
    void ask("desk-a", "/v5/order/create", "write");
    await clock.runUntil(clock.now() + 5_100);
    expect(grants.slice(10).map((g) => `${g.account} ${g.kind}`)).toEqual(["desk-a write", "desk-a read", "desk-a read"]);
  });

  test("a write within its account's share goes before another account's read, even a lighter account's", async () => {
    const { clock, ask, grants } = makeRig(small);
    const t0 = clock.now();
    for (let i = 0; i < 7; i++) void ask("filler", `/f-${i}`, "read");
    await clock.runUntil(t0 + 1_000);
    for (let i = 0; i < 2; i++) void ask("desk-a", `/a-${i}`, "read");
    void ask("filler", "/f-w", "write");
    await clock.runUntil(t0 + 1_000);
    void ask("desk-b", "/v5/position/list", "read"); // desk-b: nothing in the window
    void ask("desk-a", "/v5/order/create", "write"); // desk-a: 2 in the window, under its share of 10 / 3
    await clock.runUntil(t0 + 5_099);
    expect(grants).toHaveLength(10);
    await clock.runUntil(t0 + 5_100);
    expect(grants.slice(10).map((g) => `${g.account} ${g.kind}`)).toEqual(["desk-a write", "desk-b read"]);
  });

  test("a write beyond its account's share waits its turn behind a lighter account's read", async () => {
    const { clock, ask, grants } = makeRig(small);
    const t0 = clock.now();
    for (let i = 0; i < 5; i++) void ask("filler", `/f-${i}`, "read");
    await clock.runUntil(t0 + 1_000);
    for (let i = 0; i < 4; i++) void ask("desk-a", `/a-${i}`, "read");
    void ask("desk-a", "/a-w", "write");
    await clock.runUntil(t0 + 1_000);
    void ask("desk-b", "/v5/position/list", "read");
    void ask("desk-a", "/v5/order/create", "write"); // desk-a has 5 in the window: its whole share of 10 / 2
    await clock.runUntil(t0 + 5_099);
    expect(grants).toHaveLength(10);
    await clock.runUntil(t0 + 5_100);
    expect(grants.slice(10).map((g) => `${g.account} ${g.kind}`)).toEqual(["desk-b read", "desk-a write"]);
  });

  test("an account alone may use the whole window (the slack others leave), and yields it as soon as another asks", async () => {
    const { clock, ask, grants, budget } = makeRig(small);
    for (let i = 0; i < 30; i++) void ask("desk-a", `/a-${i}`, "read");
    await clock.runUntil(clock.now());
    expect(grants).toHaveLength(9); // reads: the window less the slot kept for writes
    for (let i = 0; i < 3; i++) void ask("desk-b", `/b-${i}`, "read");
    expect(budget.share(["desk-a", "desk-b"])).toEqual({ fair: 5, accounts: { "desk-a": { used: 9, waiting: 21 }, "desk-b": { used: 0, waiting: 3 } } });
    await clock.runUntil(clock.now() + 5_100);
    // the next window: turn by turn while both wait (fewest in the window first, the longer wait on a tie), then desk-a alone
    expect(grants.slice(9).map((g) => g.account)).toEqual(["desk-a", "desk-b", "desk-a", "desk-b", "desk-a", "desk-b", "desk-a", "desk-a", "desk-a"]);
  });
});

describe("room in the IP window", () => {
  test("says when n more requests fit: at once while they do, else when the oldest that must leave have left", () => {
    let now = 0;
    const budget = new RateBudget({ limits: { writesPerSecond: 1_000, readsPerSecond: 1_000, ipPer5s: 10 }, now: () => now, wait: () => new Promise(() => {}) });
    for (let i = 0; i < 8; i++) {
      now = i * 100;
      void budget.acquire(`a${i % 3}`, "/v5/order/create", "write");
    }
    now = 1_000;
    expect(budget.ipRoomInMs(2)).toBe(0);
    // 3 more need the oldest one (taken at 0) gone: the window (5 s and the margin) slides past it
    expect(budget.ipRoomInMs(3)).toBe(0 + 5_100 - 1_000);
    // 5 more: the three oldest (0, 100, 200) gone
    expect(budget.ipRoomInMs(5)).toBe(200 + 5_100 - 1_000);
    now = 5_400;
    expect(budget.ipRoomInMs(5)).toBe(0);
  });
});
