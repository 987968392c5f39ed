/**
 * The cycle: schedule due monitors -> read (one strategy, see read-path.ts) -> evaluate
 * (pure) -> execute writes -> persist -> metrics. `start()` reconciles the stored
 * monitors with the exchange first and refuses to act when it cannot.
 */
import type { Clock } from "../clock.ts";
import { isWrite, type Action, type WriteAction } from "../domain/action.ts";
import { followMainClose } from "../domain/mirror.ts";
import type { Monitor } from "../domain/monitor.ts";
import type { RuleConfig } from "../domain/plan.ts";
import { reconcile } from "../domain/reconcile.ts";
import { revertWrite } from "../domain/write-outcome.ts";
import { monitorId, type AccountId, type ExchangeOrder, type Instrument } from "../domain/types.ts";
import { isDue, urgency, type Urgency } from "../domain/urgency.ts";
import { RuntimeFault } from "../errors.ts";
import type { AccountExchange } from "../exchange/port.ts";
import { emitter, type Emit, type EventSink } from "../logs/event.ts";
import { cpuMicros } from "../runtime.ts";
import type { StateStore } from "../store/state-store.ts";
import type { EngineConfig } from "./config.ts";
import { Announcer } from "./announcer.ts";
import { Decider, isLook, type Look } from "./decider.ts";
import { Executor, succeeded } from "./executor.ts";
import type { RateBudget } from "./rate-budget.ts";
import type { MonitorKey, ReadPath, ReadStats } from "./read-path.ts";
import { absorbReadFailure } from "./read-failure.ts";
import { startUp, type StartReport } from "./start-up.ts";
import { ruleConfigOf } from "./rule-config.ts";

export interface EngineDeps {
  readonly exchanges: ReadonlyMap<AccountId, AccountExchange>;
  readonly readPath: ReadPath;
  readonly store: StateStore;
  readonly clock: Clock;
  readonly sink: EventSink;
  readonly config: EngineConfig;
  /** Mirror size / main size (the scenario's on the simulator, the config's live). */
  readonly mirrorRatio?: number;
  /** The budget every request of the adapters passes before it is signed (RateBudget.gate); the engine backs off on it. */
  readonly budget: RateBudget;
}

export interface CycleReport {
  readonly cycle: number;
  readonly at: number;
  readonly monitors: number;
  readonly due: number;
  readonly durationMs: number;
  readonly cpuMicros: number;
  /**
   * CPU of the engine's own work this cycle: discovery, deciding (evaluate), announcing,
   * scheduling and saving; not the exchange client (ccxt signing and parsing), the
   * transport, the reads and lookups, or their waits.
   */
  readonly engineCpuMicros: number;
  readonly restCalls: number;
  readonly read: ReadStats;
  /** Monitor reads that needed a lookup of their own (an order vanished from the listing). */
  readonly lookups: number;
  /**
   * Monitor reads as the old system's logs counted them: a hit is served without a call of
   * its own; a read the strategy served but that needed a lookup is a miss.
   */
  readonly cacheHits: number;
  readonly cacheMisses: number;
  readonly urgency: Readonly<Record<Urgency, number>>;
  readonly actions: number;
  readonly writes: number;
}

export class Engine {
  readonly #deps: EngineDeps;
  readonly #emit: Emit;
  readonly #rules: RuleConfig;
  readonly #executor: Executor;
  #monitors: Monitor[] = [];
  #instruments: ReadonlyMap<string, Instrument> = new Map();
  #cycle = 0;
  #started = false;
  readonly #announcer: Announcer;
  readonly #decider: Decider;
  /** Clock time each account was last loaded whole (for discovery). */
  readonly #lastLoaded = new Map<AccountId, number>();
  #mirrorRatio: number | undefined;

