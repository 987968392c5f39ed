/**
 * Scenarios in the shape of demo-30 for any number of monitors (bench `--monitors N`).
 * Two thirds of the monitors are positions on main (one symbol each: the 8 recorded linear
 * instruments first, then synthetic ones), the rest are mirror twins (ratio 0.5) of the
 * first main positions. Even main monitors get a conservative plan (entries e2/e3 at -1%/-2%,
 * TP ladder 85/5/5/5 % at +2..+5%, SL at -3% for the full size), odd ones a fast plan (TP at
 * +2% for 100%, SL at -2%); percentages are for a long and mirrored for a short. Each
 * symbol's price path plays one outcome (TP1 hit, stop hit, entry then TP1, entry only,
 * wander), so a run sees entries fill, TPs fill, stops trigger and positions stay open.
 * Deterministic in (monitors, seed, steps).
 */
import type { AccountId } from "../domain/types.ts";
import { seededRng, type Rng } from "../rng.ts";
import { recordedInstruments, specOf, syntheticRecord, type InstrumentSpec } from "./instruments.ts";
import { parseScenario } from "./scenario.ts";
import type { Scenario, ScenarioInput } from "./scenario-schema.ts";

export interface GenerateOptions {
  readonly monitors: number;
  readonly seed: number;
  /** Price steps (default 180: 15 minutes at 5 s). */
  readonly steps?: number;
  readonly latency?: string;
  /** Add the two hand interventions (cancel one stop, close one position). Default true. */
  readonly interventions?: boolean;
}

export type Outcome = "tp" | "stop" | "entry-tp" | "entry" | "wander";
export const OUTCOMES: readonly Outcome[] = ["tp", "wander", "stop", "entry-tp", "entry", "tp", "wander", "entry-tp", "stop", "entry"];

/** Waypoints (fraction of the path, move relative to the entry for a long). */
const SHAPES: Record<Outcome, readonly [number, number][]> = {
  tp: [[0, 0], [0.3, 0.008], [0.55, 0.023], [1, 0.026]],
  stop: [[0, 0], [0.25, -0.005], [0.6, -0.034], [1, -0.038]],
  "entry-tp": [[0, 0], [0.3, -0.013], [0.5, -0.006], [0.8, 0.023], [1, 0.024]],
  entry: [[0, 0], [0.35, -0.014], [1, -0.009]],
  wander: [[0, 0], [0.3, 0.006], [0.6, -0.005], [1, 0.003]],
};
const NOISE = 0.0012;

const RECORDED_BASE: Record<string, number> = {
  BTCUSDT: 60000, ETHUSDT: 3000, LTCUSDT: 70, ADAUSDT: 0.4, XRPUSDT: 0.6, DOGEUSDT: 0.12, TRXUSDT: 0.25, ZRXUSDT: 0.35,
};
const SYNTHETIC_NAMES = ["SOL", "AVAX", "LINK", "DOT", "ATOM", "NEAR", "APT", "ARB", "OP", "SUI", "INJ", "FIL", "UNI", "AAVE", "ETC", "BCH"];
/** Price classes for synthetic instruments: typical price, tick, qty step. */
const CLASSES: readonly [number, string, string][] = [
  [150, "0.01", "0.1"], [35, "0.001", "0.1"], [12, "0.001", "0.1"], [5, "0.0001", "1"], [1.2, "0.0001", "1"], [0.05, "0.000001", "10"],
];

export interface Market {
  readonly spec: InstrumentSpec;
  readonly base: number;
  readonly record?: Record<string, unknown>;
}

function syntheticMarket(i: number, rng: Rng): Market {
  const name = i < SYNTHETIC_NAMES.length ? `${SYNTHETIC_NAMES[i]}USDT` : `SIM${String(i).padStart(4, "0")}USDT`;
  const [price, tick, step] = CLASSES[Math.floor(rng() * CLASSES.length)]!;
  const record = syntheticRecord({
    symbol: name,
    priceScale: String(tick.length - 2),
    priceFilter: { minPrice: tick, maxPrice: String(Number(tick) * 1e7), tickSize: tick },
    lotSizeFilter: { maxOrderQty: String(Number(step) * 1e7), minOrderQty: step, qtyStep: step, postOnlyMaxOrderQty: String(Number(step) * 1e7), maxMktOrderQty: String(Number(step) * 1e6), minNotionalValue: "5" },
  });
  const spec = specOf(record);
  return { spec, base: onTick(spec, price * (0.8 + 0.4 * rng())), record };
}

