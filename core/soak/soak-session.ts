/**
 * One engine on one in-process simulator with faults, composed for a soak. It is
 * `openSimSession` (core/engine/sim-session.ts) with what a soak needs on top:
 * - the soak's faults, and the simulator's own rate limits off (the run is far faster than
 *   real time, so Bybit's per-second limits would refuse for reasons no live run meets;
 *   10006 and 403 still come, as injected faults);
 * - the adapters on the engine's virtual clock (their retryAt and ban ends then mean the same
 *   clock the engine converts from), a short request timeout (a hung request, the
 *   timeout and lost-response faults, costs `timeoutMs` of real time) and read retries
 *   that do not wait;
 * - the rate budget on a clock of its own: the venue's virtual time plus the waits the budget
 *   itself asked for, which pass at once. A 10-minute IP ban then lasts 120 price steps of
 *   5 s, not 10 real minutes;
 * - every request's answer observed (`onAnswer`), so faults can be attributed to the account
 *   and symbol they hit.
 */
import type { Clock } from "../clock.ts";
import type { AccountId } from "../domain/types.ts";
import { defaultEngineConfig, type EngineConfig } from "../engine/config.ts";
import { createEngine, type Engine } from "../engine/engine.ts";
import { RateBudget } from "../engine/rate-budget.ts";
import { readPathFor } from "../engine/read-paths.ts";
import { scenarioRoster } from "../../app/accounts.ts";
import { SIM_BASE_URL } from "../../app/sim-session.ts";
import { createBybitAccount } from "../exchange/ccxt-adapter.ts";
import type { AccountExchange } from "../exchange/port.ts";
import { emitter, type EventSink } from "../logs/event.ts";
import { accountOfKey } from "../sim/auth.ts";
import type { FaultSpec } from "../sim/faults.ts";
import type { SimRequest, SimResponse, SimulatorApi } from "../sim/http-types.ts";
import { simHandlers } from "../sim/msw.ts";
import { mswFetch } from "../sim/msw-fetch.ts";
import type { Scenario } from "../sim/scenario-schema.ts";
import { createSimulator, type Simulator } from "../sim/simulator.ts";
import { MemoryStateStore } from "../store/memory-state-store.ts";

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
}

export interface SoakSession {
  readonly engine: Engine;
  readonly sim: Simulator;
  readonly clock: Clock;
  readonly budget: RateBudget;
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
  const sim = createSimulator(scenario, { latency: "zero", seed: opts.seed, faults: opts.faults, rateLimits: false });
  const observed: SimulatorApi = {
    ...sim,
    handle: async (req) => {
      const res = await sim.handle(req);
      opts.onAnswer({ account: accountOfKey(req, sim.venue.accounts())?.id, symbol: symbolOf(req), path: req.path, fault: faultOf(res) });
      return res;
    },
  };
  const transport = mswFetch(simHandlers(observed, SIM_BASE_URL));
  const clock: Clock = { now: () => sim.venue.now() };
  const budgetClock = new BudgetClock(clock);
  const budget = new RateBudget({ now: budgetClock.now, wait: budgetClock.wait });
  const exchanges = new Map<AccountId, AccountExchange>();
  for (const account of sim.venue.accounts()) {
    exchanges.set(
      account.id,
      createBybitAccount({
        account: account.id,
        apiKey: account.apiKey,
        secret: account.apiSecret,
        baseUrl: SIM_BASE_URL,
        fetch: transport,
        clock,
        timeoutMs: opts.timeoutMs ?? 50,
        readRetry: { retries: 2, baseDelayMs: 0, sleep: () => Promise.resolve() },
        beforeRequest: budget.gate(account.id),
      }),
    );
  }
  const config = opts.config ?? defaultEngineConfig();
  const readPath = readPathFor("warden", exchanges, clock, config, emitter(opts.sink, "cache", clock.now));
  const engine = createEngine({
    exchanges,
    readPath,
    store: new MemoryStateStore({ clock }),
    clock,
    sink: opts.sink,
    config,
    budget,
    roster: scenarioRoster(scenario),
  });
  await engine.start();
  return { engine, sim, clock, budget };
}
