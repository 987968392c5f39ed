/**
 * Test support: a simulator scenario of a configured roster of three accounts whose names
 * carry a `-` (a leader and two followers at their own ratios), with positions and no
 * orders, so the engine adopts them and writes their stops; the leader's BTCUSDT position is
 * closed by hand at step 3, which each follower's twin follows. Also the matching config.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const ROSTER = [
  { name: "desk-lead" },
  { name: "fam-1", follows: "desk-lead", ratio: 0.5 },
  { name: "fund-b-2", follows: "desk-lead", ratio: 0.25, follow: "close" },
] as const;

const SIZES: Record<string, number> = { "desk-lead": 1, "fam-1": 0.5, "fund-b-2": 0.25 };

/** Writes `roster.json` (the scenario) and `warden.json` (the config with its `accounts`) into `dir`; returns their paths. */
export function writeRosterScenario(
  dir: string,
  keys: Readonly<Record<string, { apiKey: string; secret: string }>> = {},
  /** The scenario's `faults` (fixtures/scenarios/README.md). */
  faults: readonly unknown[] = [],
): { scenario: string; config: string } {
  const accounts = Object.fromEntries(
    ROSTER.map((a) => [
      a.name,
      { apiKey: keys[a.name]?.apiKey ?? `sim-${a.name}-key`, apiSecret: keys[a.name]?.secret ?? `sim-${a.name}-secret`, ...("follows" in a ? { follows: a.follows, ratio: a.ratio } : {}) },
    ]),
  );
  const positions = ROSTER.flatMap((a) => [
    { account: a.name, symbol: "BTCUSDT", side: "long", size: round(0.2 * SIZES[a.name]!, 3), entryPrice: 60000 },
    { account: a.name, symbol: "ETHUSDT", side: "short", size: round(2 * SIZES[a.name]!, 2), entryPrice: 3000 },
  ]);
  const scenario = {
    name: "roster-3",
    description: "Three accounts (a leader, two followers at 0.5 and 0.25) with a long BTC and a short ETH each, no orders; the leader's BTC closed by hand at step 3.",
    seed: 11,
    start: "2025-07-24T10:00:00Z",
    stepMs: 5000,
    latency: "zero",
    accounts,
    instruments: ["BTCUSDT", "ETHUSDT"],
    positions,
    orders: [],
    interventions: [{ step: 3, action: "close-position", account: "desk-lead", symbol: "BTCUSDT" }],
    faults,
    prices: {
      BTCUSDT: [60000, 60100, 60200, 60300, 60250, 60200, 60150, 60100],
      ETHUSDT: [3000, 2995, 2990, 2985, 2990, 2995, 2992, 2990],
    },
  };
  const files = { scenario: join(dir, "roster.json"), config: join(dir, "warden.json") };
  writeFileSync(files.scenario, JSON.stringify(scenario, null, 2));
  writeFileSync(files.config, JSON.stringify({ accounts: ROSTER }, null, 2));
  return files;
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}
