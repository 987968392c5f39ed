/**
 * The fault soak: thousands of engine cycles on the in-process simulator with faults on the
 * REST requests (fault-mix.ts) and a trader's hand between cycles (trader.ts), DESIGN's
 * invariants checked after every cycle against the venue's real state (invariants.ts).
 * Seeded: one seed gives the same faults, interventions and prices (the engine's timing
 * does not enter the venue's state: latency is zero and nothing is decided on wall time).
 *
 * One cycle: read the venue (the checker's "before") -> engine cycle -> attribute the faults
 * it met to their account and symbol -> check -> the price path steps -> maybe one
 * intervention. A fault met in cycle c, or an intervention after it, touches its symbol
 * from cycle c + 1; an IP ban touches every symbol while Warden's writes are stopped.
 *
 * With `stream`, the engine reads the accounts from the simulator's private stream (REST
 * audits it), with seeded stream faults (stream-fault-mix.ts) on top of the REST faults. The
 * stream's timers run on the virtual clock and fire between cycles, so a cycle becomes:
 * wake the accounts the stream changed -> engine cycle -> deliver what the stream sent ->
 * check -> price step, intervention -> deliver, fire the timers now due (pings, dead-link
 * timeouts, redials, delayed frames, the read path's deadlines), deliver. A fall back to
 * polling touches the account's symbols from the next cycle; a stream fault that hid rows
 * leaves the account blind (invariants.ts) until its next audit or fall back. Right after
 * every audit the stream invariants (stream-invariants.ts) compare Warden's view with the
 * venue's.
 */
import type { AccountId } from "../domain/types.ts";
import type { WardenEvent } from "../logs/event.ts";
import { seededRng } from "../rng.ts";
import type { FaultKind } from "../sim/faults.ts";
import { faultMix } from "./fault-mix.ts";
import { StreamFigures, type StreamSoakFigures } from "./stream-figures.ts";
import { streamFaultMix } from "./stream-fault-mix.ts";
import { StreamChecker } from "./stream-invariants.ts";
import { INVARIANTS, InvariantChecker, managedOrders, type Breach, type InvariantName } from "./invariants.ts";
import { soakScenario } from "./soak-scenario.ts";
import { openSoakSession, type Answer, type SoakSession, type SoakStreamTimings } from "./soak-session.ts";
import { INTERVENTION_KINDS, Trader, type Intervention, type InterventionKind } from "./trader.ts";
import { readVenue, specsOf, venueAccount } from "./venue-read.ts";

export interface SoakOptions {
  readonly cycles: number;
  readonly seed: number;
  /** Share of REST requests that meet a fault (default 0.05). */
  readonly faultRate?: number;
  /** Cycles the engine gets to repair what was broken (default 3). */
  readonly k?: number;
  /** Monitors in the generated scenario (default 6: 4 on main, 2 mirror twins). */
  readonly monitors?: number;
  /** Chance of one intervention between two cycles (default 0.25). */
  readonly interventionRate?: number;
  readonly timeoutMs?: number;
  /** Examples kept per invariant (default 5). */
  readonly examples?: number;
  /** Read the accounts from the private stream, with stream faults (default false: polling). */
  readonly stream?: boolean;
  /** Stream mode: chance of one stream fault per step (default 0.03). */
  readonly streamFaultRate?: number;
  /** Every engine event, every intervention and every breach as it happens (tracing a run). */
  readonly onTrace?: (cycle: number, what: WardenEvent | Intervention | Breach) => void;
}

export const SOAK_DEFAULTS = { cycles: 10_000, seed: 1, faultRate: 0.05, k: 3, monitors: 6, interventionRate: 0.25, examples: 5, streamFaultRate: 0.03 } as const;

/**
 * The stream client's timings in a soak, virtual ms: a ping every step and a link silent for
 * 12 s (under three steps) is dead, so a stall is found within three cycles; redials from
 * 0.5 s (the next step) up to 10 s.
 */
export const SOAK_STREAM_TIMINGS: SoakStreamTimings = { pingEveryMs: 5_000, deadAfterMs: 12_000, requestTimeoutMs: 5_000, backoffBaseMs: 500, backoffMaxMs: 10_000 };

