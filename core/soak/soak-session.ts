/**
 * One engine on one in-process simulator with faults, composed for a soak: the same
 * composition as `run` and the bench (app/sim-session.ts, `openSimSession`, strategy
 * `warden`), with what a soak needs on top:
 * - the soak's faults, and the simulator's own rate limits off (the run is far faster than
 *   real time, so Bybit's per-second limits would refuse for reasons no live run meets;
 *   10006 and 403 still come, as injected faults);
 * - a short request timeout (a hung request, the timeout and lost-response faults, costs
 *   `timeoutMs` of real time) and read retries that do not wait;
 * - the rate budget on a clock of its own: the venue's virtual time plus the waits the budget
 *   itself asked for, which pass at once. A 10-minute IP ban then lasts 120 price steps of
 *   5 s, not 10 real minutes;
 * - every request's answer observed (`onAnswer`), so faults can be attributed to the account
 *   and symbol they hit;
 * - with `stream`, the accounts read from the simulator's private stream with its faults, and
 *   every timer of the stream (the client's pings, dead-link timeout and redials, the
 *   simulated stream's delayed frames, the read path's deadlines) on the virtual clock
 *   (virtual-timers.ts): the soak fires them between cycles.
 */
import type { Clock } from "../clock.ts";
import type { AccountId } from "../domain/types.ts";
import type { EngineConfig } from "../engine/config.ts";
import type { Engine } from "../engine/engine.ts";
import { RateBudget } from "../engine/rate-budget.ts";
import type { StreamReadPath } from "../engine/stream-read-path.ts";
import type { EventSink } from "../logs/event.ts";
import { accountOfKey } from "../sim/auth.ts";
import type { FaultSpec } from "../sim/faults.ts";
import type { SimRequest, SimResponse } from "../sim/http-types.ts";
import type { InProcessStream } from "../sim/in-process-socket.ts";
import type { Scenario } from "../sim/scenario-schema.ts";
import type { Simulator } from "../sim/simulator.ts";
import { openSimSession, type SimSession } from "../../app/sim-session.ts";
import { seededRng } from "../rng.ts";
import { VirtualTimers } from "./virtual-timers.ts";

export interface Answer {
  readonly account: AccountId | undefined;
  /** The symbol the request named (query or body), undefined for account-wide requests. */
  readonly symbol: string | undefined;
  readonly path: string;
  /** What went wrong, when something did: "hang" (timeout, lost response), "403", "5xx", "10006", "10016", "10002". */
  readonly fault: string | undefined;
}

export interface SoakSessionOptions {
  readonly seed: number;
  readonly faults: readonly FaultSpec[];
  readonly sink: EventSink;
  readonly onAnswer: (answer: Answer) => void;
  /** Real time a hung request waits before the client gives up (default 50 ms). */
  readonly timeoutMs?: number;
  readonly config?: EngineConfig;
  /** Read the accounts from the private stream (the scenario's streamFaults play on it). */
  readonly stream?: SoakStreamTimings;
}

/** The stream client's timings, virtual ms. */
export interface SoakStreamTimings {
  readonly pingEveryMs: number;
  readonly deadAfterMs: number;
  readonly requestTimeoutMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

export interface SoakSession {
  readonly engine: Engine;
  readonly sim: Simulator;
  readonly clock: Clock;
  readonly budget: RateBudget;
  /** With `stream`: its read path, the in-process stream and the virtual timers. */
  readonly stream?: { readonly readPath: StreamReadPath; readonly socket: InProcessStream; readonly timers: VirtualTimers };
  /** Makes the monitors of the accounts the stream changed due (before a cycle); nothing without a stream. */
  wakeChanged(): void;
  /** Delivers what the stream sent, fires the virtual timers now due, and delivers again until quiet. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Venue time plus the waits the budget asked for, which pass without waiting. */
class BudgetClock {
  #waited = 0;
  constructor(private readonly venue: Clock) {}
  now = (): number => this.venue.now() + this.#waited;
  wait = (ms: number): Promise<void> => {
    this.#waited += Math.max(0, ms);
    return Promise.resolve();
  };
}

const FAULT_CODES = new Set([10002, 10006, 10016]);

function faultOf(res: SimResponse): string | undefined {
  if (res.hang === true) return "hang";
  if (res.status === 403) return "403";
  if (res.status >= 500) return "5xx";
  const body = res.body as { retCode?: unknown } | undefined;
  const code = typeof body === "object" && body !== null && typeof body.retCode === "number" ? body.retCode : undefined;
  return code !== undefined && FAULT_CODES.has(code) ? String(code) : undefined;
}

function symbolOf(req: SimRequest): string | undefined {
  const fromQuery = new URLSearchParams(req.query).get("symbol");
  if (fromQuery !== null && fromQuery !== "") return fromQuery;
  if (req.body === "") return undefined;
  try {
    const body = JSON.parse(req.body) as { symbol?: unknown };
    return typeof body.symbol === "string" ? body.symbol : undefined;
  } catch {
    return undefined;
  }
}

export async function openSoakSession(scenario: Scenario, opts: SoakSessionOptions): Promise<SoakSession> {
  let venueNow = (): number => 0;
  const clock: Clock = { now: () => venueNow() };
  const budgetClock = new BudgetClock(clock);
  const budget = new RateBudget({ now: budgetClock.now, wait: budgetClock.wait });
  const timers = new VirtualTimers(clock.now);
  let accounts: Simulator["venue"] | undefined;
  const session: SimSession = await openSimSession(scenario, {
    strategy: "warden",
    latency: "zero",
    seed: opts.seed,
    sink: opts.sink,
    simulator: { faults: opts.faults, rateLimits: false },
    observe: (req: SimRequest, res: SimResponse) => {
      opts.onAnswer({ account: accounts === undefined ? undefined : accountOfKey(req, accounts.accounts())?.id, symbol: symbolOf(req), path: req.path, fault: faultOf(res) });
    },
    adapter: { timeoutMs: opts.timeoutMs ?? 50, readRetry: { retries: 2, baseDelayMs: 0, sleep: () => Promise.resolve() } },
    budget,
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    ...(opts.stream !== undefined
      ? {
          stream: {
            client: { ...opts.stream, maxAttemptsPer5Min: 20, timers, now: clock.now, random: seededRng(opts.seed ^ 0x51f0) },
            server: { timers, wallClock: clock.now },
            deadlines: timers,
          },
        }
      : {}),
    onSimulator: (sim) => {
      accounts = sim.venue;
      venueNow = () => sim.venue.now();
    },
  });
  const stream = session.stream;
  const settle = async (): Promise<void> => {
    if (stream === undefined) return;
    for (let i = 0; i < 100; i++) {
      await stream.socket.flushed();
      if (timers.runDue() === 0) return;
    }
    throw new Error("the stream kept setting timers due at once");
  };
  return {
    engine: session.engine,
    sim: session.sim,
    clock,
    budget,
    ...(stream !== undefined ? { stream: { readPath: stream.readPath, socket: stream.socket, timers } } : {}),
    wakeChanged: () => session.wakeChanged(),
    settle,
    close: () => session.close(),
  };
}
