/**
 * Review 3 (issue 12, hand-over): "a leader's close stays queued for a follower until its
 * position is closed ... never applied to a later lifetime" (handover.ts, merge c264973).
 */
import { expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { Roster } from "../../core/domain/accounts.ts";
import { AUTH_ERROR, START, account, cycleAfter, positionOf, startWarden, type Account } from "../support/protection-rig.ts";

const ROSTER = new Roster([
  { name: "lead" },
  { name: "f-close", follows: "lead", ratio: 0.5 },
]);
const LOOK = 15_000;

/**
 * Defect: Handover (core/engine/handover.ts) binds a queued leader close to the follower's
 * lifetime (`close.life`) only the first time the follower takes it with a successful read. A
 * close posted while the follower's reads fail is unbound; if the follower's position is closed
 * and a new one opened meanwhile (the trader, seeing the follower did not follow, closes it by
 * hand and later opens a new trade on it), the follower's first successful cycle renews its
 * monitor to the new lifetime (evaluate's `reopened`, same monitor id, still `mirrorOf` the
 * leader), and `take` then binds the old close to this NEW position and sends a market exit:
 * Warden closes a position the trader opened after the leader's close.
 *
 * Expected: a close applies only to the follower lifetime that was open when the leader went
 * flat (e.g. bound at post time, or to lifetimes opened before the leader's close); the new
 * position stays open, with its stop.
 */
test("regression: a leader close queued while a follower's reads fail is not applied to a position the follower opened afterwards", async () => {
  const clock = new VirtualClock(START);
  const accounts: Record<string, Account> = {};
  for (const name of ROSTER.names()) accounts[name] = account(name, clock, { BTCUSDT: 60_000 });
  const lead = accounts["lead"]!;
  const follower = accounts["f-close"]!;
  // Bybit's position records carry their creation time: the rig's fake does not, so add it
  let openedAt = START - 60_000;
  const withOpened = async () => (await follower.mem.positions()).map((p) => ({ ...p, openedAt }));
  let cached: Awaited<ReturnType<typeof withOpened>> = [];
  follower.port.positionsOverride = () => cached;
  const refresh = async () => void (cached = await withOpened());
  lead.mem.setPosition("BTCUSDT", "long", 0.2, 60_000);
  follower.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  await refresh();
  const w = await startWarden(clock, [lead, follower], { roster: ROSTER });
  await cycleAfter(w);
  await cycleAfter(w);
  expect(w.engine.monitors().find((m) => m.account === "f-close")?.mirrorOf).toBe("lead:BTCUSDT:long");

  // the follower's key is revoked; the leader is closed by hand: the close waits for the follower
  follower.port.readsFail = AUTH_ERROR;
  lead.mem.setPosition("BTCUSDT", "long", 0, 60_000);
  await cycleAfter(w, LOOK);
  await cycleAfter(w, LOOK);
  // the trader closes the follower by hand, and later opens a new trade on it
  clock.advance(60_000);
  follower.mem.setPosition("BTCUSDT", "long", 0, 60_000);
  follower.mem.setPosition("BTCUSDT", "long", 0.3, 60_500);
  openedAt = clock.now();
  await refresh();
  // the key is fixed
  follower.port.readsFail = undefined;
  for (let i = 0; i < 3; i++) {
    await cycleAfter(w, LOOK);
    await refresh();
  }
  const followed = w.sink.events.filter((e) => e.event === "rule.applied" && e.rule === "mirror-close-followed").map((e) => String(e["qty"]));
  expect({ size: (await positionOf(follower.mem, "BTCUSDT"))?.size ?? 0, followed }).toEqual({ size: 0.3, followed: [] });
});