export interface SoakReport {
  readonly seed: number;
  readonly cycles: number;
  readonly k: number;
  readonly faultRate: number;
  readonly monitors: number;
  readonly stepMs: number;
  /** Faults the simulator fired, by kind; clock-skew as windows and steps skewed. */
  readonly faults: Readonly<Record<string, number>>;
  /** Answers the engine saw go wrong, by what it saw ("hang", "5xx", "10002", ...). */
  readonly faultAnswers: Readonly<Record<string, number>>;
  readonly interventions: Readonly<Record<InterventionKind, { applied: number; refused: number }>>;
  readonly unprotected: { readonly totalSeconds: number; readonly longestSeconds: number; readonly longestMonitor: string | undefined };
  /** What the engine itself reported (protection.changed, cycle.completed.unprotected). */
  readonly engine: { readonly protectionEvents: number; readonly unprotectedReported: number; readonly cycleErrors: number };
  readonly breaches: {
    readonly total: number;
    readonly byInvariant: Readonly<Record<InvariantName, number>>;
    readonly examples: Readonly<Record<InvariantName, readonly Breach[]>>;
  };
  /** Stream mode's figures (undefined when polling). */
  readonly stream?: StreamSoakFigures;
  readonly wallMs: number;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const t0 = performance.now();
  const cycles = options.cycles;
  const seed = options.seed;
  const faultRate = options.faultRate ?? SOAK_DEFAULTS.faultRate;
  const k = options.k ?? SOAK_DEFAULTS.k;
  const monitors = options.monitors ?? SOAK_DEFAULTS.monitors;
  const ivRate = options.interventionRate ?? SOAK_DEFAULTS.interventionRate;
  const keep = options.examples ?? SOAK_DEFAULTS.examples;

  const streamOn = options.stream === true;
  const market = soakScenario({ monitors, steps: cycles + 2, seed });
  const streamFaultRate = options.streamFaultRate ?? SOAK_DEFAULTS.streamFaultRate;
  const scenario = streamOn ? { ...market, streamFaults: streamFaultMix({ rate: streamFaultRate, cycles, seed, accounts: Object.keys(market.accounts) }) } : market;
  const faults = faultMix({ rate: faultRate, cycles, seed });
  const answers: Answer[] = [];
  let reportedState = new Map<string, string>();
  let protectionEvents = 0;
  let unprotectedReported = 0;
  let current = 0;
  const trace = options.onTrace;
  // what the stream events need, once the session is open
  let onStreamEvent: ((e: WardenEvent) => void) | undefined;
  const sink = {
    emit(e: WardenEvent): void {
      trace?.(current, e);
      if (e.event.startsWith("stream.")) onStreamEvent?.(e);
      if (e.event === "protection.changed" && typeof e.monitor === "string" && typeof e.state === "string") {
        protectionEvents++;
        reportedState.set(e.monitor, e.state);
      } else if (e.event === "cycle.completed" && typeof e.unprotected === "number") {
        unprotectedReported = Math.max(unprotectedReported, e.unprotected);
      }
    },
  };
  const session: SoakSession = await openSoakSession(scenario, {
    seed,
    faults,
    sink,
    onAnswer: (a) => answers.push(a),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(streamOn ? { stream: SOAK_STREAM_TIMINGS } : {}),
  });
  const venue = session.sim.venue;
  const specs = specsOf(venue);
  const checker = new InvariantChecker({ k, stepMs: scenario.stepMs, specs });
  const trader = new Trader(venue, seededRng(seed ^ 0x7a3d), specs);
  const ivRng = seededRng(seed ^ 0x1e7e);
  const accounts = venue.accounts().map((a) => a.id);
  const touchAll = (account: AccountId | undefined, from: number, why: string) => {
    for (const a of account === undefined ? accounts : [account]) for (const symbol of specs.keys()) checker.touch(a, symbol, from, why);
  };