  constructor(deps: EngineDeps) {
    this.#deps = deps;
    this.#emit = emitter(deps.sink, "engine", () => deps.clock.now());
    this.#rules = ruleConfigOf(deps.config);
    this.#announcer = new Announcer(this.#emit);
    this.#decider = new Decider(this.#rules);
    this.#executor = new Executor({
      exchanges: deps.exchanges,
      budget: deps.budget,
      journal: deps.store.journal,
      readPath: deps.readPath,
      emit: emitter(deps.sink, "executor", () => deps.clock.now()),
      now: () => deps.clock.now(),
    });
  }

  monitors(): readonly Monitor[] {
    return this.#monitors;
  }

  restCalls(): number {
    let total = 0;
    for (const exchange of this.#deps.exchanges.values()) total += exchange.requestStats().total;
    return total;
  }

  /** Reconcile with the exchange; throws RECONCILE_FAILED (exit 3) rather than act on a guess. */
  async start(): Promise<StartReport> {
    const report = await startUp({
      exchanges: this.#deps.exchanges,
      store: this.#deps.store,
      now: this.#deps.clock.now(),
      emit: this.#emit,
      rules: this.#rules,
      ...(this.#deps.mirrorRatio !== undefined ? { mirrorRatio: this.#deps.mirrorRatio } : {}),
    });
    this.#monitors = report.monitors.map((m) => (m.status === "active" ? { ...m, nextDueAt: Math.min(m.nextDueAt, this.#deps.clock.now()) } : m)); // the exchange may have moved while Warden was down: a restart's first cycle evaluates every monitor
    this.#instruments = report.instruments;
    this.#mirrorRatio = report.mirrorRatio;
    this.#started = true;
    return report;
  }

  async cycle(): Promise<CycleReport> {
    if (!this.#started) throw new RuntimeFault("ENGINE_NOT_STARTED", "the engine must reconcile (start) before its first cycle");
    const { clock, readPath, store } = this.#deps;
    const cycle = ++this.#cycle;
    const now = clock.now();
    const cpu0 = cpuMicros();
    const t0 = performance.now();
    const calls0 = this.restCalls();
    readPath.resetCycle();

    // Saved only when something durable changed: a steady cycle (no fill, no write) changes
    // nothing a restart could not read off the exchange again.
    let dirty = cycle === 1;
    const isDueNow = (m: Monitor) => isDue(m, now) || sweepDue(m, now);
    let due = this.#monitors.filter(isDueNow);
    const unseen = [...this.#deps.exchanges.keys()].filter((a) => now - (this.#lastLoaded.get(a) ?? -Infinity) >= this.#deps.config.urgency.activeEveryMs);
    let engineCpu = 0;
    const timed = <T>(work: () => T): T => {
      const c0 = cpuMicros();
      try {
        return work();
      } finally {
        engineCpu += cpuMicros() - c0;
      }
    };
    if (!(await this.#prepare(uniqueKeys(due), unseen))) due = [];
    else if (timed(() => this.#discover(now))) {
      dirty = true;
      due = this.#monitors.filter(isDueNow);
    }
    if (readPath.name === "naive") {
      // the --cache off rollback path: every monitor read is a fetch of its own
      for (const m of due) this.#emit("info", "fetch.uncached", { account: m.account, monitor: m.id, kind: "position+orders" });
    }

    const looks = timed(() => due.map((m) => this.#decider.look(m, readPath.view(key(m)), this.#instruments.get(m.symbol), now)));
    const answers = await Promise.all(looks.map((l) => (isLook(l) && l.missing.length > 0 ? this.#lookup(l) : Promise.resolve(new Map<string, ExchangeOrder | null>()))));
    const decided = timed(() =>
      looks.flatMap((l, i) => {
        if (!isLook(l)) return [l];
        const found = answers[i];
        return found === undefined ? [] : [this.#decider.decide(l, found, now)];
      }),
    );
    const applyCpu0 = cpuMicros();
    const next = new Map(this.#monitors.map((m) => [m.id, m]));
    const writes = new Map<string, WriteAction[]>();
    let actions = 0;
    let lookups = 0;
    const apply = (monitor: Monitor, done: readonly Action[]) => {
      const before = next.get(monitor.id);
      if (done.length > 0) this.#decider.unsettle(monitor.id);
      if (done.length > 0 || before === undefined || before.size !== monitor.size || before.status !== monitor.status || before.orders.length !== monitor.orders.length) dirty = true;
      this.#announcer.fills(before, monitor);
      next.set(monitor.id, monitor);
      actions += done.length;
      this.#announcer.actions(monitor, done);
      const w = done.filter(isWrite);
      if (w.length > 0) writes.set(monitor.id, [...(writes.get(monitor.id) ?? []), ...w]);
    };
    for (const d of decided) {
      if (d.lookedUp) lookups++;
      apply(d.monitor, d.actions);
    }
    for (const d of decided) {
      // main went flat by hand (or liquidation): its mirror twin follows
      if (d.monitor.account !== "main" || d.monitor.status !== "closed" || d.monitor.closeReason !== "flat") continue;
      const twin = next.get(monitorId("mirror", d.monitor.symbol, d.monitor.side));
      if (twin === undefined || twin.mirrorOf !== d.monitor.id) continue;
      const followed = followMainClose(twin, d.monitor, now);
      if (followed.actions.length > 0) apply(followed.monitor, followed.actions);
    }
    engineCpu += cpuMicros() - applyCpu0;
    if (await this.#carryOut(writes, next)) dirty = true;
    this.#monitors = [...next.values()];
    timed(() => this.#announcer.divergence(this.#monitors, this.#instruments));
    if (dirty) {
      const saveCpu0 = cpuMicros();
      await store.saveMonitors(this.#monitors);
      engineCpu += cpuMicros() - saveCpu0;
    }
    const urgencyNow = timed(() => this.#urgencyBreakdown());

    const read = readPath.cycleStats();
    const cacheHits = Math.max(0, read.hits - lookups);
    const report: CycleReport = {
      cycle,
      at: now,
      monitors: this.#monitors.filter((m) => m.status === "active").length,
      due: due.length,
      durationMs: performance.now() - t0,
      cpuMicros: cpuMicros() - cpu0,
      engineCpuMicros: engineCpu,
      restCalls: this.restCalls() - calls0,
      read,
      lookups,
      cacheHits,
      cacheMisses: read.misses + (read.hits - cacheHits),
      urgency: urgencyNow,
      actions,
      writes: this.#executor.takeWriteCount(),
    };
    this.#emit("info", "cycle.completed", {
      cycle,
      monitors: report.monitors,
      due: report.due,
      durationMs: round(report.durationMs),
      restCalls: report.restCalls,
      cacheHits: report.cacheHits,
      cacheMisses: report.cacheMisses,
      loads: read.loads,
      coalesced: read.coalesced,
      writes: report.writes,
      urgency: report.urgency,
    });
    return report;
  }

  /**
   * Sends each monitor's writes. A write the exchange did not apply (refused, rate-limited,
   * IP-banned, or skipped after an earlier failure) is taken back from the monitor
   * (revertWrite) and the monitor is due again: the next cycle decides afresh on a fresh
   * snapshot, never replays a stale decision. An "unknown" outcome stays: the grace window
   * and a lookup by orderLinkId settle it. Returns whether any write was taken back.
   */
  async #carryOut(writes: ReadonlyMap<string, WriteAction[]>, monitors: Map<string, Monitor>): Promise<boolean> {
    let reverted = false;
    await Promise.all(
      [...writes.entries()].map(async ([id, actions]) => {
        const results = await this.#executor.execute(id, actions);
        for (const { action, outcome } of results) {
          if (succeeded(outcome, action.kind) || outcome.status === "unknown") continue;
          const monitor = monitors.get(id);
          if (monitor === undefined) continue;
          monitors.set(id, { ...revertWrite(monitor, action), nextDueAt: this.#deps.clock.now() });
          reverted = true;
          if (action.kind === "place" && action.role === "sl" && outcome.status === "rejected") {
            this.#emit("error", "alert", { level: "error", message: `stop for ${id} refused by the exchange (${outcome.code}: ${outcome.reason}); deciding again next cycle`, monitor: id });
          }
        }
      }),
    );
    return reverted;
  }

  /**
   * Reads for the due monitors. A read the exchange refused for now (rate limit, IP ban,
   * 5xx, timeout) skips this cycle's decisions: the monitors stay due, nothing is decided
   * on missing data, and the budget backs off. Only faults that waiting cannot cure throw.
   */
  async #prepare(keys: readonly MonitorKey[], accounts: readonly AccountId[]): Promise<boolean> {
    if (keys.length === 0 && accounts.length === 0) return true;
    try {
      await this.#deps.readPath.prepare(keys, { accounts });
      return true;
    } catch (error) {
      if (!this.#absorb(error)) throw error;
      return false;
    }
  }

  /**
   * Positions opened after start-up (or reopened after their monitor closed) are adopted
   * from the whole-account snapshots this cycle loaded: no call of their own. Every account
   * is loaded at least every `activeEveryMs` for this, even with no monitor due on it.
   * Read paths that load per monitor (cache off) have no snapshot: only start-up adopts there.
   */
  #discover(now: number): boolean {
    const snapshots = this.#deps.readPath.accountSnapshots?.();
    if (snapshots === undefined || snapshots.size === 0) return false;
    for (const account of snapshots.keys()) this.#lastLoaded.set(account, now);
    const active = new Set(this.#monitors.filter((m) => m.status === "active").map((m) => m.id));
    const unknown = [...snapshots].some(([account, s]) => s.positions.some((p) => p.size > 0 && !active.has(monitorId(account, p.symbol, p.side))));
    if (!unknown) return false;
    const r = reconcile(this.#monitors, snapshots, this.#instruments, now, { config: this.#rules, ...(this.#mirrorRatio !== undefined ? { mirrorRatio: this.#mirrorRatio } : {}) });
    this.#monitors = r.monitors;
    this.#decider.unsettleAll();
    for (const id of r.adopted) {
      const m = r.monitors.find((x) => x.id === id);
      this.#emit("info", "monitor.adopted", { monitor: id, plan: m?.plan.kind, size: m?.size, orders: m?.orders.length, when: "running" });
    }
    for (const id of r.retired) this.#emit("info", "monitor.closed", { monitor: id, reason: "position-gone" });
    return r.adopted.length > 0 || r.retired.length > 0;
  }

  #absorb(error: unknown): boolean {
    return absorbReadFailure(error, { budget: this.#deps.budget, accounts: this.#deps.exchanges.keys(), emit: this.#emit, now: this.#deps.clock.now() });
  }

  /** Answers a look's lookups by orderLinkId; undefined when the exchange refused for now (decide next cycle). */
  async #lookup(look: Look): Promise<Map<string, ExchangeOrder | null> | undefined> {
    const exchange = this.#exchange(look.monitor.account);
    const found = new Map<string, ExchangeOrder | null>();
    try {
      for (const linkId of look.missing) found.set(linkId, (await exchange.lookupOrder(look.monitor.symbol, linkId)) ?? null);
      return found;
    } catch (error) {
      if (!this.#absorb(error)) throw error;
      return undefined;
    }
  }

  #urgencyBreakdown(): Record<Urgency, number> {
    const counts: Record<Urgency, number> = { critical: 0, urgent: 0, active: 0, idle: 0 };
    for (const m of this.#monitors) {
      if (m.status !== "active") continue;
      const mark = this.#decider.marks.get(m.symbol);
      counts[mark === undefined ? "idle" : urgency(m, mark, this.#rules.urgency)]++;
    }
    return counts;
  }

  #exchange(account: AccountId): AccountExchange {
    const exchange = this.#deps.exchanges.get(account);
    if (exchange === undefined) throw new RuntimeFault("ENGINE_NO_ACCOUNT", `no exchange configured for account ${account}`);
    return exchange;
  }
}

/** A closed monitor with an order still working (a cancel that did not go through) is swept again. */
function sweepDue(monitor: Monitor, now: number): boolean {
  return monitor.status === "closed" && now >= monitor.nextDueAt && monitor.orders.some((o) => o.state === "working");
}

function key(monitor: Monitor): MonitorKey {
  return { account: monitor.account, symbol: monitor.symbol };
}

function uniqueKeys(monitors: readonly Monitor[]): MonitorKey[] {
  const seen = new Map<string, MonitorKey>();
  for (const m of monitors) seen.set(`${m.account} ${m.symbol}`, key(m));
  return [...seen.values()];
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export function createEngine(deps: EngineDeps): Engine {
  return new Engine(deps);
}
