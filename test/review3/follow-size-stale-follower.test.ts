/**
 * Review 3 (issue 12, `follow: "size"`): a size follower must never trade on a view of itself
 * that was not read in the same cycle as its leader's.
 */
import { expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { Roster } from "../../core/domain/accounts.ts";
import { START, account, cycleAfter, positionOf, startWarden, workingOrders, type Account } from "../support/protection-rig.ts";

const ROSTER = new Roster([
  { name: "lead" },
  { name: "f-size", follows: "lead", ratio: 0.5, follow: "size" },
]);

/**
 * Defect: Engine.cycle hands a follower its leader's news after the follower's own unit ran,
 * passing only `own.failed` (core/engine/engine.ts, Handover.take in core/engine/handover.ts).
 * A follower unit that was idle this cycle (no monitor due, so not read) is not "failed", and
 * followLeaderSize (core/domain/mirror.ts) compares the leader's fresh size with the
 * follower's size from an earlier read. Every follow trade makes the follower due at once
 * (`nextDueAt: now`), so from then on the two accounts are read in different cycles. When the
 * price reaches TP1, the exchange fills the leader's TP1 and the follower's twin TP1 (same
 * price, ratio qty); the leader is read first, the follower (not read) still looks 0.2, so
 * Warden sends a reduce of 0.1 on top of its own TP fill: the follower ends FLAT while its
 * leader holds 0.2 (a follower trading against its leader; the rest of its trade lost).
 *
 * Expected: the follower trades to follow its leader's size only on a view of itself read in
 * the same cycle (or after settling what changed); after TP1 it holds 0.1 = 0.5 x 0.2.
 */
test("regression: a size follower not read in its leader's cycle does not reduce again on top of its own TP fill (it is not flattened while its leader holds)", async () => {
  const clock = new VirtualClock(START);
  const accounts: Record<string, Account> = {};
  for (const name of ROSTER.names()) accounts[name] = account(name, clock, { BTCUSDT: 60_000 });
  const lead = accounts["lead"]!;
  const follower = accounts["f-size"]!;
  lead.mem.setPosition("BTCUSDT", "long", 0.2, 60_000);
  follower.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  const w = await startWarden(clock, [lead, follower], { roster: ROSTER });
  // the trader's plan for both positions: TPs at 61 000 and 62 000, half each
  await w.store.updatePositionPlans(() => ({
    "lead:BTCUSDT:long": { tps: { prices: [61_000, 62_000] }, ladder: [50, 50], at: clock.now() },
    "f-size:BTCUSDT:long": { tps: { prices: [61_000, 62_000] }, ladder: [50, 50], at: clock.now() },
  }));
  for (let i = 0; i < 3; i++) await cycleAfter(w);
  // the trader adds to the leader by hand: the follower follows (0.1 -> 0.2)
  lead.mem.setPosition("BTCUSDT", "long", 0.4, 60_000);
  const next = (name: string) => w.engine.monitors().find((m) => m.account === name && m.status === "active")!.nextDueAt - clock.now();
  for (let i = 0; i < 3; i++) await cycleAfter(w);
  expect((await positionOf(follower.mem, "BTCUSDT"))?.size).toBeCloseTo(0.2, 8);
  // polling as `run` does, until the leader is due next cycle and the follower is not
  for (let i = 0; i < 10 && !(next("lead") <= 2_000 && next("f-size") > 2_000); i++) await cycleAfter(w);
  expect([next("lead") <= 2_000, next("f-size") > 2_000]).toEqual([true, true]);

  // the price reaches TP1: the exchange fills both accounts' TP1
  for (const a of [lead, follower]) {
    a.mem.setMark("BTCUSDT", 61_000);
    a.mem.fill(workingOrders(a.mem, "BTCUSDT").find((o) => o.price === 61_000)!.linkId);
  }
  for (let i = 0; i < 4; i++) await cycleAfter(w);

  expect((await positionOf(lead.mem, "BTCUSDT"))?.size).toBeCloseTo(0.2, 8);
  const followed = w.sink.events.filter((e) => e.event === "rule.applied" && e.rule === "follower-size-followed").map((e) => `${String(e.side)} ${String(e.qty)}`);
  expect({ followerSize: (await positionOf(follower.mem, "BTCUSDT"))?.size ?? 0, followed }).toEqual({ followerSize: 0.1, followed: ["add 0.1"] });
});