export function onTick(spec: InstrumentSpec, price: number): number {
  return Number((Math.max(1, Math.round(price / spec.tickSize)) * spec.tickSize).toFixed(spec.priceDecimals));
}

export function qty(spec: InstrumentSpec, lots: number): number {
  return Number((lots * spec.qtyStep).toFixed(spec.qtyDecimals));
}

export function pricePath(m: Market, outcome: Outcome, sign: 1 | -1, steps: number, rng: Rng): number[] {
  const shape = SHAPES[outcome];
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t = steps === 1 ? 0 : s / (steps - 1);
    let k = 1;
    while (k < shape.length - 1 && shape[k]![0] < t) k++;
    const [t0, v0] = shape[k - 1]!;
    const [t1, v1] = shape[k]!;
    const rel = v0 + ((v1 - v0) * (t - t0)) / (t1 - t0 || 1);
    const noise = s === 0 ? 0 : (rng() * 2 - 1) * NOISE;
    out.push(onTick(m.spec, m.base * (1 + sign * (rel + noise))));
  }
  return out;
}

export type OrderInput = NonNullable<ScenarioInput["orders"]>[number];

export function planOrders(account: AccountId, m: Market, conservative: boolean, long: boolean, lots: number): OrderInput[] {
  const { spec, base } = m;
  const sign = long ? 1 : -1;
  const exit = long ? "Sell" : "Buy";
  const at = (rel: number) => onTick(spec, base * (1 + sign * rel));
  const id = (role: string) => `seed-${spec.symbol}-${role}`;
  const sl = (rel: number): OrderInput => ({
    account, symbol: spec.symbol, side: exit, orderType: "Market", qty: qty(spec, lots), triggerPrice: at(rel),
    triggerDirection: long ? 2 : 1, reduceOnly: true, closeOnTrigger: true, orderLinkId: id("sl"),
  });
  const tp = (role: string, rel: number, tpLots: number): OrderInput => ({
    account, symbol: spec.symbol, side: exit, orderType: "Limit", qty: qty(spec, tpLots), price: at(rel), reduceOnly: true, orderLinkId: id(role),
  });
  if (!conservative) return [tp("tp1", 0.02, lots), sl(-0.02)];
  const unit = lots / 20; // lots is a multiple of 20: 85% = 17 units, 5% = 1 unit
  const entry = (role: string, rel: number): OrderInput => ({
    account, symbol: spec.symbol, side: long ? "Buy" : "Sell", orderType: "Limit", qty: qty(spec, lots / 2), price: at(rel), orderLinkId: id(role),
  });
  return [
    entry("e2", -0.01), entry("e3", -0.02),
    tp("tp1", 0.02, 17 * unit), tp("tp2", 0.03, unit), tp("tp3", 0.04, unit), tp("tp4", 0.05, unit),
    sl(-0.03),
  ];
}

/** `count` markets: the recorded linear instruments first, then synthetic ones (drawn from `rng`). */
/**
 * One generated position's shape: even ones conservative, pairs alternating long and short,
 * an outcome from the rotation, and a size of 2 000-6 000 USDT on a grid of `grid` lots (so
 * every ladder share and ratio stays on the lot grid). Draws one number from `rng`.
 */
export function shapeOf(m: Market, i: number, offset: number, grid: number, rng: Rng): { conservative: boolean; long: boolean; outcome: Outcome; lots: number } {
  const outcome = OUTCOMES[(i + offset) % OUTCOMES.length]!;
  const notional = 2000 + 4000 * rng();
  const lots = grid * Math.max(1, Math.ceil(notional / (grid * m.spec.qtyStep * m.base)));
  return { conservative: i % 2 === 0, long: Math.floor(i / 2) % 2 === 0, outcome, lots };
}

