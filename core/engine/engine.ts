/**
 * The cycle: every account's unit at once (account-unit.ts: read -> discover -> evaluate
 * (pure) -> write), then each follower's hand-over from its leader (handover.ts), then
 * persist and report. `start()` reconciles the stored monitors with the exchange first and
 * refuses to act when it cannot.
 */
import type { Clock } from "../clock.ts";
import { defaultRoster, type Roster } from "../domain/accounts.ts";
import type { Monitor } from "../domain/monitor.ts";
import type { RuleConfig } from "../domain/plan.ts";
import { stalePlans, staleNoStop, withNoStop, withPlans } from "../domain/trader-choices.ts";
import { lifetimeKey } from "../domain/link-id.ts";
import type { PositionPlans } from "../store/plans-file.ts";
import type { AccountId, Instrument } from "../domain/types.ts";
import { urgency, type Urgency } from "../domain/urgency.ts";
import { RuntimeFault } from "../errors.ts";
import type { AccountExchange, RequestStats } from "../exchange/port.ts";
import { emitter, type Emit, type EventSink } from "../logs/event.ts";
import { cpuMicros } from "../runtime.ts";
import type { StateStore } from "../store/state-store.ts";
import type { EngineConfig } from "./config.ts";
import { CpuMeter } from "./cpu-meter.ts";
import { AccountUnit, type UnitContext, type UnitCycle } from "./account-unit.ts";
import { Announcer } from "./announcer.ts";
import { Executor } from "./executor.ts";
import { Handover } from "./handover.ts";
import type { BudgetLeft, IpShare, RateBudget } from "./rate-budget.ts";
import type { ReadPath, ReadStats } from "./read-path.ts";
import { withDeadline } from "./deadline.ts";
import { ProtectionWatch } from "./protection-watch.ts";
import { startUp, type StartReport } from "./start-up.ts";
import { ruleConfigOf } from "./rule-config.ts";

export interface EngineDeps {
  readonly exchanges: ReadonlyMap<AccountId, AccountExchange>;
  readonly readPath: ReadPath;
  readonly store: StateStore;
  readonly clock: Clock;
  readonly sink: EventSink;
  readonly config: EngineConfig;
  /** Who follows whom at which ratio (the scenario's on the simulator, the config's live); by default `mirror` follows `main`. */
  readonly roster?: Roster;
  /** The budget every request of the adapters passes before it is signed (RateBudget.gate); the engine backs off on it. */
  readonly budget: RateBudget;
  /** This instance's tag (tests); by default the state dir's, made once and kept in its settings. */
  readonly instance?: string;
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
  /** Open positions the exchange showed without a full-size stop (positions on unknown instruments included). */
  readonly unprotected: number;
  /** The longest time any position stayed unprotected so far in this run, ms. */
  readonly longestUnprotectedMs: number;
  /** Accounts whose reads failed this cycle (their monitors waited; the others went on). */
  readonly failedAccounts: number;
}

export class Engine {
  readonly #deps: EngineDeps;
  readonly #emit: Emit;
  #rules: RuleConfig;
  readonly #executor: Executor;
  /** One unit per account, in the roster's order. */
  #units: AccountUnit[] = [];
  /** Stored monitors of accounts this run does not trade (kept as they are, saved back). */
  #dormant: Monitor[] = [];
  #instruments: ReadonlyMap<string, Instrument> = new Map();
  #reloading = false;
  #cycle = 0;
  #started = false;
  readonly #announcer: Announcer;
  #roster: Roster;
  #handover: Handover;
  readonly #watch: ProtectionWatch;
  /** The trader's plans per position, as read at the start of this cycle. */
  #plans: PositionPlans = {};
  /** Trade plans a position took this cycle, to be bound to its lifetime in plans.json. */
  readonly #claims = new Map<string, string>();

