/**
 * The stream faults a stream soak injects (a scenario's `streamFaults`, core/sim/ws-faults.ts):
 * at each step from 1 on, with probability `rate`, one fault on one account, its kind drawn
 * evenly from every kind the simulated stream knows:
 * - connection faults: a clean close, an abrupt drop, a silent stall (found by the client's
 *   dead-link timeout, on the soak's virtual clock);
 * - frame faults on one topic (order, execution or position, drawn evenly): the next frame
 *   dropped, duplicated, delayed (1 to 15 s of virtual time, past the next cycle or not) or
 *   held back behind the next one (reordered);
 * - a refused sign-in or subscribe: armed for the next request and paired with a drop at the
 *   same step, so the redial meets it.
 * Seeded: a shorter run's faults are a prefix of a longer run's with the same seed.
 */
import type { AccountId } from "../domain/types.ts";
import { seededRng } from "../rng.ts";
import type { StreamFault } from "../sim/scenario-schema.ts";

export const STREAM_FAULT_KINDS = ["close", "drop", "stall", "drop-frame", "duplicate", "delay", "reorder", "refuse-auth", "refuse-subscribe"] as const;
export type StreamFaultKind = (typeof STREAM_FAULT_KINDS)[number];
export const FRAME_TOPICS = ["order", "execution", "position"] as const;

export interface StreamFaultMixOptions {
  /** Chance of one stream fault per step (0.02: one every 50 steps on average). */
  readonly rate: number;
  readonly cycles: number;
  readonly seed: number;
  readonly accounts: readonly AccountId[];
}

export function streamFaultMix(opts: StreamFaultMixOptions): StreamFault[] {
  if (!(opts.rate >= 0 && opts.rate <= 1)) throw new RangeError(`stream fault rate must be in [0, 1], got ${opts.rate}`);
  if (opts.accounts.length === 0) throw new RangeError("a stream fault mix needs at least one account");
  const rng = seededRng(opts.seed ^ 0x57a3);
  const pick = <T>(list: readonly T[]): T => list[Math.min(list.length - 1, Math.floor(rng() * list.length))]!;
  const faults: StreamFault[] = [];
  for (let step = 1; step <= opts.cycles; step++) {
    // the same draws every step, fault or not: a longer run keeps a shorter one's faults
    const fires = rng() < opts.rate;
    const kind = pick(STREAM_FAULT_KINDS);
    const account = pick(opts.accounts);
    const topic = pick(FRAME_TOPICS);
    const delayMs = 1_000 + Math.round(rng() * 14) * 1_000;
    if (!fires) continue;
    switch (kind) {
      case "close":
      case "drop":
      case "stall":
        faults.push({ kind, atStep: step, account, count: 1 });
        break;
      case "refuse-auth":
      case "refuse-subscribe":
        faults.push({ kind, atStep: step, account, count: 1 }, { kind: "drop", atStep: step, account, count: 1 });
        break;
      case "delay":
        faults.push({ kind, atStep: step, account, topic, count: 1, delayMs });
        break;
      default:
        faults.push({ kind, atStep: step, account, topic, count: 1 });
    }
  }
  return faults;
}
