/**
 * Issue 12's done-when, in process: a leader and 20 followers (ratios 0.5, 0.25, 1, 2 in
 * turn), 30 positions each, played by one engine on the simulator with ccxt's real code
 * (app/sim-session.ts). A clean run ends with every follower at its ratio (the leader's
 * position closed by hand followed by all 20) and every position protected; a follower
 * whose keys are revoked mid-run (retCode 10003), or one rate-limited mid-run (10006), fails
 * alone (one failed account in every cycle from then on) and leaves the other 20 accounts
 * protected and at their ratio, the leader's close followed by each of them.
 *
 * On time: every monitor of a healthy account due at a cycle's start is looked at in that
 * cycle. (When a stop triggers on a symbol it triggers on all 21 accounts in one step; each
 * account's vanished orders are looked up together in its order history, not one or two calls
 * per order, and a request waiting in Warden's own budget does not count against the deadline.)
 *
 * Pacing: with zero latency the engine could start cycles back to back, some 90 reads each,
 * far faster than Bybit's 600 requests per 5 s per IP allow (a live run pauses intervalMs,
 * 2 s, between cycles: about 40 requests a second here). So, as that pause would, each cycle
 * starts once the engine's own budget has room in the IP window for twice the scenario's read
 * floor: the budget never holds a read at the window, and what is measured is isolation.
 */
import { sleep } from "../../core/clock.ts";
import { describe, expect, test } from "bun:test";
import { openSimSession, type SimSession } from "../../app/sim-session.ts";
import type { CycleReport } from "../../core/engine/engine.ts";
import type { AccountId, ExchangeOrder, ExchangePosition } from "../../core/domain/types.ts";
import { MemorySink, type WardenEvent } from "../../core/logs/event.ts";
import { followerName, followerRatio, LEADER, rosterScenarioInput } from "../../core/sim/roster-scenario-gen.ts";
import { parseScenario } from "../../core/sim/scenario.ts";
import type { ScenarioInput } from "../../core/sim/scenario-schema.ts";

const FOLLOWERS = 20;
const POSITIONS = 30;
const STEPS = 20;
/** The follower that fails in the faulted runs (ratio 2, the largest), and from which step. */
const FAILING = followerName(7);
const FAIL_STEP = 5;

interface Played {
  readonly session: SimSession;
  readonly events: WardenEvent[];
  readonly reports: CycleReport[];
  /** What the accounts hold at the end (the failing one left out: it cannot be read). */
  readonly final: Map<AccountId, { positions: ExchangePosition[]; orders: ExchangeOrder[] }>;
  readonly ip403: number;
  /** Monitors of healthy accounts due at a cycle's start and not looked at in it. */
  readonly late: readonly string[];
}

type Extra = { readonly interventions?: readonly NonNullable<ScenarioInput["interventions"]>[number][]; readonly faults?: readonly NonNullable<ScenarioInput["faults"]>[number][] };

function scenario(extra: Extra = {}) {
  const input = rosterScenarioInput({ accounts: FOLLOWERS + 1, positions: POSITIONS, seed: 3, steps: STEPS, latency: "zero" });
  return parseScenario({ ...input, interventions: [...(input.interventions ?? []), ...(extra.interventions ?? [])], faults: [...(extra.faults ?? [])] }, "roster test scenario");
}

/** Resolves once the engine's budget has room for `n` more requests in the IP window. */
async function ipRoom(session: SimSession, n: number): Promise<void> {
  // the budget knows when its window slides: wait exactly until the oldest requests leave it
  for (let ms = session.budget.ipRoomInMs(n); ms > 0; ms = session.budget.ipRoomInMs(n)) await sleep(ms);
}

async function play(input: ReturnType<typeof scenario>, failing?: AccountId): Promise<Played> {
  const sink = new MemorySink();
  const session = await openSimSession(input, { strategy: "warden", latency: "zero", sink });
  const reports: CycleReport[] = [];
  const readFloor = (FOLLOWERS + 1) * (1 + Math.ceil(input.orders.length / (FOLLOWERS + 1) / 50));
  const late: string[] = [];
  while (!session.finished()) {
    await ipRoom(session, 2 * readFloor);
    // on time: every monitor of a healthy account due at the cycle's start is looked at in that cycle
    const at = session.clock.now();
    const due = session.engine.monitors().filter((m) => m.status === "active" && m.account !== failing && m.nextDueAt <= at).map((m) => m.id);
    reports.push(await session.runCycle());
    const after = new Map(session.engine.monitors().map((m) => [m.id, m]));
    for (const id of due) {
      const m = after.get(id);
      if (m !== undefined && m.status === "active" && m.lastEvaluatedAt < at) late.push(`${id} at cycle ${reports.length}`);
    }
  }
  const final: Played["final"] = new Map();
  for (const [account, exchange] of session.exchanges) {
    if (account === failing) continue;
    final.set(account, { positions: await exchange.positions(), orders: await exchange.openOrders() });
  }
  return { session, events: sink.events, reports, final, ip403: session.sim.log.filter((e) => e.status === 403).length, late };
}

