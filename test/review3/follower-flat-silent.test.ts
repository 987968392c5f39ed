/**
 * Review 3 (issue 12): divergence is reported per follower (README "Accounts": "a follower
 * whose size drifts from ratio x its leader's by more than one lot raises a divergence alert").
 */
import { expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { Roster } from "../../core/domain/accounts.ts";
import { START, account, alerts, alertSummary, cycleAfter, positionOf, startWarden, type Account } from "../support/protection-rig.ts";

const ROSTER = new Roster([
  { name: "lead" },
  { name: "f-close", follows: "lead", ratio: 0.5 },
]);
const LOOK = 15_000;

/**
 * Defect: Announcer.divergence (core/engine/announcer.ts) only looks at followers whose monitor
 * is active (`mirror.status !== "active"` -> skipped). A follower whose position went flat while
 * its leader still holds (closed by hand on the follower, liquidated, or flattened by Warden's own
 * follow trade, see follow-size-stale-follower.test.ts) is the widest drift there is
 * (0 where 0.5 x 0.2 = 0.1, 100 lots), yet no `divergence` alert is ever raised: the desk
 * believes the follower copies its leader while it holds nothing.
 *
 * Expected: a follower flat while its leader's twin is open is a divergence alert (account: the
 * follower), repeated while it lasts, like any other drift beyond one lot.
 */
test("regression: a follower closed by hand while its leader still holds raises a divergence alert", async () => {
  const clock = new VirtualClock(START);
  const accounts: Record<string, Account> = {};
  for (const name of ROSTER.names()) accounts[name] = account(name, clock, { BTCUSDT: 60_000 });
  accounts["lead"]!.mem.setPosition("BTCUSDT", "long", 0.2, 60_000);
  accounts["f-close"]!.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  const w = await startWarden(clock, Object.values(accounts), { roster: ROSTER });
  await cycleAfter(w);
  await cycleAfter(w);
  // the trader closes the follower by hand; the leader keeps its position
  accounts["f-close"]!.mem.setPosition("BTCUSDT", "long", 0, 60_000);
  await cycleAfter(w, LOOK);
  await cycleAfter(w, LOOK);
  expect((await positionOf(accounts["lead"]!.mem, "BTCUSDT"))?.size).toBeCloseTo(0.2, 8);
  expect((await positionOf(accounts["f-close"]!.mem, "BTCUSDT"))?.size ?? 0).toBe(0);
  const divergence = alerts(w.sink, "divergence").map((e) => e["account"]);
  expect({ divergence: divergence.slice(0, 1), all: alertSummary(w.sink) }).toEqual({ divergence: ["f-close"], all: expect.anything() });
});
