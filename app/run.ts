/**
 * `warden run`: lock the state dir, checkpoint, connect (in-process simulator, or any
 * Bybit-compatible REST URL), reconcile, then cycle until the scenario ends, N cycles, one
 * cycle (--once), or a stop signal: the cycle in progress finishes and is persisted first.
 *
 * `--stream`: the accounts are read from the private stream (the simulator's in-process one,
 * or Bybit's / `sim serve`'s WebSocket), and a row that changes an account's view ends the
 * pause between cycles at once: that account's monitors are due (engine.wake) and a cycle
 * runs, bursts coalesced (wake-signal.ts).
 */
import { aloneRoster, configRoster, configuredAccounts, scenarioRoster } from "./accounts.ts";
import { keyVariables } from "../core/domain/accounts.ts";
import { systemClock } from "../core/clock.ts";
import type { Monitor } from "../core/domain/monitor.ts";
import type { AccountId } from "../core/domain/types.ts";
import { InputError } from "../core/errors.ts";
import { createBybitAccount } from "../core/exchange/ccxt-adapter.ts";
import { PaperExchange } from "../core/exchange/paper-exchange.ts";
import type { AccountExchange } from "../core/exchange/port.ts";
import type { Credentials } from "../core/exchange/redaction.ts";
import { emitter, type EventSink } from "../core/logs/event.ts";
import { onSignals, pid, type HttpListener } from "../core/runtime.ts";
import type { LatencyProfile } from "../core/sim/latency.ts";
import { FileStateStore } from "../core/store/file-state-store.ts";
import { defaultStateDir } from "../core/store/state-dir.ts";
import type { JsonObject } from "../core/store/state-json.ts";
import type { EngineConfig } from "../core/engine/config.ts";
import { RateBudget } from "../core/engine/rate-budget.ts";
import { createEngine, type CycleReport, type Engine } from "../core/engine/engine.ts";
import type { ReadPath, StrategyName } from "../core/engine/read-path.ts";
import { SnapshotReadPath } from "../core/engine/snapshot-read-path.ts";
import { toStatsFile } from "../core/cache/stats.ts";
import { readPathFor, streamReadPath } from "../core/engine/read-paths.ts";
import type { OpenStream } from "../core/engine/stream-read-path.ts";
import { WakeSignal } from "../core/engine/wake-signal.ts";
import { BybitPrivateStream, linkTimings, privateStreamUrl } from "../core/exchange/bybit-stream.ts";
import { callFigures, hitRate, protectionFigures, TallySink, writeRequests, type RunSummary } from "../core/engine/run-summary.ts";
import { buildStatus } from "../core/status/status-doc.ts";
import { TeeSink } from "../core/logs/tee-sink.ts";
import { metricsUrl, startMetricsServer } from "../core/metrics/metrics-server.ts";
import { WardenMetrics } from "../core/metrics/warden-metrics.ts";

export interface RunOptions {
  readonly exchange: "sim" | "bybit";
  readonly scenario: string;
  readonly latency?: LatencyProfile;
  readonly baseUrl?: string;
  readonly testnet: boolean;
  readonly once: boolean;
  readonly cycles?: number;
  readonly intervalMs?: number;
  readonly stateDir?: string;
  readonly config: EngineConfig;
  /** Already redacting: every event goes here. */
  readonly sink: EventSink;
  readonly credentials: Partial<Record<AccountId, Credentials>>;
  /** Serve Prometheus metrics and /healthz here while the engine runs (README "Metrics"). */
  readonly metrics?: { readonly host: string; readonly port: number };
  /** Decide and announce every write, send none: paper exchanges over the real ones (README "Dry run"). */
  readonly dryRun?: boolean;
  /** How accounts are read: `polling` (the `warden` snapshots, default) or `stream` (the private WebSocket drives the cycles, REST audits; `run --stream`). */
  readonly read?: "polling" | "stream";
  /** `run --account NAME`: compose this one account alone (its keys only; a follower without its leader). */
  readonly account?: AccountId;
}

