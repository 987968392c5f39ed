/**
 * The figures that need a session's timeline (session-port.ts) beside its cycles: fill-to-
 * reaction (fill-reaction.ts), REST calls between audits and per minute, and the stream's
 * messages.
 *
 * - REST calls per cycle between audits: the stream's cycles whose audits made no call (an
 *   audit is one account snapshot at the floor, every `stream.auditEveryMs` of scenario time);
 *   for the polling strategies every cycle is a poll. "Reads outside audits" is every GET the
 *   stream strategy sent minus its audits' calls: 0 is the promise.
 * - REST calls per minute, audits included, at a live cadence: a polling strategy reads once
 *   per `intervalMs` (config default 2 s) live, so its reads per poll x polls per minute, plus
 *   its writes per minute of scenario time; the stream's reads (audits) and writes are counted
 *   per minute of the scenario time it played (its audits run on that clock).
 * - The stream: messages Warden's client handled per second of scenario time, and the CPU its
 *   handlers spent per message (measured at the in-process socket: parsing and applying the
 *   rows, waking the engine), with the rate that CPU would sustain.
 */
import type { CycleSample } from "./cycle-sample.ts";
import { reactionFigures, reactionLatencies, type ReactionFigures, type ReactionModel } from "./fill-reaction.ts";
import type { SessionTimeline } from "./session-port.ts";
import { mean } from "./statistics.ts";

export interface LiveFigures {
  readonly reaction: ReactionFigures;
  readonly rest: {
    /** Cycles between audits (stream) / all cycles (polling). */
    readonly cycles: number;
    readonly callsPerCycle: number;
    readonly readsPerCycle: number;
    /** GETs outside the audits (stream); null for polling (every read is a poll). */
    readonly readsOutsideAudits: number | null;
    readonly auditCalls: number;
    readonly callsPerMinute: number;
  };
  readonly stream?: {
    readonly messages: number;
    readonly messagesPerSecond: number;
    readonly cpuMicrosPerMessage: number | null;
    /** Messages per second that CPU would sustain (1e6 / µs per message). */
    readonly capacityPerSecond: number | null;
  };
}

export function liveFiguresOf(samples: readonly CycleSample[], t: SessionTimeline, seed: number): LiveFigures {
  const model: ReactionModel = t.reacts === "push" ? { kind: "push" } : { kind: "poll", pollStarts: t.pollStarts, intervalMs: t.intervalMs, seed };
  const reaction = reactionFigures(reactionLatencies(t.reactions, model), model.kind);
  const push = t.reacts === "push";
  const between = push ? samples.filter((c) => c.auditCalls === 0) : samples;
  const minutes = Math.max(t.scenarioMs, 1) / 60_000;
  const auditCalls = samples.reduce((n, c) => n + c.auditCalls, 0);
  const calls = samples.reduce((n, c) => n + c.restCalls, 0);
  const reads = samples.reduce((n, c) => n + c.readCalls, 0);
  const writes = samples.reduce((n, c) => n + c.writeCalls, 0);
  const perMinute = push ? calls / minutes : mean(samples.map((c) => c.readCalls)) * (60_000 / t.intervalMs) + writes / minutes;
  const rest = {
    cycles: between.length,
    callsPerCycle: mean(between.map((c) => c.restCalls)),
    readsPerCycle: mean(between.map((c) => c.readCalls)),
    readsOutsideAudits: push ? Math.max(0, reads - auditCalls) : null,
    auditCalls,
    callsPerMinute: perMinute,
  };
  if (t.stream === undefined) return { reaction, rest };
  const perMessage = t.stream.messages > 0 ? t.stream.handlingCpuMicros / t.stream.messages : null;
  return {
    reaction,
    rest,
    stream: {
      messages: t.stream.messages,
      messagesPerSecond: t.stream.messages / (Math.max(t.scenarioMs, 1) / 1_000),
      cpuMicrosPerMessage: perMessage,
      capacityPerSecond: perMessage === null || perMessage === 0 ? null : 1e6 / perMessage,
    },
  };
}
