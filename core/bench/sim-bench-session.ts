/**
 * The bench's one coupling to the engine and the simulator: a BenchSession over the
 * engine's `openSimSession` (a fresh simulator, adapters and engine per strategy).
 *
 * It adds what the bench measures and the session does not:
 * - the connection-pool meter on the transport itself (inside any test wrapper, so a request
 *   a test adds is counted as sent, and one a test holds back is in flight once it is sent);
 * - the simulator's own CPU. The simulator's `handle()` is wrapped and the CPU of its
 *   synchronous part is counted: with zero latency that is ALL of its work (no timer is
 *   awaited), so the engine CPU the bench reports is exact there, which is where the CPU
 *   target is measured. With latency, the part after the first half-delay timer (routing,
 *   auth, the venue's listing) runs later and only the venue's methods are caught (by
 *   wrapping them too, counted only outside handle()'s own synchronous part); the rest
 *   (signature check, envelope) is then counted as engine CPU: an overestimate of the
 *   engine's cost, never an underestimate. The price step's matching is counted as the
 *   simulator's.
 * - the transport's CPU (core/sim/msw-fetch.ts): msw building the Request, matching its
 *   handlers, the simulator answering and the Response object are the simulator's side of
 *   the wire, not Warden. With zero latency the transport is isolated (one request at a
 *   time, each in a macrotask of its own, so that nothing else runs inside its window) and
 *   its CPU, the simulator's handle() included, is subtracted like the simulator's own. With
 *   latency it is not isolated (that would serialise the waits) and msw counts as engine
 *   CPU: an overestimate again. What remains in both cases is ccxt (signing, JSON parsing,
 *   its parsers for new or changed records), the adapter, cache, engine, domain and store.
 * - fill-to-reaction stamps (core/sim/fill-reactions.ts, at the venue, real time) and the
 *   real start of every engine cycle, for fill-reaction.ts.
 * - the `stream` strategy: the `warden` engine reading through the in-process private stream.
 *   Its slot is event-driven: the price step comes FIRST, the stream delivers the step's
 *   pushes (settle), the accounts they changed are woken and the engine runs at once, so a
 *   fill is answered in the same harness slot as its step (the polling strategies step AFTER
 *   their cycle and answer at their next poll, after the other strategies' cycles). The
 *   audits' REST calls are counted per cycle from the `stream.audit` events, and the messages
 *   the client handled, with their CPU, at the in-process socket.
 */
import { defaultEngineConfig } from "../engine/config.ts";
import type { CycleReport } from "../engine/engine.ts";
import type { WardenEvent } from "../logs/event.ts";
import { FillReactionClock } from "../sim/fill-reactions.ts";
import { openSimSession, type SimSession } from "../../app/sim-session.ts";
import { sleep } from "../clock.ts";
import { cpuMicros } from "../runtime.ts";
import type { Simulator } from "../sim/simulator.ts";
import type { Scenario } from "../sim/scenario-schema.ts";
import { type TransportMeter, transportMeterOf } from "../sim/msw-fetch.ts";
import { ConnectionPoolMeter } from "./connection-pool.ts";
import type { AccountCounts } from "./floor.ts";
import type { BenchSession, SessionCycle, SessionOptions, SessionTimeline } from "./session-port.ts";

export interface SimBenchSession extends BenchSession {
  /** The engine's session underneath (tests read the simulator's own log from it). */
  readonly inner: SimSession;
  /** The transport's CPU meter (isolated and counted with zero latency). */
  readonly transport: TransportMeter | undefined;
}