export async function runWarden(opts: RunOptions): Promise<RunSummary> {
  const dryRun = opts.dryRun === true;
  const stateDir = opts.stateDir ?? defaultStateDir(opts.exchange, opts.exchange === "sim" ? opts.scenario : hostOf(opts), undefined, dryRun, opts.account);
  const store = new FileStateStore(stateDir);
  if (opts.account !== undefined && opts.exchange === "bybit" && !dryRun) await refuseOthersMonitors(store, opts.account);
  const lock = await store.lock(opts.once ? "run --once" : "run");
  const metrics = opts.metrics === undefined ? undefined : new WardenMetrics();
  const tally = new TallySink(metrics === undefined ? opts.sink : new TeeSink(opts.sink, metrics), systemClock.now);
  const emit = emitter(tally, "run", () => systemClock.now());
  if (lock.tookOver !== undefined) {
    emit("warn", "lock.taken-over", { stateDir, holderPid: lock.tookOver.holder?.pid, holderCommand: lock.tookOver.holder?.command, why: lock.tookOver.why });
  }
  let stopping: string | undefined;
  const pause = new AbortController();
  const unlisten = onSignals(["SIGINT", "SIGTERM"], (signal) => {
    stopping = signal;
    pause.abort();
    emit("info", "run.stopping", { signal, note: "finishing the cycle in progress" });
  });
  let metricsServer: HttpListener | undefined;
  let closeReadPath = (): void => {};
  try {
    if (metrics !== undefined && opts.metrics !== undefined) {
      metricsServer = await startMetricsServer(metrics, { ...opts.metrics, intervalMs: opts.intervalMs ?? opts.config.intervalMs });
      emit("info", "metrics.listening", { host: metricsServer.host, port: metricsServer.port, url: metricsUrl(metricsServer) });
    }
    const settings = await store.settings();
    const strategy: StrategyName = settings.cache === "off" ? "naive" : "warden";
    const checkpoint = await store.checkpoint("pre-run");
    const reports: CycleReport[] = [];
    let engine: Engine;
    let readPath: ReadPath;
    let exchanges: ReadonlyMap<AccountId, AccountExchange>;
    let advance: () => boolean; // false when there is nothing left to play
    // Between cycles: the simulator's next step (its stream settled), or live the interval cut short by a stream change.
    let between: () => Promise<void>;
    // Accounts whose view the stream changed since the last cycle: their monitors are due now.
    let wakeChanged: () => void = () => {};
    const stream = opts.read === "stream" && strategy === "warden";
    // A fresh simulated exchange, or paper orders gone with the run that made them: stored
    // monitors describe orders that no longer exist. They stay in the pre-run checkpoint.
    if ((opts.exchange === "sim" || dryRun) && (await store.loadMonitors()).length > 0) {
      await store.saveMonitors([]);
      emit("info", "state.set-aside", { checkpoint: checkpoint.id, reason: opts.exchange === "sim" ? "fresh in-process simulator" : "paper orders of an earlier dry run are gone" });
    }
    if (opts.exchange === "sim") {
      // the simulator and msw are loaded for simulated runs only: a live run never imports them
      const { loadScenario } = await import("../core/sim/scenario.ts");
      const { openSimSession } = await import("./sim-session.ts");
      const scenario = loadScenario(opts.scenario);
      emit("info", "run.started", { exchange: "sim", scenario: scenario.name, stateDir, cache: settings.cache, strategy, read: stream ? "stream" : "polling", checkpoint: checkpoint.id, dryRun, ...(opts.account !== undefined ? { account: opts.account } : {}) });
      if (opts.account !== undefined) announceAlone(emit, opts.account, aloneRoster(scenarioRoster(scenario), opts.account).leader);
      const session = await openSimSession(scenario, {
        strategy,
        store,
        sink: tally,
        config: opts.config,
        dryRun,
        stream,
        ...(opts.latency !== undefined ? { latency: opts.latency } : {}),
        ...(opts.account !== undefined ? { account: opts.account } : {}),
      });
      closeReadPath = () => void session.close();
      engine = session.engine;
      exchanges = session.exchanges;
      readPath = session.readPath;
      advance = () => {
        if (session.sim.finished()) return false;
        session.sim.step(1);
        return true;
      };
      between = () => session.settle();
      wakeChanged = () => session.wakeChanged();
    } else {
      const budget = new RateBudget();
      const clock = systemClock;
      exchanges = paperIf(dryRun, liveExchanges(opts, budget), clock.now);
      emit("info", "run.started", { exchange: "bybit", baseUrl: opts.baseUrl ?? (opts.testnet ? "testnet" : "mainnet"), stateDir, cache: settings.cache, strategy, read: opts.read ?? "polling", checkpoint: checkpoint.id, dryRun, ...(opts.account !== undefined ? { account: opts.account } : {}) });
      const roster = configRoster(opts.config, [...exchanges.keys()]);
      if (opts.account !== undefined) announceAlone(emit, opts.account, configRoster(opts.config, configuredAccounts(opts.config).names).leaderOf(opts.account));
      const wakes = new WakeSignal();
      if (stream) {
        const streamPath = streamReadPath(exchanges, clock, opts.config, openStreams(opts), emitter(tally, "stream", clock.now));
        streamPath.onChange((account) => wakes.notify(account));
        closeReadPath = () => streamPath.close();
        readPath = streamPath;
      } else {
        readPath = readPathFor(strategy, exchanges, clock, opts.config, emitter(tally, "cache", clock.now));
      }
      engine = createEngine({
        exchanges,
        readPath,
        store,
        clock,
        sink: tally,
        config: opts.config,
        budget,
        roster: opts.account === undefined ? roster : aloneRoster(roster, opts.account).roster,
      });
      await engine.start();
      advance = () => true;
      const live = engine;
      wakeChanged = () => {
        for (const account of wakes.take()) live.wake(account);
      };
      between = async () => {
        await wakes.wait(opts.intervalMs ?? opts.config.intervalMs, pause.signal);
      };
    }
    const startUpCalls = engine.restCalls();
    const limit = opts.once ? 1 : opts.cycles;
    let stopped: RunSummary["stopped"] = "finished";
    for (;;) {
      if (stopping !== undefined) {
        stopped = "signal";
        break;
      }
      wakeChanged();
      const report = await engine.cycle();
      reports.push(report);
      metrics?.observe(report, engine);
      if (readPath instanceof SnapshotReadPath) await store.writeCacheStats({ ...toStatsFile(readPath.cacheStats(), report.cycle, Date.now()) });
      await store.writeStatus(statusOf(engine, report, tally, opts, readPath.name === "stream" ? "stream" : "polling", [...exchanges.keys()]));
      await lock.refresh();
      if (limit !== undefined && reports.length >= limit) {
        stopped = opts.once ? "once" : "cycles";
        break;
      }
      if (!advance()) break;
      await between();
    }
    const active = engine.monitors().filter((m) => m.status === "active").length;
    const summary: RunSummary = {
      exchange: opts.exchange,
      stateDir,
      strategy,
      stopped,
      cycles: reports.length,
      monitors: { active, closed: engine.monitors().length - active },
      fills: tally.fills,
      rules: tally.rules,
      orders: tally.orders,
      alerts: tally.alerts,
      protection: protectionFigures(reports),
      restCalls: callFigures(reports, startUpCalls),
      cacheHitRate: hitRate(reports),
      dryRun,
      writeRequests: writeRequests(exchanges),
    };
    emit("info", "run.stopped", { reason: stopped, cycles: reports.length, monitorsActive: active });
    return summary;
  } finally {
    closeReadPath();
    unlisten();
    await metricsServer?.close();
    await lock.release();
  }
}

