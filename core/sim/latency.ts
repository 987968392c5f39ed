/**
 * The simulator's latency model: how long each response is held back, per endpoint, seeded.
 * The delay is real waiting (a timer in `Simulator.handle`, never a busy loop), so that the
 * bench measures what the event loop really spends, concurrency and all.
 *
 * Profiles:
 * - "zero": no delay (measures the simulator's own cost);
 * - "fixed:MS": every endpoint waits MS;
 * - "recorded": a profile resembling Bybit's v5 REST as seen from a nearby region (a client
 *   in AWS ap-southeast-1 / ap-northeast-1 reaching api.bybit.com): a clamped log-normal per
 *   endpoint class, in the table below. These are typical published figures for that route,
 *   not a capture of ours: market reads are cached at Bybit's edge, account reads hit the
 *   account service, order writes go through the matching engine's gateway.
 *
 * | class   | endpoints                                              | median | sigma | min | max |
 * |---------|--------------------------------------------------------|--------|-------|-----|-----|
 * | market  | /v5/market/*                                           | 45 ms  | 0.25  | 25  | 110 |
 * | read    | /v5/position/list, /v5/order/realtime, /v5/order/history, /v5/execution/list, /v5/account/*, /v5/user/* | 65 ms | 0.30 | 40 | 120 |
 * | write   | /v5/order/create, amend, cancel, cancel-all, /v5/position/trading-stop | 95 ms | 0.25 | 60 | 150 |
 * | control | /__sim/*                                               | 0      |       |     |     |
 */
import { seededRng, type Rng } from "../rng.ts";

export type LatencyProfile = "recorded" | "zero" | `fixed:${number}`;

export interface LatencyClass {
  readonly medianMs: number;
  readonly sigma: number;
  readonly minMs: number;
  readonly maxMs: number;
}

export const RECORDED_LATENCY: Readonly<Record<"market" | "read" | "write", LatencyClass>> = {
  market: { medianMs: 45, sigma: 0.25, minMs: 25, maxMs: 110 },
  read: { medianMs: 65, sigma: 0.3, minMs: 40, maxMs: 120 },
  write: { medianMs: 95, sigma: 0.25, minMs: 60, maxMs: 150 },
};

const WRITES = new Set(["/v5/order/create", "/v5/order/amend", "/v5/order/cancel", "/v5/order/cancel-all", "/v5/position/trading-stop", "/v5/position/switch-mode"]);

export function latencyClassOf(path: string): keyof typeof RECORDED_LATENCY | "control" {
  if (path.startsWith("/__sim/")) return "control";
  if (path.startsWith("/v5/market/")) return "market";
  return WRITES.has(path) ? "write" : "read";
}

export function parseLatencyProfile(text: string): LatencyProfile | undefined {
  if (text === "recorded" || text === "zero") return text;
  const m = /^fixed:(\d+)$/.exec(text);
  return m ? (`fixed:${Number(m[1])}` as LatencyProfile) : undefined;
}

export class LatencyModel {
  readonly profile: LatencyProfile;
  readonly #rng: Rng;
  readonly #fixed: number | undefined;

  constructor(profile: LatencyProfile, seed: number) {
    this.profile = profile;
    this.#rng = seededRng(seed ^ 0x1a7e);
    this.#fixed = profile.startsWith("fixed:") ? Number(profile.slice("fixed:".length)) : undefined;
  }

  /** Milliseconds to hold back the response to a request for `path`. */
  delayFor(path: string): number {
    const cls = latencyClassOf(path);
    if (this.profile === "zero" || cls === "control") return 0;
    if (this.#fixed !== undefined) return this.#fixed;
    const c = RECORDED_LATENCY[cls];
    // Box-Muller: one standard normal from two uniforms (1 - u keeps log away from 0).
    const z = Math.sqrt(-2 * Math.log(1 - this.#rng())) * Math.cos(2 * Math.PI * this.#rng());
    const ms = c.medianMs * Math.exp(c.sigma * z);
    return Math.round(Math.min(c.maxMs, Math.max(c.minMs, ms)));
  }
}

/**
 * The model's own p-th percentile (nearest rank) of the delay for `path`, over 20,000 of its
 * draws (seeded): e.g. the write round trip the bench's fill-to-reaction gate allows.
 */
export function latencyPercentileMs(profile: LatencyProfile, path: string, p: number, seed = 1): number {
  const model = new LatencyModel(profile, seed);
  const draws = Array.from({ length: 20_000 }, () => model.delayFor(path)).sort((a, b) => a - b);
  return draws[Math.max(1, Math.ceil((p / 100) * draws.length)) - 1] ?? 0;
}