export function marketsFor(count: number, rng: Rng): Market[] {
  const recorded = recordedInstruments();
  const markets: Market[] = [];
  for (let i = 0; i < count; i++) {
    const r = recorded[i];
    if (r) markets.push({ spec: specOf(r), base: RECORDED_BASE[String(r.symbol)] ?? 1 });
    else markets.push(syntheticMarket(i - recorded.length, rng));
  }
  return markets;
}

export function generateScenario(opts: GenerateOptions): Scenario {
  const monitors = Math.max(1, Math.floor(opts.monitors));
  const steps = opts.steps ?? 180;
  const rng = seededRng(opts.seed);
  const mirrorCount = Math.floor(monitors / 3);
  const mainCount = monitors - mirrorCount;
  const markets = marketsFor(mainCount, rng);
  const offset = Math.floor(rng() * OUTCOMES.length);
  const positions: NonNullable<ScenarioInput["positions"]> = [];
  const orders: OrderInput[] = [];
  const prices: Record<string, number[]> = {};
  const outcomes: Outcome[] = [];
  markets.forEach((m, i) => {
    const { conservative, long, outcome, lots } = shapeOf(m, i, offset, 40, rng);
    outcomes.push(outcome);
    positions.push({ account: "main", symbol: m.spec.symbol, side: long ? "long" : "short", size: qty(m.spec, lots), entryPrice: m.base });
    orders.push(...planOrders("main", m, conservative, long, lots));
    if (i < mirrorCount) {
      positions.push({ account: "mirror", symbol: m.spec.symbol, side: long ? "long" : "short", size: qty(m.spec, lots / 2), entryPrice: m.base });
      orders.push(...planOrders("mirror", m, conservative, long, lots / 2));
    }
    prices[m.spec.symbol] = pricePath(m, outcome, long ? 1 : -1, steps, rng);
  });
  const interventions: NonNullable<ScenarioInput["interventions"]> = [];
  if (opts.interventions !== false) {
    const wander = outcomes.indexOf("wander");
    const entry = outcomes.indexOf("entry");
    const cancelled = markets[wander];
    const closed = markets[entry >= 0 ? entry : outcomes.indexOf("wander", wander + 1)];
    if (cancelled) interventions.push({ step: Math.floor(steps / 3), action: "cancel-order", account: "main", symbol: cancelled.spec.symbol, orderLinkId: `seed-${cancelled.spec.symbol}-sl` });
    if (closed) interventions.push({ step: Math.floor(steps / 2), action: "close-position", account: "main", symbol: closed.spec.symbol });
  }
  const input: ScenarioInput = {
    name: `generated-${monitors}`,
    description: `${monitors} monitors (${mainCount} on main, ${mirrorCount} mirror twins), generated with seed ${opts.seed}`,
    seed: opts.seed,
    start: "2025-07-24T10:00:00Z",
    stepMs: 5000,
    latency: opts.latency ?? "recorded",
    accounts: {
      main: { apiKey: "sim-main-key", apiSecret: "sim-main-secret", balance: 100_000 },
      mirror: { apiKey: "sim-mirror-key", apiSecret: "sim-mirror-secret", balance: 50_000, ratio: 0.5 },
    },
    instruments: markets.filter((m) => !m.record).map((m) => m.spec.symbol),
    syntheticInstruments: markets.flatMap((m) => (m.record ? [m.record as NonNullable<ScenarioInput["syntheticInstruments"]>[number]] : [])),
    positions,
    orders,
    prices,
    interventions,
  };
  return parseScenario(input, `generated scenario (--monitors ${monitors}, seed ${opts.seed})`);
}

/** The demo-30 scenario (fixtures/scenarios/demo-30.json is written from this by scripts/gen-demo-30.ts). */
export function demo30(): Scenario {
  const s = generateScenario({ monitors: 30, seed: 2, steps: 180 });
  return {
    ...s,
    name: "demo-30",
    description:
      "30 monitored positions: 20 on main (10 conservative, 10 fast; long and short; 90 open orders) and 10 mirror twins at ratio 0.5. " +
      "Along 180 steps of 5 s: entries fill, TP1s fill, stops trigger, the main SL of one position is cancelled by hand at step 60 and one main position is closed by hand at step 90.",
  };
}
