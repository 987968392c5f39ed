/**
 * Fault injection: which request a scenario's (or the caller's) faults hit, seeded.
 *
 * A fault applies to a request when its `path` (if given) equals the request's path, its
 * `account` (if given) is the account whose API key the request carries, and the venue's
 * step index lies in [fromStep, toStep]; it then fires with `probability` (one seeded draw
 * per matching request) until it has fired `count` times. Control routes (/__sim/*) are never
 * faulted. The first firing fault in list order wins.
 *
 * What each kind does (carried out in simulator.ts):
 * - "timeout": the request is not applied and no response ever comes (`hang`);
 * - "5xx": HTTP 502 or 503 with an HTML body, as Bybit's edge answers;
 * - "10006": the rate-limit envelope with `X-Bapi-Limit-Status: 0`;
 * - "10016": retCode 10016, Bybit's "service is restarting" server error;
 * - "403": HTTP 403 "access too frequent" (the IP ban);
 * - "lost-response": the request IS applied to the venue, then no response comes;
 * - "clock-skew": not a per-request event but a state: while its step window holds, the
 *   exchange's clock is off by `skewMs`, so signed requests whose timestamp is not corrected
 *   fail with 10002 and /v5/market/time reports the skewed clock for the client to resync.
 *   `probability` and `count` do not apply to it; `path` does not either (a clock is global),
 *   `account` does (only that account's signed requests see the skew).
 */
import { seededRng, type Rng } from "../rng.ts";
import type { ScenarioFault } from "./scenario-schema.ts";

export type FaultKind = ScenarioFault["kind"];

/** Where a request stands when faults are decided. */
export interface FaultContext {
  readonly path: string;
  readonly account: string | undefined;
  readonly step: number;
}

/** Accepts scenario faults and looser caller-built ones (defaults filled in). */
export type FaultSpec = Pick<ScenarioFault, "kind"> & Partial<Omit<ScenarioFault, "kind">>;

interface Armed {
  readonly fault: FaultSpec;
  fired: number;
}

function inWindow(f: FaultSpec, step: number): boolean {
  return step >= (f.fromStep ?? 0) && (f.toStep === undefined || step <= f.toStep);
}

export class FaultInjector {
  readonly #armed: Armed[];
  readonly #rng: Rng;

  constructor(faults: readonly FaultSpec[], seed: number) {
    this.#armed = faults.map((fault) => ({ fault, fired: 0 }));
    this.#rng = seededRng(seed ^ 0xfa17);
  }

  /** The per-request fault (any kind but clock-skew) that fires for this request, if any. */
  pick(ctx: FaultContext): FaultKind | undefined {
    if (ctx.path.startsWith("/__sim/")) return undefined;
    for (const a of this.#armed) {
      const f = a.fault;
      if (f.kind === "clock-skew") continue;
      if (f.path !== undefined && f.path !== ctx.path) continue;
      if (f.account !== undefined && f.account !== ctx.account) continue;
      if (!inWindow(f, ctx.step)) continue;
      if (f.count !== undefined && a.fired >= f.count) continue;
      if (this.#rng() >= (f.probability ?? 1)) continue;
      a.fired += 1;
      return f.kind;
    }
    return undefined;
  }

  /** How far the exchange's clock is off (ms) for this account at this step. */
  skewMs(account: string | undefined, step: number): number {
    let skew = 0;
    for (const { fault: f } of this.#armed) {
      if (f.kind !== "clock-skew" || !inWindow(f, step)) continue;
      if (f.account !== undefined && f.account !== account) continue;
      skew += f.skewMs ?? 0;
    }
    return skew;
  }

  /** How often each fault has fired, in list order. */
  firedCounts(): number[] {
    return this.#armed.map((a) => a.fired);
  }
}