  constructor(deps: EngineDeps) {
    this.#deps = deps;
    this.#emit = emitter(deps.sink, "engine", () => deps.clock.now());
    this.#rules = ruleConfigOf(deps.config);
    this.#roster = deps.roster ?? defaultRoster([...deps.exchanges.keys()]);
    this.#handover = new Handover(this.#roster);
    this.#announcer = new Announcer(this.#emit);
    this.#watch = new ProtectionWatch(this.#emit, {
      alertRepeatMs: deps.config.protection.alertRepeatMs,
      outageAfterMs: deps.config.protection.outageAfterMs,
      restoreAlertWindowMs: deps.config.protection.restoreAlertWindowMs,
    });
    this.#executor = new Executor({
      exchanges: deps.exchanges,
      budget: deps.budget,
      journal: deps.store.journal,
      readPath: deps.readPath,
      emit: emitter(deps.sink, "executor", () => deps.clock.now()),
      now: () => deps.clock.now(),
      deadlineMs: deps.config.protection.deadlineMs,
    });
  }

  monitors(): readonly Monitor[] {
    return [...this.#units.flatMap((u) => u.monitors()), ...this.#dormant];
  }

  /** The last mark seen per symbol, and the instruments loaded: what `warden status` shows beside the monitors. */
  marks(): ReadonlyMap<string, number> {
    return new Map(this.#units.flatMap((u) => [...u.decider.marks]));
  }

  instruments(): ReadonlyMap<string, Instrument> {
    return this.#instruments;
  }

  restCalls(): number {
    let total = 0;
    for (const exchange of this.#deps.exchanges.values()) total += exchange.requestStats().total;
    return total;
  }

  /** HTTP requests made so far per account, by endpoint (metrics). */
  requestStats(): ReadonlyMap<AccountId, RequestStats> {
    return new Map([...this.#deps.exchanges].map(([account, exchange]) => [account, exchange.requestStats()]));
  }

  /** What the rate budget has left now, per account and for the IP (metrics). */
  budgetLeft(): BudgetLeft {
    return this.#deps.budget.left([...this.#deps.exchanges.keys()]);
  }

  /** How the per-IP window is shared between this engine's accounts now (metrics). */
  budgetShare(): IpShare {
    return this.#deps.budget.share([...this.#deps.exchanges.keys()]);
  }

  /** Reconcile with the exchange; throws RECONCILE_FAILED (exit 3) rather than act on a guess. */
  async start(): Promise<StartReport> {
    const instance = this.#deps.instance ?? (await this.#instanceTag());
    this.#rules = { ...this.#rules, instance };
    const report = await startUp({
      exchanges: this.#deps.exchanges,
      store: this.#deps.store,
      now: this.#deps.clock.now(),
      emit: this.#emit,
      rules: this.#rules,
      roster: this.#roster,
    });
    const now = this.#deps.clock.now();
    // the exchange may have moved while Warden was down: a restart's first cycle evaluates every monitor
    const monitors = report.monitors.map((m) => (m.status === "active" ? { ...m, nextDueAt: Math.min(m.nextDueAt, now) } : m));
    this.#instruments = report.instruments;
    this.#roster = report.roster;
    this.#handover = new Handover(this.#roster);
    const accounts = [...this.#deps.exchanges.keys()];
    this.#units = accounts.map((account) => new AccountUnit(account, monitors.filter((m) => m.account === account), this.#unitContext(account)));
    this.#dormant = monitors.filter((m) => !this.#deps.exchanges.has(m.account));
    // a leader retired at start-up (closed while Warden was down): its followers follow
    for (const account of accounts.filter((a) => this.#roster.isLeader(a))) {
      const closed = report.monitors.filter((m) => m.account === account && report.retired.includes(m.id));
      this.#handover.post({ leader: account, monitors: monitors.filter((m) => m.account === account), closed, fresh: true });
    }
    this.#started = true;
    return report;
  }

  #unitContext(account: AccountId): UnitContext {
    const exchange = this.#deps.exchanges.get(account);
    if (exchange === undefined) throw new RuntimeFault("ENGINE_NO_ACCOUNT", `no exchange configured for account ${account}`);
    return {
      exchange,
      readPath: this.#deps.readPath,
      executor: this.#executor,
      announcer: this.#announcer,
      budget: this.#deps.budget,
      clock: this.#deps.clock,
      config: this.#deps.config,
      rules: this.#rules,
      roster: this.#roster,
      emit: this.#emit,
      instruments: () => this.#instruments,
      reloadInstruments: (from) => void this.#reloadInstruments(from),
      applyPlans: (monitors, now) => this.#followPlans(monitors, now),
    };
  }

  /** The monitor changed outside an evaluation (the trader's choices): its unit evaluates it next time. */
  #unsettle(id: string): void {
    for (const unit of this.#units) unit.decider.unsettle(id);
  }

  /** Every account's monitors through a pure change of all of them (the trader's choices), then back to their units. */
  #updateAll(change: (all: Monitor[]) => Monitor[]): void {
    const all = change(this.#units.flatMap((u) => u.monitors()));
    for (const unit of this.#units) unit.replace(all.filter((m) => m.account === unit.account));
  }

  /** The trader's per-position choices (settings.json, `warden no-stop`), read each cycle; a changed one is looked at now. */
  async #applyChoices(now: number): Promise<void> {
    let settings;
    try {
      settings = await this.#deps.store.settings();
      this.#watch.cleared("settings");
    } catch (error) {
      // a hand-edited settings.json gone bad must not stop the engine: the last choices stand
      this.#watch.repeated("settings", now, "error", { kind: "settings-invalid", message: `${error instanceof Error ? error.message : String(error)}; keeping the choices read before` });
      return;
    }
    await this.#applyPlans(now);
    const noStop = new Set(settings.noStop ?? []);
    const stale = staleNoStop(noStop, this.monitors());
    if (stale.length > 0) {
      // the choice was for a position that is gone: a later one on that symbol gets its stop
      await this.#deps.store.saveSettings({ ...settings, noStop: [...noStop].filter((k) => !stale.includes(k)) });
      for (const key of stale) this.#emit("info", "choice.changed", { monitor: key.slice(0, key.indexOf("@")), noStop: false, reason: "the position it was given for is gone" });
    }
    this.#updateAll((all) => {
      const chosen = withNoStop(all, noStop, now);
      for (const { id, noStop: wanted } of chosen.changed) {
        this.#unsettle(id);
        this.#emit("info", "choice.changed", { monitor: id, noStop: wanted });
      }
      return chosen.monitors;
    });
  }

  /**
   * The trader's plans per position (`warden plan`, plans.json), read each cycle: a plan newer
   * than the one a monitor applied sets its targets (stop, TPs, ladder, trail), and the monitor
   * is looked at now; evaluate amends the orders in place until the exchange shows them.
   */
  async #applyPlans(now: number): Promise<void> {
    try {
      this.#plans = await this.#deps.store.positionPlans();
      const stale = stalePlans(this.#plans, this.monitors());
      if (stale.length > 0) {
        // a plan ends with its position: a later one on the symbol never gets its prices
        this.#plans = await this.#deps.store.updatePositionPlans((all) => Object.fromEntries(Object.entries(all).filter(([id]) => !stale.includes(id))));
        for (const id of stale) this.#emit("info", "plan.ended", { monitor: id, reason: "the position it was given for is gone" });
      }
      this.#watch.cleared("plans");
    } catch (error) {
      this.#watch.repeated("plans", now, "error", { kind: "settings-invalid", message: `${error instanceof Error ? error.message : String(error)}; keeping the plans applied before` });
      return;
    }
    this.#updateAll((all) => this.#followPlans(all, now));
  }

  /** These monitors with this cycle's plans they have not applied yet (again after discovery: a trade's position adopted this cycle gets its plan at once). */
  #followPlans(monitors: readonly Monitor[], now: number): Monitor[] {
    const planned = withPlans(monitors, this.#plans, this.#instruments, now);
    for (const m of planned.applied) {
      if (this.#plans[m.id]?.for === undefined) this.#claims.set(m.id, lifetimeKey(m)); // a trade's plan, now this position's
      this.#unsettle(m.id);
      this.#emit("info", "plan.applied", { account: m.account, monitor: m.id, at: m.planAt, stopPrice: m.stopPrice, tpPrices: m.tpPrices, plan: m.plan.kind });
    }
    return planned.monitors;
  }

  /** Binds the trade plans positions took this cycle to those positions' lifetimes. */
  async #bindClaims(): Promise<void> {
    if (this.#claims.size === 0) return;
    const claims = new Map(this.#claims);
    this.#claims.clear();
    await this.#deps.store.updatePositionPlans((all) => {
      const next = { ...all };
      for (const [id, life] of claims) if (next[id] !== undefined && next[id]!.for === undefined) next[id] = { ...next[id]!, for: life };
      return next;
    });
  }

  /** The state dir's instance tag, made (random, 4 characters of [0-9a-z]) and kept on first use. */
  async #instanceTag(): Promise<string> {
    const settings = await this.#deps.store.settings();
    if (settings.instance !== undefined) return settings.instance;
    const bytes = crypto.getRandomValues(new Uint8Array(4));
    const instance = [...bytes].map((b) => (b % 36).toString(36)).join("");
    await this.#deps.store.saveSettings({ ...settings, instance });
    this.#emit("info", "instance.tagged", { instance });
    return instance;
  }

  /**
   * Something arrived that changed this account's view (a stream row): its active monitors
   * are due now, so the next cycle looks at them instead of waiting for their urgency. Call it
   * between cycles (a cycle in progress replaces the monitors when it ends).
   */
  wake(account: AccountId): void {
    const now = this.#deps.clock.now();
    this.#units.find((u) => u.account === account)?.wake(now);
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
    await this.#applyChoices(now);

    // Every account's unit at once: one account's slow or failed read holds back that
    // account alone. A follower takes its hand-over once its leader's unit is done (its own
    // protection never waits for it); a leader posts once its own unit is done.
    const first = cycle === 1;
    let followed = false;
    const together = this.#readTogether(now);
    const done = new Map<AccountId, Promise<UnitCycle>>();
    for (const unit of this.#units) {
      done.set(unit.account, (async () => {
        const own = await unit.cycle(now, first, together.has(unit.account));
        const leader = this.#roster.leaderOf(unit.account);
        if (leader !== undefined) {
          await done.get(leader)?.catch(() => undefined);
          const { acted, ratioFixed } = this.#handover.take(unit.account, unit.monitors(), own, this.#instruments, clock.now(), this.#rules.instance);
          if (ratioFixed !== undefined) this.#emit("info", "mirror.ratio", { account: unit.account, leader, ratio: ratioFixed, from: "first pair of twins" });
          if (await unit.follow(acted, clock.now())) followed = true;
        }
        if (this.#roster.isLeader(unit.account)) this.#handover.post({ leader: unit.account, monitors: unit.monitors(), closed: own.closed, fresh: own.loaded });
        return own;
      })());
    }
    const units = await Promise.all(done.values());
    const engineCpu = new CpuMeter(units.reduce((sum, u) => sum + u.engineCpuMicros, 0));
    const timed = <T>(work: () => T): T => engineCpu.time(work);
    const monitors = this.monitors();
    const diverging = timed(() => this.#announcer.divergence(monitors, this.#instruments));
    for (const m of monitors) {
      const alert = diverging.get(m.id);
      if (alert === undefined) this.#watch.cleared(`divergence:${m.id}`);
      else {
        const note = this.#roster.followMode(m.account) === "size" ? "Warden trades it back to its ratio once its leader's view is fresh" : `Warden does not trade to close the gap, check the ${m.account} account`;
        this.#watch.repeated(`divergence:${m.id}`, now, "error", { kind: "divergence", account: m.account, monitor: m.id, message: `${alert.message}; ${note}`, ...(alert.detail ?? {}) });
      }
    }
    await this.#bindClaims();
    // Saved only when something durable changed: a steady cycle (no fill, no write) changes
    // nothing a restart could not read off the exchange again.
    if (first || followed || units.some((u) => u.dirty)) {
      const saveCpu0 = cpuMicros();
      await store.saveMonitors(monitors);
      engineCpu.micros += cpuMicros() - saveCpu0;
    }
    const urgencyNow = timed(() => this.#urgencyBreakdown(monitors));

    const read = readPath.cycleStats();
    const lookups = units.reduce((sum, u) => sum + u.lookups, 0);
    const cacheHits = Math.max(0, read.hits - lookups);
    const active = monitors.filter((m) => m.status === "active");
    const report: CycleReport = {
      cycle,
      at: now,
      monitors: active.length,
      due: units.reduce((sum, u) => sum + u.due, 0),
      durationMs: performance.now() - t0,
      cpuMicros: cpuMicros() - cpu0,
      engineCpuMicros: engineCpu.micros,
      restCalls: this.restCalls() - calls0,
      read,
      lookups,
      cacheHits,
      cacheMisses: read.misses + (read.hits - cacheHits),
      urgency: urgencyNow,
      actions: units.reduce((sum, u) => sum + u.actions, 0),
      writes: this.#executor.takeWriteCount(),
      unprotected: active.filter((m) => m.protection?.state === "unprotected").length + units.reduce((sum, u) => sum + u.noInstrument, 0),
      longestUnprotectedMs: Math.max(0, ...this.#units.map((u) => u.watch.longestUnprotectedMs())),
      failedAccounts: units.filter((u) => u.failed).length,
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
      unprotected: report.unprotected,
      ...(report.failedAccounts > 0 ? { failedAccounts: report.failedAccounts } : {}),
    });
    return report;
  }

  /**
   * A size follower compares its size with its leader's: both are read in the same cycle (when
   * either is), so the two sizes are of one moment, never a fresh one against a stale one.
   */
  #readTogether(now: number): Set<AccountId> {
    const together = new Set<AccountId>();
    const wants = new Map(this.#units.map((u) => [u.account, u.wantsRead(now)]));
    for (const unit of this.#units) {
      const leader = this.#roster.leaderOf(unit.account);
      if (leader === undefined || this.#roster.followMode(unit.account) !== "size" || !wants.has(leader)) continue;
      if (wants.get(unit.account) === true || wants.get(leader) === true) {
        together.add(unit.account);
        together.add(leader);
      }
    }
    return together;
  }

  async #reloadInstruments(account: AccountId): Promise<void> {
    if (this.#reloading) return;
    this.#reloading = true;
    try {
      const exchange = this.#deps.exchanges.get(account);
      if (exchange === undefined) return;
      const fresh = await withDeadline(exchange.instruments({ refresh: true }), this.#deps.config.protection.deadlineMs, "reloading instruments");
      this.#instruments = fresh;
      for (const unit of this.#units) unit.decider.unsettleAll();
    } catch (error) {
      this.#emit("warn", "read.failed", { account, endpoint: "/v5/market/instruments-info", reason: error instanceof Error ? error.message : String(error) });
    } finally {
      this.#reloading = false;
    }
  }

  #urgencyBreakdown(monitors: readonly Monitor[]): Record<Urgency, number> {
    const counts: Record<Urgency, number> = { critical: 0, urgent: 0, active: 0, idle: 0 };
    const marks = this.marks();
    for (const m of monitors) {
      if (m.status !== "active") continue;
      const mark = marks.get(m.symbol);
      counts[mark === undefined ? "idle" : urgency(m, mark, this.#rules.urgency)]++;
    }
    return counts;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export function createEngine(deps: EngineDeps): Engine {
  return new Engine(deps);
}
