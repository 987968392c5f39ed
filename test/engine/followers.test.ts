/**
 * Accounts as data: one leader and followers at their own ratios, each account its own unit
 * of work, cross-account rules only through the hand-over (core/engine/handover.ts).
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { Roster } from "../../core/domain/accounts.ts";
import { Handover } from "../../core/engine/handover.ts";
import { AUTH_ERROR, START, account, cycleAfter, positionOf, startWarden, stopsOf, workingOrders, type Account } from "../support/protection-rig.ts";

const ROSTER = new Roster([
  { name: "lead" },
  { name: "f-close", follows: "lead", ratio: 0.5 },
  { name: "f-size", follows: "lead", ratio: 2, follow: "size" },
]);

/** lead BTC long 0.2; f-close 0.1 (ratio 0.5); f-size 0.4 (ratio 2, follows size); every one with Warden's stop. */
async function desk() {
  const clock = new VirtualClock(START);
  const accounts: Record<string, Account> = {};
  for (const name of ROSTER.names()) accounts[name] = account(name, clock, { BTCUSDT: 60_000 });
  accounts["lead"]!.mem.setPosition("BTCUSDT", "long", 0.2, 60_000);
  accounts["f-close"]!.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  accounts["f-size"]!.mem.setPosition("BTCUSDT", "long", 0.4, 60_000);
  const w = await startWarden(clock, Object.values(accounts), { roster: ROSTER });
  await cycleAfter(w);
  await cycleAfter(w);
  for (const [name, a] of Object.entries(accounts)) {
    const size = (await positionOf(a.mem, "BTCUSDT"))?.size;
    if (stopsOf(a.mem, "BTCUSDT").map((s) => s.qty).join() !== String(size)) throw new Error(`setup: ${name} should hold one full-size stop`);
  }
  return { clock, accounts, w };
}

/** Every account is read at least every activeEveryMs (15 s): a cycle after that sees what the trader did. */
const LOOK = 15_000;

const sizeOf = async (a: Account) => (await positionOf(a.mem, "BTCUSDT"))?.size ?? 0;

describe("followers", () => {
  test("each follower is linked to its leader's twin at its own ratio", async () => {
    const { w } = await desk();
    const byId = new Map(w.engine.monitors().map((m) => [m.id, m]));
    expect([byId.get("f-close:BTCUSDT:long")?.mirrorOf, byId.get("f-close:BTCUSDT:long")?.ratio]).toEqual(["lead:BTCUSDT:long", 0.5]);
    expect([byId.get("f-size:BTCUSDT:long")?.mirrorOf, byId.get("f-size:BTCUSDT:long")?.ratio]).toEqual(["lead:BTCUSDT:long", 2]);
  });

  test('follow "size": the leader adds and reduces by hand; the size follower trades to its ratio and its stop follows; the close follower does not trade', async () => {
    const { accounts, w } = await desk();
    const lead = accounts["lead"]!;
    lead.mem.setPosition("BTCUSDT", "long", 0.3, 60_000);
    await cycleAfter(w, LOOK);
    expect(await sizeOf(accounts["f-size"]!)).toBeCloseTo(0.6, 8);
    expect(await sizeOf(accounts["f-close"]!)).toBeCloseTo(0.1, 8);
    await cycleAfter(w, LOOK);
    expect(stopsOf(accounts["f-size"]!.mem, "BTCUSDT").map((s) => s.qty)).toEqual([0.6]);
    const followed = w.sink.events.filter((e) => e.event === "rule.applied" && e.rule === "follower-size-followed");
    expect(followed.map((e) => [e.monitor, e.side, e.qty])).toEqual([["f-size:BTCUSDT:long", "add", 0.2]]);

    lead.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    await cycleAfter(w, LOOK);
    await cycleAfter(w, LOOK);
    expect(await sizeOf(accounts["f-size"]!)).toBeCloseTo(0.2, 8);
    expect(stopsOf(accounts["f-size"]!.mem, "BTCUSDT").map((s) => s.qty)).toEqual([0.2]);
    // no second trade once at its ratio
    await cycleAfter(w, LOOK);
    expect(w.sink.events.filter((e) => e.event === "rule.applied" && e.rule === "follower-size-followed").length).toBe(2);
  });

  test("the leader closed by hand: every follower closes; one whose reads fail meanwhile follows once it is read again", async () => {
    const { accounts, w } = await desk();
    accounts["f-close"]!.port.readsFail = AUTH_ERROR;
    accounts["lead"]!.mem.setPosition("BTCUSDT", "long", 0, 60_000);
    await cycleAfter(w, LOOK);
    await cycleAfter(w, LOOK);
    expect(await sizeOf(accounts["f-size"]!)).toBe(0);
    expect(await sizeOf(accounts["f-close"]!)).toBeCloseTo(0.1, 8);
    accounts["f-close"]!.port.readsFail = undefined;
    await cycleAfter(w, LOOK);
    await cycleAfter(w, LOOK);
    expect(await sizeOf(accounts["f-close"]!)).toBe(0);
    for (const name of ROSTER.names()) expect(workingOrders(accounts[name]!.mem, "BTCUSDT")).toEqual([]);
    const followedBy = w.sink.events.filter((e) => e.event === "rule.applied" && e.rule === "mirror-close-followed").map((e) => e.monitor);
    expect(followedBy.sort()).toEqual(["f-close:BTCUSDT:long", "f-size:BTCUSDT:long"]);
  });

  test("a follower's failed reads hold back neither its leader nor the other follower: their stops are restored in the same cycle", async () => {
    const { accounts, w } = await desk();
    accounts["f-close"]!.port.readsFail = AUTH_ERROR;
    for (const name of ["lead", "f-size"]) {
      const { mem } = accounts[name]!;
      mem.cancelByHand(workingOrders(mem, "BTCUSDT").find((o) => o.triggerPrice !== undefined)!.linkId);
    }
    const report = await cycleAfter(w, LOOK);
    expect(report.failedAccounts).toBe(1);
    expect(stopsOf(accounts["lead"]!.mem, "BTCUSDT").map((s) => s.qty)).toEqual([0.2]);
    expect(stopsOf(accounts["f-size"]!.mem, "BTCUSDT").map((s) => s.qty)).toEqual([0.4]);
  });
});

