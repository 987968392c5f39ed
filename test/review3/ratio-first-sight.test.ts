/**
 * Review 3 (issue 12): a follower without a configured ratio ("read off the accounts at
 * start-up when absent"; README: "the ratio is fixed at first sight and kept in the state dir").
 */
import { expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { Roster } from "../../core/domain/accounts.ts";
import { START, account, cycleAfter, positionOf, startWarden } from "../support/protection-rig.ts";

/**
 * Defect: start-up (fixRatios in core/engine/start-up.ts) reads a follower's ratio off the
 * positions both accounts hold at start-up; when they hold none (a desk starting flat, the
 * usual case), the ratio stays unset for the whole run, and every later link falls back to 1
 * (`ratio ?? twin.ratio ?? 1` in Handover.take, core/engine/handover.ts, and
 * `roster.spec(...)?.ratio ?? monitor.ratio ?? 1` in reconcile's linkFollowers). The desk then
 * opens its trade: leader 0.2, follower 0.1 (its half). The follower is linked at ratio 1 and,
 * with `follow: "size"`, Warden BUYS 0.1 more at market to make it 1 x its leader: a trade the
 * desk never asked for, doubling the follower's risk (with `follow: "close"`, a false divergence
 * alert every cycle instead).
 *
 * Expected: the ratio is fixed at first sight (the first time both hold the position, 0.5 here)
 * as at start-up, or the follower is not size-followed until it has one; no trade here.
 */
test("regression: a follower with no configured ratio and nothing open at start-up is not traded to ratio 1 when the desk opens its trade", async () => {
  const clock = new VirtualClock(START);
  const roster = new Roster([{ name: "lead" }, { name: "f-size", follows: "lead", follow: "size" }]);
  const lead = account("lead", clock, { BTCUSDT: 60_000 });
  const follower = account("f-size", clock, { BTCUSDT: 60_000 });
  const w = await startWarden(clock, [lead, follower], { roster });
  await cycleAfter(w);
  // the desk opens its trade on both accounts, the follower at half size
  lead.mem.setPosition("BTCUSDT", "long", 0.2, 60_000);
  follower.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  for (let i = 0; i < 5; i++) await cycleAfter(w, 15_000);
  const traded = w.sink.events.filter((e) => e.event === "rule.applied" && e.rule === "follower-size-followed").map((e) => `${String(e.side)} ${String(e.qty)} ratio ${String(e.ratio)}`);
  expect({ size: (await positionOf(follower.mem, "BTCUSDT"))?.size, traded }).toEqual({ size: 0.1, traded: [] });
});