/** What `warden status` reads: the monitors and the engine after this cycle (wall-clock figures over the last minute and hour). */
function statusOf(engine: Engine, report: CycleReport, tally: TallySink, opts: RunOptions, readMode: "polling" | "stream", accounts: readonly AccountId[]): JsonObject {
  const now = systemClock.now();
  return buildStatus({
    monitors: engine.monitors(),
    cycle: report,
    marks: engine.marks(),
    instruments: engine.instruments(),
    lastRules: tally.lastRules,
    engine: {
      pid: pid(),
      exchange: opts.exchange,
      clock: opts.exchange === "sim" ? "virtual" : "wall",
      intervalMs: opts.intervalMs ?? opts.config.intervalMs,
      readMode,
      restCallsPerMinute: tally.restCallsSince(now - 60_000),
      alertsLastHour: tally.alertsSince(now - 60 * 60_000),
    },
    dryRun: opts.dryRun === true,
    accounts,
    now,
  });
}

function hostOf(opts: RunOptions): string {
  if (opts.baseUrl !== undefined) return new URL(opts.baseUrl).host;
  return opts.testnet ? "api-testnet.bybit.com" : "api.bybit.com";
}

/** `--dry-run`: each account behind a paper exchange, which reads through and writes nothing. */
function paperIf(dryRun: boolean, exchanges: Map<AccountId, AccountExchange>, now: () => number): Map<AccountId, AccountExchange> {
  if (!dryRun) return exchanges;
  return new Map([...exchanges].map(([account, real]) => [account, new PaperExchange(real, { now })]));
}

