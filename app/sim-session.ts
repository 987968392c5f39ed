/**
 * One engine on one in-process simulator: what `run --exchange sim` and each strategy of
 * `bench` play. The simulator answers through msw handlers (core/sim/msw-fetch.ts), ccxt's
 * real code runs in the adapters, and the engine's clock is the simulator's virtual clock,
 * advanced one price step between cycles; request latency is real waiting.
 *
 * With `stream`, the accounts are read from the simulator's private stream (the `stream` read
 * path): Warden's own client (BybitPrivateStream) over the in-process socket
 * (core/sim/in-process-socket.ts), the same client code that talks to `sim serve`, with the
 * scenario's stream faults.
 */
import { aloneRoster, scenarioRoster } from "./accounts.ts";
import type { Clock } from "../core/clock.ts";
import type { AccountId } from "../core/domain/types.ts";
import { createBybitAccount, type BybitAccountOptions } from "../core/exchange/ccxt-adapter.ts";
import { PaperExchange } from "../core/exchange/paper-exchange.ts";
import type { AccountExchange } from "../core/exchange/port.ts";
import { emitter, nullSink, type EventSink } from "../core/logs/event.ts";
import type { LatencyProfile } from "../core/sim/latency.ts";
import { simHandlers } from "../core/sim/msw.ts";
import { mswFetch } from "../core/sim/msw-fetch.ts";
import type { Scenario } from "../core/sim/scenario-schema.ts";
import type { SimRequest, SimResponse, SimulatorApi } from "../core/sim/http-types.ts";
import { createSimulator, type Simulator, type SimulatorOptions } from "../core/sim/simulator.ts";
import { MemoryStateStore } from "../core/store/memory-state-store.ts";
import type { StateStore } from "../core/store/state-store.ts";
import { RateBudget } from "../core/engine/rate-budget.ts";
import { defaultEngineConfig, type EngineConfig } from "../core/engine/config.ts";
import { createEngine, type CycleReport, type Engine } from "../core/engine/engine.ts";
import type { ReadPath, StrategyName } from "../core/engine/read-path.ts";
import { readPathFor, streamReadPath } from "../core/engine/read-paths.ts";
import type { StreamReadPath, StreamReadPathOptions } from "../core/engine/stream-read-path.ts";
import { WakeSignal } from "../core/engine/wake-signal.ts";
import { BybitPrivateStream, type BybitStreamOptions } from "../core/exchange/bybit-stream.ts";
import { inProcessStream, type InProcessStream } from "../core/sim/in-process-socket.ts";
import type { PrivateStreamOptions } from "../core/sim/ws-hub.ts";

/** The simulated exchange's address; `.invalid` never resolves, so nothing can leak out. */
export const SIM_BASE_URL = "https://api.bybit.sim.invalid";
/** Its private stream's address (the in-process socket takes any URL; this one names it in logs). */
export const SIM_STREAM_URL = "wss://stream.bybit.sim.invalid/v5/private";

/** `stream: true`, or the client's and the simulated stream's settings (tests: short dead-link timeouts, idle cuts). */
export interface SimStreamOptions {
  readonly client?: Partial<Pick<BybitStreamOptions, "pingEveryMs" | "deadAfterMs" | "requestTimeoutMs" | "backoffBaseMs" | "backoffMaxMs" | "maxAttemptsPer5Min" | "timers" | "now" | "random">>;
  readonly server?: Pick<PrivateStreamOptions, "idleMs" | "timers" | "wallClock">;
  /** Timers for the read path's expectation deadlines (default the runtime's, unref'd). */
  readonly deadlines?: StreamReadPathOptions["timers"];
}

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
  /** Read the accounts from the simulator's private stream (`run --stream`); needs the `warden` strategy. */
  readonly stream?: boolean | SimStreamOptions;
  /** `run --account NAME`: compose this one account of the scenario alone (default: every account). */
  readonly account?: AccountId;
  /** The simulator's REST faults and rate limits (the soak: injected faults, Bybit's limits off). */
  readonly simulator?: Pick<SimulatorOptions, "faults" | "rateLimits">;
  /** Sees every REST request and its answer (the soak attributes faults to accounts and symbols). */
  readonly observe?: (req: SimRequest, res: SimResponse) => void;
  /** The adapters' request timeout and read retries (the soak: short, and retries that do not wait). */
  readonly adapter?: Pick<BybitAccountOptions, "timeoutMs" | "readRetry">;
  /** The rate budget the adapters gate on (default one on the runtime's clock). */
  readonly budget?: RateBudget;
  /** Called with the simulator as soon as it exists, before anything reads it (the soak keys its clocks to it). */
  readonly onSimulator?: (sim: Simulator) => void;
}

