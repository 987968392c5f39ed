/**
 * Fill-to-reaction latency (DESIGN "Bench"): from the venue's fill to the venue RECEIVING
 * Warden's corrective stop write for that position (the stop resized after an entry fill,
 * moved to breakeven after TP1), both ends stamped at the venue on one real clock
 * (core/sim/fill-reactions.ts). Pure: the stamps and the polls come in, latencies go out.
 *
 * - `push` (the stream strategy): the engine runs as soon as the stream has delivered the
 *   step's rows, in the same harness slot as the step. Latency = arrival - fill, all measured.
 * - `poll` (naive, ttl, warden): a live run polls every `intervalMs` (config default 2 s) and a
 *   fill lands at a random point of an interval; the bench plays polls back to back, so that
 *   wait is MODELLED: each fill, in order, draws a seeded uniform u in [0, 1) and waits
 *   intervalMs x (1 - u) for the first poll after it, plus intervalMs for every further poll
 *   that passed before the one that reacted. To that the MEASURED real time is added: from the
 *   start of the poll that reacted to the write's arrival at the venue (its reads, decision
 *   and the write's first half round trip).
 *
 * A fill with no poll after it (the run ended) is left out; one whose reaction never came
 * while polls followed is counted as unanswered.
 */
import { seededRng } from "../rng.ts";
import { percentile } from "./statistics.ts";

export interface ReactionStamp {
  readonly account: string;
  readonly symbol: string;
  readonly kind: "entry" | "tp1";
  /** Real time of the fill at the venue, ms. */
  readonly filledAt: number;
  /** Real time the venue received the first stop write on that account and symbol after it. */
  readonly reactedAt: number | undefined;
}

export type ReactionModel =
  | { readonly kind: "push" }
  | { readonly kind: "poll"; readonly pollStarts: readonly number[]; readonly intervalMs: number; readonly seed: number };

export interface ReactionLatency {
  readonly stamp: ReactionStamp;
  /** Fill to reaction, ms: waitMs + measuredMs. */
  readonly ms: number;
  /** The modelled wait for the poll that reacted (0 for push). */
  readonly waitMs: number;
  /** Real time measured: push, fill to arrival; poll, start of the reacting poll to arrival. */
  readonly measuredMs: number;
}

export interface ReactionLatencies {
  readonly latencies: readonly ReactionLatency[];
  /** Fills followed by a poll (or pushed) that no stop write answered. */
  readonly unanswered: number;
  /** Fills with no poll after them: the run ended first. */
  readonly unobserved: number;
}

/** Index of the first poll that started after `t`, or -1. */
function firstAfter(polls: readonly number[], t: number): number {
  return polls.findIndex((p) => p > t);
}

/** Index of the last poll that started at or before `t`, or -1. */
function lastAtOrBefore(polls: readonly number[], t: number): number {
  for (let i = polls.length - 1; i >= 0; i--) if ((polls[i] as number) <= t) return i;
  return -1;
}

export function reactionLatencies(stamps: readonly ReactionStamp[], model: ReactionModel): ReactionLatencies {
  const latencies: ReactionLatency[] = [];
  let unanswered = 0;
  let unobserved = 0;
  const rng = model.kind === "poll" ? seededRng(model.seed ^ 0x5eed) : undefined;
  for (const stamp of stamps) {
    // one draw per fill, answered or not, so that the draws line up across strategies
    const u = rng?.() ?? 0;
    if (model.kind === "push") {
      if (stamp.reactedAt === undefined) unanswered++;
      else latencies.push({ stamp, ms: stamp.reactedAt - stamp.filledAt, waitMs: 0, measuredMs: stamp.reactedAt - stamp.filledAt });
      continue;
    }
    const first = firstAfter(model.pollStarts, stamp.filledAt);
    if (stamp.reactedAt === undefined) {
      if (first < 0) unobserved++;
      else unanswered++;
      continue;
    }
    const reacting = lastAtOrBefore(model.pollStarts, stamp.reactedAt);
    if (first < 0 || reacting < first) {
      // answered inside the poll it happened in (not a polling reaction): all of it is measured
      latencies.push({ stamp, ms: stamp.reactedAt - stamp.filledAt, waitMs: 0, measuredMs: stamp.reactedAt - stamp.filledAt });
      continue;
    }
    const waitMs = model.intervalMs * (1 - u) + (reacting - first) * model.intervalMs;
    const measuredMs = stamp.reactedAt - (model.pollStarts[reacting] as number);
    latencies.push({ stamp, ms: waitMs + measuredMs, waitMs, measuredMs });
  }
  return { latencies, unanswered, unobserved };
}

export interface ReactionFigures {
  readonly model: "push" | "poll";
  /** Fills counted (entry and TP1) with a reaction, and by kind. */
  readonly answered: number;
  readonly entry: number;
  readonly tp1: number;
  readonly unanswered: number;
  readonly unobserved: number;
  /** Fill to reaction, ms (nearest rank; NaN when none). */
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  /** The measured part alone (poll: from the reacting poll's start), p50 and max. */
  readonly measuredP50: number;
  readonly measuredMax: number;
}

export function reactionFigures(r: ReactionLatencies, model: ReactionModel["kind"]): ReactionFigures {
  const ms = r.latencies.map((l) => l.ms);
  const measured = r.latencies.map((l) => l.measuredMs);
  return {
    model,
    answered: r.latencies.length,
    entry: r.latencies.filter((l) => l.stamp.kind === "entry").length,
    tp1: r.latencies.filter((l) => l.stamp.kind === "tp1").length,
    unanswered: r.unanswered,
    unobserved: r.unobserved,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    p99: percentile(ms, 99),
    max: percentile(ms, 100),
    measuredP50: percentile(measured, 50),
    measuredMax: percentile(measured, 100),
  };
}