/** Each account's private stream, at the stream URL of the REST base URL (Bybit's hosts, or `sim serve`'s port). */
function openStreams(opts: RunOptions): OpenStream {
  const url = privateStreamUrl(opts.baseUrl ?? (opts.testnet ? "https://api-testnet.bybit.com" : "https://api.bybit.com"));
  return (account, onEvent) => {
    const credentials = opts.credentials[account];
    if (credentials === undefined) throw new InputError("RUN_NO_KEYS", `no keys for the ${account} account's stream`);
    return new BybitPrivateStream({ url, credentials, onEvent, ...linkTimings(opts.intervalMs ?? opts.config.intervalMs) });
  };
}

/** `run --account NAME` of a follower: said once at start, as a warning, since a close of its leader goes unfollowed. */
function announceAlone(emit: ReturnType<typeof emitter>, account: AccountId, leader: AccountId | undefined): void {
  if (leader === undefined) return;
  emit("warn", "leader.not-read", {
    account,
    leader,
    message: `${account} runs alone: its leader ${leader} is not read by this process, so a close of ${leader} is not followed on ${account} here (its own positions stay protected); run both in one process for that`,
  });
}

/**
 * A one-account run keeps to a state dir of its own: one that holds another account's active
 * monitors (the whole roster's, from a run of every account) would leave those monitors
 * unwatched but shown, and their stops unfollowed. Refused before anything is written.
 */
async function refuseOthersMonitors(store: FileStateStore, account: AccountId): Promise<void> {
  const others = [...new Set((await store.loadMonitors<Monitor>()).filter((m) => m.status === "active" && m.account !== account).map((m) => m.account))];
  if (others.length === 0) return;
  throw new InputError("STATE_OTHER_ACCOUNTS", `state dir ${store.location} holds monitors of ${others.sort().join(", ")}: run --account ${account} needs a state dir of its own (leave out --state-dir for the default one, or give another)`);
}

function liveExchanges(opts: RunOptions, budget: RateBudget): Map<AccountId, AccountExchange> {
  const exchanges = new Map<AccountId, AccountExchange>();
  const names = opts.account !== undefined ? [opts.account] : configuredAccounts(opts.config).names;
  for (const account of names) {
    const creds = opts.credentials[account];
    if (creds === undefined) continue;
    exchanges.set(
      account,
      createBybitAccount({
        account,
        apiKey: creds.apiKey,
        secret: creds.secret,
        testnet: opts.testnet,
        beforeRequest: budget.gate(account),
        ...(opts.baseUrl !== undefined ? { baseUrl: opts.baseUrl } : {}),
      }),
    );
  }
  const missing = (opts.account !== undefined ? [opts.account] : configuredAccounts(opts.config).required).filter((a) => !exchanges.has(a));
  if (missing.length > 0) throw new InputError("RUN_NO_KEYS", `no keys for ${missing.join(", ")}: set ${missing.map((a) => keyVariables(a).key).join(", ")} and their _SECRET`);
  return exchanges;
}

