/**
 * Review 3 (issue 12): followers of followers. `b` follows `lead` at 0.5, `c` follows `b` at
 * 0.5 with `follow: "size"`, `h` follows `lead` in hedge mode; the leader is traded by hand.
 * Holds today (not covered elsewhere: followers.test.ts has one level only, one-way mode).
 */
import { expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { Roster } from "../../core/domain/accounts.ts";
import { MemoryExchange } from "../../core/exchange/memory-exchange.ts";
import { START, ScriptedAccount, account, cycleAfter, isProtected, positionOf, startWarden, workingOrders, type Account } from "../support/protection-rig.ts";

const ROSTER = new Roster([
  { name: "c", follows: "b", ratio: 0.5, follow: "size" },
  { name: "b", follows: "lead", ratio: 0.5, follow: "size" },
  { name: "lead" },
  { name: "h", follows: "lead", ratio: 1 },
]);
const LOOK = 15_000;

test("a chain lead -> b -> c (listed followers first) follows an add level by level, then the leader's close; every position protected throughout, nothing left working", async () => {
  const clock = new VirtualClock(START);
  const accounts: Record<string, Account> = {};
  for (const name of ["lead", "b", "c"]) accounts[name] = account(name, clock, { BTCUSDT: 60_000 });
  const hedge = new MemoryExchange("h", { clock, marks: { BTCUSDT: 60_000 }, positionMode: "hedge" });
  accounts["h"] = { mem: hedge, port: new ScriptedAccount(hedge, clock) };
  accounts["lead"]!.mem.setPosition("BTCUSDT", "long", 0.4, 60_000);
  accounts["b"]!.mem.setPosition("BTCUSDT", "long", 0.2, 60_000);
  accounts["c"]!.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  hedge.setPosition("BTCUSDT", "long", 0.4, 60_000);
  hedge.setPosition("BTCUSDT", "short", 0.3, 60_000); // the hedge account's own short, no twin
  const w = await startWarden(clock, Object.values(accounts), { roster: ROSTER });
  const size = async (name: string) => (await positionOf(accounts[name]!.mem, "BTCUSDT"))?.size ?? 0;
  const allProtected = async () => {
    for (const name of ["lead", "b", "c"]) if (!(await isProtected(accounts[name]!.mem, "BTCUSDT", 0.001))) return false;
    return true;
  };
  for (let i = 0; i < 3; i++) await cycleAfter(w);
  expect(await allProtected()).toBe(true);

  accounts["lead"]!.mem.setPosition("BTCUSDT", "long", 0.8, 60_000);
  for (let i = 0; i < 6; i++) await cycleAfter(w, LOOK);
  expect([await size("lead"), await size("b"), await size("c"), await size("h")]).toEqual([0.8, 0.4, 0.2, 0.4]);
  expect(await allProtected()).toBe(true);

  accounts["lead"]!.mem.setPosition("BTCUSDT", "long", 0, 60_000);
  for (let i = 0; i < 6; i++) await cycleAfter(w, LOOK);
  expect([await size("lead"), await size("b"), await size("c")]).toEqual([0, 0, 0]);
  // the hedge follower closed its long twin only; its own short stays, protected
  const h = (await hedge.positions()).map((p) => [p.side, p.size]);
  expect(h).toEqual([["short", 0.3]]);
  for (const name of ["lead", "b", "c"]) expect(workingOrders(accounts[name]!.mem, "BTCUSDT")).toEqual([]);
  const hedgeOrders = workingOrders(hedge, "BTCUSDT").map((o) => [o.side, o.qty, o.positionIdx]);
  expect(hedgeOrders).toEqual([["buy", 0.3, 2]]);
  const followed = w.sink.events.filter((e) => e.event === "rule.applied" && (e.rule === "follower-size-followed" || e.rule === "mirror-close-followed")).map((e) => `${String(e.rule)} ${String(e.account)}`);
  expect(followed.sort()).toEqual(["follower-size-followed b", "follower-size-followed c", "mirror-close-followed b", "mirror-close-followed c", "mirror-close-followed h"]);
});
