/**
 * Generated scenarios for many accounts (bench `--accounts N`, the accounts tests): one
 * leader and N-1 followers, M positions on each. The leader's positions are demo-30's
 * (markets, plans and price paths as scenario-gen.ts makes them: recorded instruments first,
 * then synthetic ones; even positions conservative, odd ones fast); each follower holds their
 * twins at its own ratio, cycling through FOLLOWER_RATIOS, each with its own stop, TPs and
 * entries at that size. Sizes sit on a grid of 160 lots for the leader, so that every
 * follower's size (40, 80, 160 or 320 lots per 160) keeps the ladder's 85/5/5/5 % and the
 * half-size entries on whole lots. Interventions, by hand on the leader: one stop cancelled
 * at a third of the path (restored), one position closed at half of it (every follower must
 * follow the close). Deterministic in (accounts, positions, seed, steps).
 */
import type { AccountId } from "../domain/types.ts";
import { seededRng } from "../rng.ts";
import { parseScenario } from "./scenario.ts";
import { marketsFor, OUTCOMES, planOrders, pricePath, qty, shapeOf, type OrderInput, type Outcome } from "./scenario-gen.ts";
import type { Scenario, ScenarioInput } from "./scenario-schema.ts";

export interface RosterGenerateOptions {
  /** Accounts in all: the leader and accounts - 1 followers (at least 1). */
  readonly accounts: number;
  /** Positions on each account (one symbol each). */
  readonly positions: number;
  readonly seed: number;
  /** Price steps (default 180: 15 minutes at 5 s). */
  readonly steps?: number;
  readonly latency?: string;
  /** Add the leader's two hand interventions (cancel one stop, close one position). Default true. */
  readonly interventions?: boolean;
}

export const LEADER: AccountId = "leader";
/** Follower i's size / the leader's, i = 1, 2, ... cycling. */
export const FOLLOWER_RATIOS = [0.5, 0.25, 1, 2] as const;
/** The leader's sizes are multiples of this many lots (see the file comment). */
const LOT_GRID = 160;

/** The name of follower i (1-based): follower-01, follower-02, ... */
export function followerName(i: number): AccountId {
  return `follower-${String(i).padStart(2, "0")}`;
}

export function followerRatio(i: number): number {
  return FOLLOWER_RATIOS[(i - 1) % FOLLOWER_RATIOS.length]!;
}

/** The scenario as a file would hold it (tests add interventions or faults, then parse it). */
export function rosterScenarioInput(opts: RosterGenerateOptions): ScenarioInput {
  const accountCount = Math.max(1, Math.floor(opts.accounts));
  const positionCount = Math.max(1, Math.floor(opts.positions));
  const steps = opts.steps ?? 180;
  const rng = seededRng(opts.seed);
  const markets = marketsFor(positionCount, rng);
  const offset = Math.floor(rng() * OUTCOMES.length);
  const followers = Array.from({ length: accountCount - 1 }, (_, k) => ({ name: followerName(k + 1), ratio: followerRatio(k + 1) }));
  const positions: NonNullable<ScenarioInput["positions"]> = [];
  const orders: OrderInput[] = [];
  const prices: Record<string, number[]> = {};
  const outcomes: Outcome[] = [];
  markets.forEach((m, i) => {
    const { conservative, long, outcome, lots } = shapeOf(m, i, offset, LOT_GRID, rng);
    outcomes.push(outcome);
    const side = long ? "long" : "short";
    positions.push({ account: LEADER, symbol: m.spec.symbol, side, size: qty(m.spec, lots), entryPrice: m.base });
    orders.push(...planOrders(LEADER, m, conservative, long, lots));
    for (const f of followers) {
      positions.push({ account: f.name, symbol: m.spec.symbol, side, size: qty(m.spec, lots * f.ratio), entryPrice: m.base });
      orders.push(...planOrders(f.name, m, conservative, long, lots * f.ratio));
    }
    prices[m.spec.symbol] = pricePath(m, outcome, long ? 1 : -1, steps, rng);
  });
  const interventions: NonNullable<ScenarioInput["interventions"]> = [];
  if (opts.interventions !== false) {
    const wander = outcomes.indexOf("wander");
    const entry = outcomes.indexOf("entry");
    const cancelled = markets[wander];
    const closed = markets[entry >= 0 ? entry : outcomes.indexOf("wander", wander + 1)];
    if (cancelled) interventions.push({ step: Math.floor(steps / 3), action: "cancel-order", account: LEADER, symbol: cancelled.spec.symbol, orderLinkId: `seed-${cancelled.spec.symbol}-sl` });
    if (closed) interventions.push({ step: Math.floor(steps / 2), action: "close-position", account: LEADER, symbol: closed.spec.symbol });
  }
  const accounts: ScenarioInput["accounts"] = {
    [LEADER]: { apiKey: `sim-${LEADER}-key`, apiSecret: `sim-${LEADER}-secret`, balance: 100_000 },
  };
  for (const f of followers) accounts[f.name] = { apiKey: `sim-${f.name}-key`, apiSecret: `sim-${f.name}-secret`, balance: 100_000 * f.ratio, follows: LEADER, ratio: f.ratio };
  return {
    name: `accounts-${accountCount}x${positionCount}`,
    description: `1 leader and ${accountCount - 1} followers (ratios ${FOLLOWER_RATIOS.join(", ")} in turn), ${positionCount} positions each, generated with seed ${opts.seed}`,
    seed: opts.seed,
    start: "2025-07-24T10:00:00Z",
    stepMs: 5000,
    latency: opts.latency ?? "recorded",
    accounts,
    instruments: markets.filter((m) => !m.record).map((m) => m.spec.symbol),
    syntheticInstruments: markets.flatMap((m) => (m.record ? [m.record as NonNullable<ScenarioInput["syntheticInstruments"]>[number]] : [])),
    positions,
    orders,
    prices,
    interventions,
  };
}

export function generateRosterScenario(opts: RosterGenerateOptions): Scenario {
  return parseScenario(rosterScenarioInput(opts), `generated scenario (--accounts ${opts.accounts}, ${opts.positions} positions each, seed ${opts.seed})`);
}