describe("one account, one unit of work", () => {
  test("a follower whose reads hang holds back neither its leader's stop restore nor the other follower's: both are written while its read still waits", async () => {
    const { accounts, w } = await desk();
    let release = () => {};
    accounts["f-close"]!.port.readsWait = new Promise<void>((resolve) => (release = resolve));
    for (const name of ["lead", "f-size"]) {
      const { mem } = accounts[name]!;
      mem.cancelByHand(workingOrders(mem, "BTCUSDT").find((o) => o.triggerPrice !== undefined)!.linkId);
    }
    const sentBefore = new Map(Object.entries(accounts).map(([name, a]) => [name, a.port.sent.length]));
    let ended = false;
    const cycle = cycleAfter(w, LOOK).finally(() => (ended = true));
    const restored = (name: string) => accounts[name]!.port.sent.slice(sentBefore.get(name)).some((r) => r.kind === "place" && r.order.triggerPrice !== undefined && r.order.reduceOnly);
    // turns of the event loop, no clock: the two restores go out while f-close's read waits
    while (!(restored("lead") && restored("f-size"))) {
      if (ended) throw new Error("the cycle ended before both restores were sent");
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(ended).toBe(false);
    release();
    await cycle;
    expect(stopsOf(accounts["lead"]!.mem, "BTCUSDT").map((s) => s.qty)).toEqual([0.2]);
    expect(stopsOf(accounts["f-size"]!.mem, "BTCUSDT").map((s) => s.qty)).toEqual([0.4]);
  });
});

describe("hand-over", () => {
  const READ = { failed: false, loaded: true };
  const FAILED = { failed: true, loaded: false };
  const clock = new VirtualClock(START);
  async function monitorsOf(name: string, size: number) {
    const a = account(name, clock, { BTCUSDT: 60_000 });
    a.mem.setPosition("BTCUSDT", "long", size, 60_000);
    return a;
  }

  test("a leader's close stays queued for a follower until its position is closed: not while its read fails, not twice while its exit works, again when the exit was refused", async () => {
    const lead = await monitorsOf("lead", 0.2);
    const follower = await monitorsOf("f-close", 0.1);
    const w = await startWarden(clock, [lead, follower], { roster: new Roster([{ name: "lead" }, { name: "f-close", follows: "lead", ratio: 0.5 }]) });
    const leadMonitor = w.engine.monitors().find((m) => m.account === "lead")!;
    const mine = w.engine.monitors().filter((m) => m.account === "f-close");
    const handover = new Handover(new Roster([{ name: "lead" }, { name: "f-close", follows: "lead", ratio: 0.5 }]));
    const closed = { ...leadMonitor, status: "closed" as const, closeReason: "flat" as const };
    handover.post({ leader: "lead", monitors: [closed], closed: [closed], fresh: true });
    // its read failed: nothing now
    expect(handover.take("f-close", mine, FAILED, w.engine.instruments(), clock.now()).acted.flatMap((a) => a.actions)).toEqual([]);
    const taken = handover.take("f-close", mine, READ, w.engine.instruments(), clock.now()).acted;
    const exits = (acted: typeof taken) => acted.flatMap((a) => a.actions.filter((x) => x.kind === "place").map((x) => x.kind === "place" && [x.role, x.qty, x.reduceOnly]));
    expect(exits(taken)).toEqual([["exit", 0.1, true]]);
    // its exit working: not sent twice
    expect(exits(handover.take("f-close", [taken[0]!.monitor], READ, w.engine.instruments(), clock.now()).acted)).toEqual([]);
    // the exit refused (taken back): sent again, the close is still queued
    expect(exits(handover.take("f-close", mine, READ, w.engine.instruments(), clock.now()).acted)).toEqual([["exit", 0.1, true]]);
    // the follower's position closed: the close leaves the queue, and a later position of it is left alone
    handover.take("f-close", [{ ...mine[0]!, status: "closed", closeReason: "flat" }], READ, w.engine.instruments(), clock.now());
    expect(exits(handover.take("f-close", mine, READ, w.engine.instruments(), clock.now()).acted)).toEqual([]);
  });

  test("a follower position with no link is linked to the leader's twin at the follower's ratio, and given its targets when it has none", async () => {
    const lead = await monitorsOf("lead", 0.2);
    const follower = await monitorsOf("f1", 0.1);
    const roster = new Roster([{ name: "lead" }, { name: "f1", follows: "lead", ratio: 0.5 }]);
    const w = await startWarden(clock, [lead, follower], { roster });
    const leadMonitor = w.engine.monitors().find((m) => m.account === "lead")!;
    const { mirrorOf: _m, ratio: _r, stopPrice: _s, ...loose } = w.engine.monitors().find((m) => m.account === "f1")!;
    const handover = new Handover(roster);
    handover.post({ leader: "lead", monitors: [leadMonitor], closed: [], fresh: true });
    const [linked] = handover.take("f1", [loose], READ, w.engine.instruments(), clock.now()).acted;
    expect([linked?.monitor.mirrorOf, linked?.monitor.ratio, linked?.monitor.stopPrice]).toEqual(["lead:BTCUSDT:long", 0.5, leadMonitor.stopPrice]);
  });
});
