/**
 * The faults a soak injects: every kind the simulator knows, at one overall rate per REST
 * request, split evenly over the per-request kinds. The simulator's injector fires the first
 * matching fault in list order, so each kind's probability is conditioned on the ones before
 * it not firing: every kind then fires on `rate / kinds` of the requests.
 *
 * Two kinds are shaped so a run of thousands of cycles stays meaningful:
 * - "403" (IP ban): Warden stops every write for 10 minutes after one, which is 120 cycles
 *   at 5 s a step. At the same rate as the others the run would be banned all the time, so
 *   403 fires at the same per-request rate but at most once in each block of `ipBanEvery`
 *   steps (default 2000): the soak checks what the engine does during and after a ban, not
 *   only that.
 * - "clock-skew" is a state, not an event: windows of `skewSteps` steps during which the
 *   exchange clock is off by `skewMs` (past the 5 s receive window), starting at about
 *   `rate / kinds / skewSteps` of the steps, placed with the seed.
 * Faults of a shorter run are a prefix of a longer run's with the same seed.
 * No fault fires before step 1: start-up (reconcile at step 0) refuses to start on a failed
 * read by design, and a soak is about the running engine.
 */
import { seededRng } from "../rng.ts";
import type { FaultKind, FaultSpec } from "../sim/faults.ts";

export const REQUEST_FAULT_KINDS = ["timeout", "lost-response", "5xx", "10006", "10016", "403"] as const satisfies readonly FaultKind[];

export interface FaultMixOptions {
  /** Share of REST requests that meet a fault, all kinds together (0.05: 5%). */
  readonly rate: number;
  readonly cycles: number;
  readonly seed: number;
  /** At most one IP ban per this many cycles (default 2000). */
  readonly ipBanEvery?: number;
  readonly skewSteps?: number;
  readonly skewMs?: number;
}

export function faultMix(opts: FaultMixOptions): FaultSpec[] {
  if (!(opts.rate >= 0 && opts.rate < 1)) throw new RangeError(`fault rate must be in [0, 1), got ${opts.rate}`);
  if (opts.rate === 0) return [];
  const kinds = REQUEST_FAULT_KINDS.length + 1; // + clock-skew
  const each = opts.rate / kinds;
  const faults: FaultSpec[] = [];
  let notYet = 1;
  for (const kind of REQUEST_FAULT_KINDS) {
    const probability = Math.min(1, each / notYet);
    notYet -= each;
    if (kind !== "403") {
      faults.push({ kind, probability, fromStep: 1 });
      continue;
    }
    // at most one ban in each block of `ipBanEvery` steps
    const every = opts.ipBanEvery ?? 2000;
    for (let from = 1; from <= opts.cycles; from += every) faults.push({ kind, probability, fromStep: from, toStep: from + every - 1, count: 1 });
  }
  // clock-skew windows start at a step with a seeded draw per step, so a longer run has the shorter one's windows
  const skewSteps = opts.skewSteps ?? 3;
  const rng = seededRng(opts.seed ^ 0x5c3e);
  for (let step = 1; step <= opts.cycles; step++) {
    if (rng() < each / skewSteps) faults.push({ kind: "clock-skew", fromStep: step, toStep: step + skewSteps - 1, skewMs: opts.skewMs ?? 7_000 });
  }
  return faults;
}