/** Every open position has working reduce-only stops for exactly its size, and no order works on a flat symbol. */
function unprotectedOf(final: Played["final"]): string[] {
  const out: string[] = [];
  for (const [account, { positions, orders }] of final) {
    const open = new Set(positions.map((p) => p.symbol));
    for (const o of orders) if (!open.has(o.symbol)) out.push(`${account}:${o.symbol}: order ${o.linkId} on a flat symbol`);
    for (const p of positions) {
      const stops = orders.filter((o) => o.symbol === p.symbol && o.triggerPrice !== undefined && o.reduceOnly).map((o) => o.qty);
      if (stops.length !== 1 || stops[0] !== p.size) out.push(`${account}:${p.symbol}:${p.side} size ${p.size}, stops ${JSON.stringify(stops)}`);
    }
  }
  return out;
}

/** Each follower's positions are the leader's at its ratio (within one lot's rounding), and it holds none the leader does not. */
function offRatioOf(final: Played["final"]): string[] {
  const leader = final.get(LEADER)!.positions;
  const out: string[] = [];
  for (let i = 1; i <= FOLLOWERS; i++) {
    const name = followerName(i);
    const mine = final.get(name)?.positions;
    if (mine === undefined) continue;
    const ratio = followerRatio(i);
    for (const l of leader) {
      const twin = mine.find((p) => p.symbol === l.symbol && p.side === l.side);
      if (twin === undefined || Math.abs(twin.size - l.size * ratio) > l.size * ratio * 0.01) out.push(`${name}:${l.symbol} ${twin?.size ?? "none"} vs leader ${l.size} x ${ratio}`);
    }
    for (const p of mine) if (!leader.some((l) => l.symbol === p.symbol && l.side === p.side)) out.push(`${name}:${p.symbol} open while the leader is flat`);
  }
  return out;
}

function closedByHand(input: ReturnType<typeof scenario>): string {
  const iv = input.interventions.find((i) => i.action === "close-position");
  if (iv === undefined || !("symbol" in iv)) throw new Error("the generated scenario closes one leader position by hand");
  return iv.symbol;
}

function followedCloses(events: readonly WardenEvent[], symbol: string): string[] {
  return events.filter((e) => e.event === "rule.applied" && e["rule"] === "mirror-close-followed" && String(e["monitor"]).includes(`:${symbol}:`)).map((e) => String(e["monitor"]).split(":")[0]!).sort();
}

function healthyFollowers(failing?: AccountId): string[] {
  return Array.from({ length: FOLLOWERS }, (_, k) => followerName(k + 1)).filter((n) => n !== failing).sort();
}

describe("one leader and 20 followers, 30 positions each", () => {
  test(
    "runs to its end with every follower at its ratio, the leader's close followed by all 20, and every position protected",
    async () => {
      const input = scenario();
      const run = await play(input);
      expect(run.session.finished()).toBe(true);
      expect(run.final.size).toBe(FOLLOWERS + 1);
      expect(run.final.get(LEADER)!.positions.length).toBeGreaterThan(0);
      expect(followedCloses(run.events, closedByHand(input))).toEqual(healthyFollowers());
      expect(offRatioOf(run.final)).toEqual([]);
      expect(unprotectedOf(run.final)).toEqual([]);
      expect(run.reports.at(-1)!.unprotected).toBe(0);
      expect(run.reports.filter((r) => r.failedAccounts > 0).map((r) => r.cycle)).toEqual([]);
      expect(run.late).toEqual([]);
      expect(run.ip403).toBe(0);
    },
    180_000,
  );

  for (const [what, extra] of [
    ["whose keys are revoked mid-run (10003)", { interventions: [{ step: FAIL_STEP, action: "revoke-keys" as const, account: FAILING }] }],
    ["rate-limited mid-run (10006 on every request)", { faults: [{ kind: "10006" as const, account: FAILING, fromStep: FAIL_STEP }] }],
  ] as const) {
    test(
      `a follower ${what} fails alone and leaves the other 20 accounts protected and at their ratio`,
      async () => {
        const input = scenario(extra);
        const run = await play(input, FAILING);
        expect(run.session.finished()).toBe(true);
        // the failure is real: the engine saw that account's reads fail from FAIL_STEP on
        expect(run.reports.slice(FAIL_STEP + 1).every((r) => r.failedAccounts === 1)).toBe(true);
        expect(run.final.size).toBe(FOLLOWERS);
        expect(followedCloses(run.events, closedByHand(input)).filter((n) => n !== FAILING)).toEqual(healthyFollowers(FAILING));
        expect(offRatioOf(run.final)).toEqual([]);
        expect(unprotectedOf(run.final)).toEqual([]);
        expect(run.late).toEqual([]);
        expect(run.ip403).toBe(0);
      },
      180_000,
    );
  }
});
