import { describe, expect, test } from "bun:test";
import { reactionFigures, reactionLatencies, type ReactionStamp } from "../../core/bench/fill-reaction.ts";
import { seededRng } from "../../core/rng.ts";

function stamp(filledAt: number, reactedAt: number | undefined, over: Partial<ReactionStamp> = {}): ReactionStamp {
  return { account: "main", symbol: "BTCUSDT", kind: "entry", filledAt, reactedAt, ...over };
}

describe("fill-to-reaction accounting", () => {
  test("push: the fill to the write's arrival, all measured; a fill never answered is counted apart", () => {
    const r = reactionLatencies([stamp(100, 160), stamp(200, 290, { kind: "tp1" }), stamp(300, undefined)], { kind: "push" });
    expect(r.latencies.map((l) => [l.ms, l.waitMs, l.measuredMs])).toEqual([
      [60, 0, 60],
      [90, 0, 90],
    ]);
    expect(r.unanswered).toBe(1);
    const f = reactionFigures(r, "push");
    expect([f.answered, f.entry, f.tp1, f.p50, f.p99, f.max]).toEqual([2, 1, 1, 60, 90, 90]);
  });

  test("poll: a seeded wait to the next poll, plus the real time from the poll that reacted to the write's arrival", () => {
    // polls start at 1000, 1500, 2000 (real ms, back to back); interval 2000 live
    const polls = [1000, 1500, 2000];
    const stamps = [
      stamp(1100, 1620), // fill after poll 1; poll 2 (1500) reacts, write arrives 120 ms after its start
      stamp(1200, 2090), // fill after poll 1; poll 2 did not react, poll 3 (2000) did: one interval more
      stamp(2100, undefined), // after the last poll: never observed
      stamp(1300, undefined), // polls followed, no stop write came: unanswered
    ];
    const r = reactionLatencies(stamps, { kind: "poll", pollStarts: polls, intervalMs: 2000, seed: 7 });
    const rng = seededRng(7 ^ 0x5eed);
    const u1 = rng();
    const u2 = rng();
    expect(r.latencies).toHaveLength(2);
    expect(r.latencies[0]?.measuredMs).toBe(120);
    expect(r.latencies[0]?.waitMs).toBeCloseTo(2000 * (1 - u1), 9);
    expect(r.latencies[0]?.ms).toBeCloseTo(2000 * (1 - u1) + 120, 9);
    expect(r.latencies[1]?.measuredMs).toBe(90);
    expect(r.latencies[1]?.waitMs).toBeCloseTo(2000 * (1 - u2) + 2000, 9);
    expect(r.unobserved).toBe(1);
    expect(r.unanswered).toBe(1);
  });

  test("the same seed draws the same waits; another seed other ones", () => {
    const args = [[stamp(1, 12), stamp(2, 13)], [0, 10]] as const;
    const a = reactionLatencies(args[0], { kind: "poll", pollStarts: args[1], intervalMs: 2000, seed: 1 }).latencies.map((l) => l.ms);
    const b = reactionLatencies(args[0], { kind: "poll", pollStarts: args[1], intervalMs: 2000, seed: 1 }).latencies.map((l) => l.ms);
    const c = reactionLatencies(args[0], { kind: "poll", pollStarts: args[1], intervalMs: 2000, seed: 2 }).latencies.map((l) => l.ms);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const ms of a) expect(ms).toBeGreaterThan(2);
    for (const ms of a) expect(ms).toBeLessThanOrEqual(2002);
  });

  test("percentiles are nearest rank over the answered fills", () => {
    const stamps = Array.from({ length: 100 }, (_, i) => stamp(0, i + 1));
    const f = reactionFigures(reactionLatencies(stamps, { kind: "push" }), "push");
    expect([f.p50, f.p95, f.p99, f.max]).toEqual([50, 95, 99, 100]);
  });
});