  const breaches: Breach[] = [];
  const figures = new StreamFigures(scenario.streamFaults);
  const streamChecker = new StreamChecker();
  const readPath = session.stream?.readPath;
  if (readPath !== undefined) {
    readPath.onRows((account, rows) => figures.rows(account, rows));
    onStreamEvent = (e) => {
      const account = typeof e.account === "string" ? e.account : undefined;
      if (account === undefined) return;
      const seen = figures.event(current, e);
      if (e.event === "stream.audit") {
        const state = readPath.streamView(account);
        if (state !== undefined) {
          figures.counted(account, state.fills);
          const found = [...streamChecker.audit(current, state.view, venueAccount(venue, account)), ...streamChecker.fills(current, account, state.fills, figures.delivered(account))];
          for (const b of found) trace?.(current, b);
          breaches.push(...found);
        }
      }
      if (e.event === "stream.fallback") touchAll(account, current + 1, `stream fallback: ${String(e.why)}`);
      if (seen !== undefined) for (const symbol of specs.keys()) checker.see(account, symbol, current + 1, seen);
    };
  }
  /** Delivers the stream and fires its due timers; a stream fault that hid rows makes its account blind. */
  const settle = async (): Promise<void> => {
    await session.settle();
    for (const fault of figures.fired(session.stream?.socket.stats().faultsFired ?? [])) {
      if (fault.account === undefined || !figures.hides(fault)) continue;
      figures.blind(fault.account, current);
      for (const symbol of specs.keys()) checker.blind(fault.account, symbol);
    }
  };
  const faultAnswers: Record<string, number> = {};
  const interventions = Object.fromEntries(INTERVENTION_KINDS.map((kind) => [kind, { applied: 0, refused: 0 }])) as Record<InterventionKind, { applied: number; refused: number }>;
  let cycleErrors = 0;
  for (let cycle = 1; cycle <= cycles; cycle++) {
    current = cycle;
    session.wakeChanged();
    checker.before(readVenue(venue), managedOrders(session.engine.monitors()));
    answers.length = 0;
    try {
      await session.engine.cycle();
    } catch (error) {
      cycleErrors++;
      breaches.push(checker.engineError(cycle, error));
    }
    await settle();
    for (const a of answers) {
      if (a.fault === undefined) continue;
      faultAnswers[a.fault] = (faultAnswers[a.fault] ?? 0) + 1;
      if (a.account !== undefined && a.symbol !== undefined) checker.touch(a.account, a.symbol, cycle + 1, `fault ${a.fault} on ${a.path}`);
      else touchAll(a.account, cycle + 1, `fault ${a.fault} on ${a.path}`);
    }
    if (!session.budget.writesAllowed()) touchAll(undefined, cycle + 1, "writes stopped by an IP ban");
    const reported = new Set([...reportedState].filter(([, state]) => state === "unprotected").map(([id]) => id));
    const found = checker.after(cycle, readVenue(venue), reported, managedOrders(session.engine.monitors()));
    for (const b of found) trace?.(cycle, b);
    breaches.push(...found);
    reportedState = new Map([...reportedState].filter(([, state]) => state === "unprotected"));
    session.sim.step(1);
    if (ivRng() < ivRate) {
      const iv = trader.act(readVenue(venue));
      if (iv !== undefined) {
        trace?.(cycle, iv);
        interventions[iv.kind][iv.outcome === "applied" ? "applied" : "refused"]++;
        checker.touch(iv.account, iv.symbol, cycle + 1, `${iv.kind} (${iv.outcome}): ${iv.detail}`);
      }
    }
    await settle();
  }
  await session.close();

  const fired = faultsFired(faults.map((f) => f.kind), (session.sim.state() as { faultsFired?: number[] }).faultsFired ?? []);
  const skew = faults.filter((f) => f.kind === "clock-skew");
  fired["clock-skew windows"] = skew.length;
  fired["clock-skew steps"] = skew.reduce((n, f) => n + (f.toStep ?? 0) - (f.fromStep ?? 0) + 1, 0);
  const byInvariant = Object.fromEntries(INVARIANTS.map((name) => [name, 0])) as Record<InvariantName, number>;
  const examples = Object.fromEntries(INVARIANTS.map((name) => [name, [] as Breach[]])) as Record<InvariantName, Breach[]>;
  for (const b of breaches) {
    byInvariant[b.invariant]++;
    if (examples[b.invariant].length < keep) examples[b.invariant].push(b);
  }
  const protection = checker.protection();
  return {
    seed,
    cycles,
    k,
    faultRate,
    monitors,
    stepMs: scenario.stepMs,
    faults: fired,
    faultAnswers,
    interventions,
    unprotected: { totalSeconds: protection.unprotectedMs / 1000, longestSeconds: protection.longestMs / 1000, longestMonitor: protection.longestMonitor },
    engine: { protectionEvents, unprotectedReported, cycleErrors },
    breaches: { total: breaches.length, byInvariant, examples },
    ...(streamOn ? { stream: figures.report(streamChecker.audits, byInvariant["fill-after-audit"], byInvariant["fill-counted-twice"], checker.maskedByBlind) } : {}),
    wallMs: performance.now() - t0,
  };
}

function faultsFired(kinds: readonly FaultKind[], counts: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  kinds.forEach((kind, i) => {
    if (kind !== "clock-skew") out[kind] = (out[kind] ?? 0) + (counts[i] ?? 0);
  });
  return out;
}
