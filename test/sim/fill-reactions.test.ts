/**
 * The venue's fill-to-reaction stamps on demo-30 played without an engine: its first fills
 * (entry limits at steps 43 and 44) wait for a stop write on their account and symbol;
 * a take-profit amend or a write on another symbol does not answer them; a stop amend does.
 */
import { describe, expect, test } from "bun:test";
import { FillReactionClock } from "../../core/sim/fill-reactions.ts";
import { loadScenario } from "../../core/sim/scenario.ts";
import { createVenue } from "../../core/sim/venue.ts";

async function afterStep(venue: ReturnType<typeof createVenue>, n: number): Promise<void> {
  venue.step(n);
  await Promise.resolve(); // the step's flag clears in a microtask: writes after it are writes
}

describe("fill reactions at the venue", () => {
  test("stamps entry fills, and answers them with the first stop write on their account and symbol", async () => {
    const venue = createVenue(loadScenario("demo-30"));
    let now = 0;
    const clock = new FillReactionClock(venue, () => now);
    now = 10;
    await afterStep(venue, 43);
    now = 20;
    await afterStep(venue, 1);
    const fills = clock.reactions();
    expect(fills.map((f) => [f.account, f.symbol, f.kind, f.step, f.filledAt])).toEqual([
      ["main", "APTUSDT", "entry", 43, 10],
      ["main", "XRPUSDT", "entry", 44, 20],
      ["mirror", "XRPUSDT", "entry", 44, 20],
    ]);
    expect(fills.every((f) => f.reactedAt === undefined)).toBe(true);
    now = 30;
    venue.amendOrder("main", { category: "linear", symbol: "APTUSDT", orderLinkId: "seed-APTUSDT-tp1", qty: "290.7" });
    venue.amendOrder("main", { category: "linear", symbol: "XRPUSDT", orderLinkId: "seed-XRPUSDT-sl", qty: "5460" });
    now = 40;
    venue.amendOrder("main", { category: "linear", symbol: "APTUSDT", orderLinkId: "seed-APTUSDT-sl", qty: "342" });
    now = 50;
    venue.amendOrder("main", { category: "linear", symbol: "APTUSDT", orderLinkId: "seed-APTUSDT-sl", qty: "343" });
    expect(clock.reactions().map((f) => [f.account, f.symbol, f.reactedAt])).toEqual([
      ["main", "APTUSDT", 40],
      ["main", "XRPUSDT", 30],
      ["mirror", "XRPUSDT", undefined],
    ]);
    clock.close();
  });

  test("counts a position's first take-profit fill once per lifetime, and not the fills that leave it flat", async () => {
    const venue = createVenue(loadScenario("demo-30"));
    const clock = new FillReactionClock(venue, () => 0);
    await afterStep(venue, 92);
    const tp1 = clock.reactions().filter((f) => f.kind === "tp1");
    // LINKUSDT and BTCUSDT keep a position after TP1; ARBUSDT's and DOGEUSDT's take-profits close theirs
    expect(tp1.map((f) => `${f.account} ${f.symbol}`).sort()).toEqual(expect.arrayContaining(["main LINKUSDT"]));
    expect(tp1.map((f) => f.symbol)).not.toContain("ARBUSDT");
    const keys = tp1.map((f) => `${f.account} ${f.symbol}`);
    expect(new Set(keys).size).toBe(keys.length);
    clock.close();
  });
});