/** CPU spent inside the simulator, counted once even when its parts nest or run in a counted transport window. */
class SimCpu {
  micros = 0;
  #depth = 0;
  constructor(readonly transport: TransportMeter | undefined) {}
  run<T>(fn: () => T): T {
    if (this.#depth > 0 || this.transport?.inWindow === true) return fn();
    this.#depth++;
    const t0 = cpuMicros();
    try {
      return fn();
    } finally {
      this.micros += cpuMicros() - t0;
      this.#depth--;
    }
  }
}

const VENUE_METHODS = [
  "instruments", "tickers", "positions", "openOrders", "orderHistory", "executions", "walletBalance",
  "createOrder", "amendOrder", "cancelOrder", "cancelAllOrders", "tradingStop", "step",
] as const;

function meterSimulator(sim: Simulator, cpu: SimCpu): void {
  const handle = sim.handle.bind(sim);
  (sim as { handle: Simulator["handle"] }).handle = (req) => cpu.run(() => handle(req));
  const step = sim.step.bind(sim);
  (sim as { step: Simulator["step"] }).step = (n) => cpu.run(() => step(n));
  const venue = sim.venue as unknown as Record<string, unknown>;
  for (const name of VENUE_METHODS) {
    const fn = venue[name];
    if (typeof fn !== "function") continue;
    const bound = (fn as (...a: unknown[]) => unknown).bind(sim.venue);
    venue[name] = (...args: unknown[]) => cpu.run(() => bound(...args));
  }
}

/** The writes of one conservative plan's reaction to a fill: its stop and four take-profits. */
export const REACTION_WRITES = 5;

interface StateAccounts {
  readonly accounts?: Record<string, { positions?: unknown[]; openOrders?: { count?: number } }>;
}

export function accountCountsOf(state: unknown): AccountCounts[] {
  const accounts = (state as StateAccounts).accounts ?? {};
  return Object.entries(accounts).map(([account, a]) => ({
    account,
    positions: a.positions?.length ?? 0,
    orders: a.openOrders?.count ?? 0,
  }));
}

function adapterCalls(s: SimSession): number {
  let total = 0;
  for (const ex of s.exchanges.values()) total += ex.requestStats().total;
  return total;
}

export async function openBenchSession(scenario: Scenario, opts: SessionOptions): Promise<SimBenchSession> {
  const pool = new ConnectionPoolMeter();
  const extra = opts.fetch;
  let transport: TransportMeter | undefined;
  const streaming = opts.strategy === "stream";
  let auditCalls = 0;
  const sink = { emit: (e: WardenEvent) => void (e.event === "stream.audit" && (auditCalls += Number(e["calls"] ?? 0))) };
  const config = defaultEngineConfig();
  const inner = await openSimSession(scenario, {
    strategy: streaming ? "warden" : opts.strategy,
    ...(streaming ? { stream: true, sink } : {}),
    config,
    latency: opts.latency,
    seed: opts.seed,
    legacyClient: opts.legacyClient === true,
    fetch: (f) => {
      transport = transportMeterOf(f);
      return extra ? extra(pool.wrap(f)) : pool.wrap(f);
    },
  });
  // After start-up (markets, first reads): only the cycles are measured.
  if (opts.latency === "zero") transport?.isolate(cpuMicros);
  const cpu = new SimCpu(transport);
  meterSimulator(inner.sim, cpu);
  inner.stream?.socket.meter(cpuMicros);
  const reactions = new FillReactionClock(inner.sim.venue);
  const pollStarts: number[] = [];
  const startedAt = inner.clock.now();
  // stream: the step that follows a cycle is played at the start of the next slot, and answered in it
  let stepPending = false;
  const requests = (): number => Object.values(inner.sim.requestCounts()).reduce((a, b) => a + b, 0);
  // Live, a step is 5 s of scenario time and Bybit's write windows are 1 s: each step starts
  // with the account's writes free. Played back to back, the previous step's writes could
  // still fill the window and hold the reaction's stop write back, a wait of the bench's
  // making. So before a step the stream session waits until one reaction's writes fit
  // (REACTION_WRITES per account): real time outside every figure, only after writing steps.
  const writeRoom = async (): Promise<void> => {
    const ms = Math.max(0, ...[...inner.exchanges.keys()].map((a) => inner.budget.msUntilRoom(a, "write", REACTION_WRITES)));
    if (ms > 0) await sleep(ms);
  };
  const runCycle = async (): Promise<CycleReport> => {
    if (!streaming) {
      pollStarts.push(performance.now());
      return inner.runCycle();
    }
    if (stepPending) {
      await writeRoom();
      inner.sim.step(1);
      await inner.settle();
    }
    stepPending = false;
    inner.wakeChanged();
    pollStarts.push(performance.now());
    try {
      return await inner.engine.cycle();
    } finally {
      stepPending = !inner.sim.finished();
    }
  };
  const timeline = (): SessionTimeline => {
    const handled = inner.stream?.socket.handled();
    return {
      reactions: reactions.reactions(),
      reacts: streaming ? "push" : "poll",
      pollStarts: [...pollStarts],
      intervalMs: config.intervalMs,
      scenarioMs: inner.clock.now() - startedAt,
      ...(handled !== undefined ? { stream: { messages: handled.messages, handlingCpuMicros: handled.cpuMicros } } : {}),
    };
  };
  return {
    strategy: opts.strategy,
    client: opts.legacyClient === true ? "ccxt-throttle" : "no-throttle",
    pool,
    inner,
    transport,
    accountCounts: () => accountCountsOf(inner.sim.state()),
    async cycle(): Promise<SessionCycle> {
      const calls0 = adapterCalls(inner);
      const audit0 = auditCalls;
      const t0 = performance.now();
      let r: CycleReport;
      try {
        r = await runCycle();
      } catch (error) {
        // The engine gave up on this cycle (a read it could not make): count what it did.
        const durationMs = performance.now() - t0;
        if (!streaming && !inner.sim.finished()) inner.sim.step(1);
        const read = inner.readPath.cycleStats();
        const monitors = inner.engine.monitors().length;
        const message = error instanceof Error ? error.message : String(error);
        return { durationMs, monitors, due: 0, restCalls: adapterCalls(inner) - calls0, hits: read.hits, misses: read.misses, engineCpuMicros: 0, error: message, auditCalls: auditCalls - audit0 };
      }
      // A lookup is a call made on one monitor's behalf: the engine counts it out of the hits.
      return { durationMs: r.durationMs, monitors: r.monitors, due: r.due, restCalls: r.restCalls, hits: r.cacheHits, misses: r.cacheMisses, engineCpuMicros: r.engineCpuMicros, auditCalls: auditCalls - audit0 };
    },
    finished: () => inner.finished() && !stepPending,
    timeline,
    simRequests: requests,
    simCpuMicros: () => cpu.micros + (transport?.cpuMicros ?? 0),
    close: async () => {
      reactions.close();
      await inner.close();
    },
  };
}
