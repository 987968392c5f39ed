/**
 * The soak's market: the bench's generated positions and plans (scenario-gen.ts: main
 * positions, mirror twins at 0.5, conservative and fast plans), with each symbol's price
 * path replaced by a seeded mean-reverting random walk around its start price (about 2.4%
 * standard deviation at rest, 0.15% per step), so that over thousands of steps stops and
 * take-profits keep being reached in both directions rather than once. Zero latency.
 */
import { seededRng } from "../rng.ts";
import { generateScenario } from "../sim/scenario-gen.ts";
import type { Scenario } from "../sim/scenario-schema.ts";
import { createVenue } from "../sim/venue.ts";
import { specsOf } from "./venue-read.ts";

export interface SoakScenarioOptions {
  readonly monitors: number;
  readonly steps: number;
  readonly seed: number;
  /** Per-step volatility of the log price (default 0.0015). */
  readonly sigma?: number;
  /** Pull back toward the start price per step (default 0.002). */
  readonly reversion?: number;
}

export function soakScenario(opts: SoakScenarioOptions): Scenario {
  const base = generateScenario({ monitors: opts.monitors, seed: opts.seed, steps: 2, latency: "zero", interventions: false });
  const specs = specsOf(createVenue(base));
  const sigma = opts.sigma ?? 0.0015;
  const theta = opts.reversion ?? 0.002;
  const prices: Record<string, number[]> = {};
  Object.entries(base.prices).forEach(([symbol, path], i) => {
    // one generator per symbol: a longer run plays the same prices as a shorter one, then more
    const rng = seededRng((opts.seed ^ 0x50a6) + 7919 * (i + 1));
    const tick = specs.get(symbol)?.tickSize ?? 0.0001;
    const start = path[0]!;
    const decimals = Math.max(0, Math.round(-Math.log10(tick)));
    const out: number[] = [start];
    let x = 0; // log(price / start)
    for (let s = 1; s < opts.steps; s++) {
      // Box-Muller from two uniform draws
      const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
      x += -theta * x + sigma * z;
      out.push(Number((Math.max(1, Math.round((start * Math.exp(x)) / tick)) * tick).toFixed(decimals)));
    }
    prices[symbol] = out;
  });
  return { ...base, name: `soak-${opts.monitors}`, description: `soak: ${base.description}, random-walk prices over ${opts.steps} steps`, prices };
}