export interface SimSession {
  readonly engine: Engine;
  readonly sim: Simulator;
  readonly readPath: ReadPath;
  /** What the engine talks to: the adapters, or paper exchanges over them in a dry run. */
  readonly exchanges: ReadonlyMap<AccountId, AccountExchange>;
  readonly clock: Clock;
  /** The rate budget every account's requests pass (real time). */
  readonly budget: RateBudget;
  /** The stream read path and its in-process stream, with `stream`. */
  readonly stream?: { readonly readPath: StreamReadPath; readonly socket: InProcessStream; readonly wakes: WakeSignal };
  /** Resolves once the simulator's stream has delivered everything it sent (at once without a stream). */
  settle(): Promise<void>;
  /** Makes the monitors of every account whose view the stream changed since the last call due now (engine.wake). */
  wakeChanged(): void;
  /** One engine cycle (the changed accounts' monitors due first), then the price path advances one step (and the stream settles). */
  runCycle(): Promise<CycleReport>;
  finished(): boolean;
  close(): Promise<void>;
}

export async function openSimSession(scenario: Scenario, opts: SimSessionOptions): Promise<SimSession> {
  const sim = createSimulator(scenario, {
    ...(opts.latency !== undefined ? { latency: opts.latency } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...opts.simulator,
  });
  opts.onSimulator?.(sim);
  const observe = opts.observe;
  const served: SimulatorApi =
    observe === undefined
      ? sim
      : {
          ...sim,
          handle: async (req) => {
            const res = await sim.handle(req);
            observe(req, res);
            return res;
          },
        };
  const direct = mswFetch(simHandlers(served, SIM_BASE_URL));
  const transport = opts.fetch !== undefined ? opts.fetch(direct) : direct;
  const clock: Clock = { now: () => sim.venue.now() };
  const budget = opts.budget ?? new RateBudget();
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
      ...opts.adapter,
    });
    exchanges.set(account.id, opts.dryRun === true ? new PaperExchange(adapter, { now: clock.now }) : adapter);
  }
  const configured = opts.config ?? defaultEngineConfig();
  // The legacy strategies model the old system's client, which waited for every answer
  // (cycles of 8 s and more): Warden's per-request deadline is not part of that model.
  const config = opts.strategy === "warden" ? configured : { ...configured, protection: { ...configured.protection, deadlineMs: 120_000 } };
  const sink = opts.sink ?? nullSink;
  let stream: SimSession["stream"];
  let readPath: ReadPath;
  if (opts.stream !== undefined && opts.stream !== false) {
    if (opts.strategy !== "warden") throw new RangeError(`the stream read path needs the warden strategy, not ${opts.strategy}`);
    const settings: SimStreamOptions = opts.stream === true ? {} : opts.stream;
    const socket = inProcessStream(sim.venue, { faults: scenario.streamFaults, ...settings.server });
    const keys = new Map(sim.venue.accounts().map((a) => [a.id, { apiKey: a.apiKey, secret: a.apiSecret }]));
    const streamPath = streamReadPath(exchanges, clock, config, (account, onEvent) => {
      const credentials = keys.get(account);
      if (credentials === undefined) throw new RangeError(`the simulator has no ${account} account`);
      return new BybitPrivateStream({ url: SIM_STREAM_URL, credentials, onEvent, webSocket: socket.WebSocket, ...settings.client });
    }, emitter(sink, "stream", clock.now), settings.deadlines);
    const wakes = new WakeSignal();
    streamPath.onChange((account) => wakes.notify(account));
    stream = { readPath: streamPath, socket, wakes };
    readPath = streamPath;
  } else {
    readPath = readPathFor(opts.strategy, exchanges, clock, config, emitter(sink, "cache", clock.now));
  }
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
  // The first cycle reads each account from the stream: wait until it is up (or refused).
  if (stream !== undefined) await Promise.all([...exchanges.keys()].map((account) => stream.readPath.ready(account)));
  const wakeChanged = (): void => {
    for (const account of stream?.wakes.take() ?? []) engine.wake(account);
  };
  const settle = async (): Promise<void> => {
    await stream?.socket.flushed();
  };
  return {
    engine,
    sim,
    readPath,
    exchanges,
    clock,
    budget,
    ...(stream !== undefined ? { stream } : {}),
    settle,
    wakeChanged,
    async runCycle() {
      wakeChanged();
      const report = await engine.cycle();
      if (!sim.finished()) sim.step(1);
      await settle();
      return report;
    },
    finished: () => sim.finished(),
    close: async () => {
      stream?.readPath.close();
      stream?.socket.close();
    },
  };
}
