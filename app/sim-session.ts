/**
 * One engine on one in-process simulator: what `run --exchange sim` and each strategy of
 * `bench` play. The simulator answers through msw handlers (core/sim/msw-fetch.ts), ccxt's
 * real code runs in the adapters, and the engine's clock is the simulator's virtual clock,
 * advanced one price step between cycles; request latency is real waiting.
 */
import { aloneRoster, scenarioRoster } from "./accounts.ts";
import type { Clock } from "../core/clock.ts";
import type { AccountId } from "../core/domain/types.ts";
import { createBybitAccount } from "../core/exchange/ccxt-adapter.ts";
import { PaperExchange } from "../core/exchange/paper-exchange.ts";
import type { AccountExchange } from "../core/exchange/port.ts";
import { emitter, nullSink, type EventSink } from "../core/logs/event.ts";
import type { LatencyProfile } from "../core/sim/latency.ts";
import { simHandlers } from "../core/sim/msw.ts";
import { mswFetch } from "../core/sim/msw-fetch.ts";
import type { Scenario } from "../core/sim/scenario-schema.ts";
import { createSimulator, type Simulator } from "../core/sim/simulator.ts";
import { MemoryStateStore } from "../core/store/memory-state-store.ts";
import type { StateStore } from "../core/store/state-store.ts";
import { RateBudget } from "../core/engine/rate-budget.ts";
import { defaultEngineConfig, type EngineConfig } from "../core/engine/config.ts";
import { createEngine, type CycleReport, type Engine } from "../core/engine/engine.ts";
import type { ReadPath, StrategyName } from "../core/engine/read-path.ts";
import { readPathFor } from "../core/engine/read-paths.ts";

/** The simulated exchange's address; `.invalid` never resolves, so nothing can leak out. */
export const SIM_BASE_URL = "https://api.bybit.sim.invalid";

export interface SimSessionOptions {
  readonly strategy: StrategyName;
  /** Overrides the scenario's latency profile. */
  readonly latency?: LatencyProfile;
  readonly seed?: number;
  readonly sink?: EventSink;
  /** Wraps the fetch the adapters use (bench: count in-flight requests; tests: slow it down). */
  readonly fetch?: (f: typeof fetch) => typeof fetch;
  readonly store?: StateStore;
  readonly config?: EngineConfig;
  /**
   * Play the old system's client: ccxt with its default throttle on (one instance per
   * account, requests spaced by the endpoint's cost x rateLimit). Default false (Warden's own).
   */
  readonly legacyClient?: boolean;
  /** `run --dry-run`: the engine writes to paper exchanges over the adapters; the simulator sees reads only. */
  readonly dryRun?: boolean;
  /** `run --account NAME`: compose this one account of the scenario alone (default: every account). */
  readonly account?: AccountId;
}

export interface SimSession {
  readonly engine: Engine;
  readonly sim: Simulator;
  readonly readPath: ReadPath;
  /** What the engine talks to: the adapters, or paper exchanges over them in a dry run. */
  readonly exchanges: ReadonlyMap<AccountId, AccountExchange>;
  readonly clock: Clock;
  /** One engine cycle, then the price path advances one step. */
  runCycle(): Promise<CycleReport>;
  finished(): boolean;
  close(): Promise<void>;
}

export async function openSimSession(scenario: Scenario, opts: SimSessionOptions): Promise<SimSession> {
  const sim = createSimulator(scenario, {
    ...(opts.latency !== undefined ? { latency: opts.latency } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
  });
  const direct = mswFetch(simHandlers(sim, SIM_BASE_URL));
  const transport = opts.fetch !== undefined ? opts.fetch(direct) : direct;
  const clock: Clock = { now: () => sim.venue.now() };
  const budget = new RateBudget();
  const exchanges = new Map<AccountId, AccountExchange>();
  for (const account of sim.venue.accounts().filter((a) => opts.account === undefined || a.id === opts.account)) {
    const adapter = createBybitAccount({
      account: account.id,
      apiKey: account.apiKey,
      secret: account.apiSecret,
      baseUrl: SIM_BASE_URL,
      fetch: transport,
      beforeRequest: budget.gate(account.id),
      ccxtThrottle: opts.legacyClient === true,
      // retryAt and ban ends come on the engine's (virtual) clock, as the engine reads them
      clock,
    });
    exchanges.set(account.id, opts.dryRun === true ? new PaperExchange(adapter, { now: clock.now }) : adapter);
  }
  const configured = opts.config ?? defaultEngineConfig();
  // The legacy strategies model the old system's client, which waited for every answer
  // (cycles of 8 s and more): Warden's per-request deadline is not part of that model.
  const config = opts.strategy === "warden" ? configured : { ...configured, protection: { ...configured.protection, deadlineMs: 120_000 } };
  const sink = opts.sink ?? nullSink;
  const readPath = readPathFor(opts.strategy, exchanges, clock, config, emitter(sink, "cache", clock.now));
  const engine = createEngine({
    exchanges,
    readPath,
    store: opts.store ?? new MemoryStateStore({ clock }),
    clock,
    sink,
    config,
    budget,
    roster: opts.account === undefined ? scenarioRoster(scenario) : aloneRoster(scenarioRoster(scenario), opts.account).roster,
  });
  await engine.start();
  return {
    engine,
    sim,
    readPath,
    exchanges,
    clock,
    async runCycle() {
      const report = await engine.cycle();
      if (!sim.finished()) sim.step(1);
      return report;
    },
    finished: () => sim.finished(),
    close: async () => {},
  };
}
