/**
 * Review 3 (issue 12): a roster where `mirror` is a name of its own. A desk that ran the
 * default roster (`mirror` following `main`) and then configures `accounts` with `mirror` as an
 * account that follows no one.
 */
import { expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { Roster, defaultRoster } from "../../core/domain/accounts.ts";
import { MemoryStateStore } from "../../core/store/memory-state-store.ts";
import { START, account, alerts, cycleAfter, startWarden } from "../support/protection-rig.ts";

/**
 * Defect: the stored monitors of `mirror` keep `mirrorOf: "main:..."` and their ratio after the
 * restart: reconcile's linkFollowers (core/domain/reconcile.ts) only links, it never unlinks an
 * account the roster says follows no one, and Announcer.divergence (core/engine/announcer.ts)
 * judges every monitor with a `mirrorOf`, whatever the roster says. So an independent account
 * gets an error-level `divergence` alert every alertRepeatMs ("mirror ... holds 0.3 where 0.5 x
 * main ... is 0.1") about a leader it no longer follows: false alarms that teach the desk to
 * ignore the alert that matters.
 *
 * Expected: with `mirror` following no one, its monitors are no one's twins (no mirrorOf) and no
 * divergence is reported for them.
 */
test("regression: an account the roster no longer has follow anyone is unlinked at start-up and raises no divergence alert", async () => {
  const clock = new VirtualClock(START);
  const main = account("main", clock, { BTCUSDT: 60_000 });
  const mirror = account("mirror", clock, { BTCUSDT: 60_000 });
  main.mem.setPosition("BTCUSDT", "long", 0.2, 60_000);
  mirror.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  const store = new MemoryStateStore();
  // yesterday: the default roster, mirror following main at 0.5
  const before = await startWarden(clock, [main, mirror], { store, roster: defaultRoster(["main", "mirror"], 0.5) });
  await cycleAfter(before);
  expect(before.engine.monitors().find((m) => m.account === "mirror")?.mirrorOf).toBe("main:BTCUSDT:long");

  // today: `accounts: [{ name: "main" }, { name: "mirror" }]`; mirror trades on its own
  mirror.mem.setPosition("BTCUSDT", "long", 0.3, 60_000);
  const w = await startWarden(clock, [main, mirror], { store, roster: new Roster([{ name: "main" }, { name: "mirror" }]) });
  for (let i = 0; i < 10; i++) await cycleAfter(w, 15_000);
  const own = w.engine.monitors().find((m) => m.account === "mirror" && m.status === "active");
  expect({ mirrorOf: own?.mirrorOf, divergence: alerts(w.sink, "divergence").map((e) => String(e["message"])) }).toEqual({ mirrorOf: undefined, divergence: [] });
});
