/** Builders for bench tests: fake sessions and samples with sensible defaults. */
import { ConnectionPoolMeter } from "../../core/bench/connection-pool.ts";
import type { CycleSample } from "../../core/bench/cycle-sample.ts";
import type { AccountCounts } from "../../core/bench/floor.ts";
import type { BenchSession, OpenSession, SessionOptions, SessionTimeline } from "../../core/bench/session-port.ts";
import type { ReadPathName as StrategyName } from "../../core/engine/read-path.ts";

export function makeSample(over: Partial<CycleSample> = {}): CycleSample {
  return {
    cycle: 1,
    monitors: 30,
    due: 30,
    durationMs: 150,
    restCalls: 5,
    readCalls: 5,
    writeCalls: 0,
    simRequests: 5,
    hits: 30,
    misses: 0,
    processCpuMicros: 3_000,
    simCpuMicros: 1_000,
    cpuMicros: 2_000,
    engineCpuMicros: 500,
    auditCalls: 0,
    rssBytes: 100 * 1048576,
    poolWarnings: 0,
    peakInFlight: 4,
    floor: { calls: 5, callsFollowingCursor: 9, latencyMs: 130, listings: [{ path: "/v5/position/list", pages: 1 }, { path: "/v5/order/realtime", pages: 2 }] },
    ...over,
  };
}

export interface FakeBehaviour {
  readonly durationMs: number;
  /** From a fill to its stop write's arrival, on the fake's own clock: for stream after the fill, for the others after the next poll's start. */
  readonly reactionMs: number;
  readonly calls: number;
  readonly hits: number;
  readonly misses: number;
  readonly engineCpuMicros: number;
}

/** How each strategy behaves in the fake: demo-30-like figures. */
export const FAKE_BEHAVIOUR: Record<StrategyName, FakeBehaviour> = {
  naive: { durationMs: 2_600, reactionMs: 2_000, calls: 160, hits: 0, misses: 30, engineCpuMicros: 900 },
  ttl: { durationMs: 700, reactionMs: 400, calls: 40, hits: 21, misses: 9, engineCpuMicros: 700 },
  warden: { durationMs: 140, reactionMs: 120, calls: 5, hits: 30, misses: 0, engineCpuMicros: 500 },
  stream: { durationMs: 3, reactionMs: 60, calls: 0, hits: 30, misses: 0, engineCpuMicros: 300 },
};

export const DEMO_ACCOUNTS: AccountCounts[] = [
  { account: "main", positions: 20, orders: 90 },
  { account: "mirror", positions: 10, orders: 45 },
];

/**
 * A session that reports the behaviour given, sends `calls` real requests per cycle through
 * its pool meter (and, when asked, the test's fetch wrapper), and logs each one as the
 * simulator would. No real waiting: the duration is reported, not slept. Its timeline, on a
 * clock of its own (cycle k starts at k x 10 s): one entry fill after each cycle, answered
 * `reactionMs` after the fill (stream) or after the next poll's start (the others).
 */
export function fakeOpen(behaviour: Partial<Record<StrategyName, Partial<FakeBehaviour>>> = {}, steps = 1_000): OpenSession & { opened: SessionOptions[] } {
  const opened: SessionOptions[] = [];
  const open = async (_scenario: unknown, opts: SessionOptions): Promise<BenchSession> => {
    opened.push(opts);
    const b = { ...FAKE_BEHAVIOUR[opts.strategy], ...behaviour[opts.strategy] };
    const pool = new ConnectionPoolMeter();
    const log: string[] = [];
    const base = (async (input: RequestInfo | URL) => {
      log.push(String(input));
      return new Response("{}");
    }) as typeof fetch;
    const transport = opts.fetch ? opts.fetch(pool.wrap(base)) : pool.wrap(base);
    let step = 0;
    const push = opts.strategy === "stream";
    const timeline = (): SessionTimeline => {
      const pollStarts = Array.from({ length: step }, (_, k) => k * 10_000);
      const reactions = pollStarts.slice(0, -1).map((start, k) => {
        const filledAt = start + 5_000;
        return { account: "main", symbol: `S${k}USDT`, kind: "entry" as const, filledAt, reactedAt: (push ? filledAt : start + 10_000) + b.reactionMs };
      });
      return { reactions, reacts: push ? "push" : "poll", pollStarts, intervalMs: 2_000, scenarioMs: step * 5_000, ...(push ? { stream: { messages: step * 4, handlingCpuMicros: step * 400 } } : {}) };
    };
    return {
      strategy: opts.strategy,
      client: opts.legacyClient === true ? "ccxt-throttle" : "no-throttle",
      pool,
      accountCounts: () => DEMO_ACCOUNTS,
      async cycle() {
        const before = log.length;
        await Promise.all(Array.from({ length: b.calls }, () => transport("https://api.bybit.sim.invalid/v5/order/realtime")));
        step++;
        return { durationMs: b.durationMs, monitors: 30, due: 30, restCalls: log.length - before, hits: b.hits, misses: b.misses, engineCpuMicros: b.engineCpuMicros };
      },
      finished: () => step >= steps,
      timeline,
      simRequests: () => log.length,
      simCpuMicros: () => 0,
      close: async () => {},
    };
  };
  return Object.assign(open as OpenSession, { opened });
}
