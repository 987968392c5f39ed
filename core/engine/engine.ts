/**
 * The cycle: schedule due monitors -> read (one strategy, see read-path.ts) -> evaluate
 * (pure) -> execute writes -> persist -> metrics. `start()` reconciles the stored
 * monitors with the exchange first and refuses to act when it cannot.
 */
import type { Clock } from "../clock.ts";
import { isWrite, type Action, type WriteAction } from "../domain/action.ts";
import { followMainClose } from "../domain/mirror.ts";
import { needsSweep, type Monitor } from "../domain/monitor.ts";
import type { RuleConfig } from "../domain/plan.ts";
import { reconcile } from "../domain/reconcile.ts";
import { checkSnapshot } from "../domain/snapshot-check.ts";
import { stalePlans, staleNoStop, withNoStop, withPlans } from "../domain/trader-choices.ts";
import { lifetimeKey } from "../domain/link-id.ts";
import type { PositionPlans } from "../store/plans-file.ts";
import { revertWrite } from "../domain/write-outcome.ts";
import { monitorId, type AccountId, type ExchangeOrder, type Instrument } from "../domain/types.ts";
import { isDue, urgency, type Urgency } from "../domain/urgency.ts";
import { toLots } from "../domain/units.ts";
import { RuntimeFault } from "../errors.ts";
import type { AccountExchange, RequestStats } from "../exchange/port.ts";
import { emitter, type Emit, type EventSink } from "../logs/event.ts";
import { cpuMicros } from "../runtime.ts";
import type { StateStore } from "../store/state-store.ts";
import type { EngineConfig } from "./config.ts";
import { Announcer } from "./announcer.ts";
import { Decider, isLook, type Look } from "./decider.ts";
import { Executor, succeeded, type ExecutedWrite } from "./executor.ts";
import type { BudgetLeft, RateBudget } from "./rate-budget.ts";
import type { MonitorKey, ReadPath, ReadStats } from "./read-path.ts";
import { absorbReadFailure } from "./read-failure.ts";
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
  /** Mirror size / main size (the scenario's on the simulator, the config's live). */
  readonly mirrorRatio?: number;
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
  #monitors: Monitor[] = [];
  #instruments: ReadonlyMap<string, Instrument> = new Map();
  #cycle = 0;
  #started = false;
  readonly #announcer: Announcer;
  #decider: Decider;
  /** Clock time each account was last loaded whole (for discovery). */
  readonly #lastLoaded = new Map<AccountId, number>();
  #mirrorRatio: number | undefined;
  readonly #watch: ProtectionWatch;
  /** Main monitors retired outside an evaluation (start-up, discovery) whose mirror twin must still follow the close. */
  #retiredMains: Monitor[] = [];
  /** Positions on symbols missing from the instrument list, this cycle; when each symbol was last reloaded. */
  #noInstrument = 0;
  /** Accounts with a position on an unknown instrument: read every cycle (such a position is unprotected). */
  readonly #unplaced = new Set<AccountId>();
  /** The trader's plans per position, as read at the start of this cycle. */
  #plans: PositionPlans = {};
  /** Trade plans a position took this cycle, to be bound to its lifetime in plans.json. */
  readonly #claims = new Map<string, string>();
  /** Per monitor, its restore time before this cycle's evaluation (the alert about a second restore). */
  readonly #restoredBefore = new Map<string, number>();
  /** Accounts whose read failed this cycle. */
  #failedAccounts = 0;
  readonly #instrumentsReloadedAt = new Map<string, number>();

  constructor(deps: EngineDeps) {
    this.#deps = deps;
    this.#emit = emitter(deps.sink, "engine", () => deps.clock.now());
    this.#rules = ruleConfigOf(deps.config);
    this.#announcer = new Announcer(this.#emit);
    this.#decider = new Decider(this.#rules);
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
    return this.#monitors;
  }

  /** The last mark seen per symbol, and the instruments loaded: what `warden status` shows beside the monitors. */
  marks(): ReadonlyMap<string, number> {
    return this.#decider.marks;
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

  /** Reconcile with the exchange; throws RECONCILE_FAILED (exit 3) rather than act on a guess. */
  async start(): Promise<StartReport> {
    const instance = this.#deps.instance ?? (await this.#instanceTag());
    this.#rules = { ...this.#rules, instance };
    this.#decider = new Decider(this.#rules);
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
    this.#retiredMains = report.monitors.filter((m) => report.retired.includes(m.id) && m.account === "main");
    this.#started = true;
    return report;
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
    const stale = staleNoStop(noStop, this.#monitors);
    if (stale.length > 0) {
      // the choice was for a position that is gone: a later one on that symbol gets its stop
      await this.#deps.store.saveSettings({ ...settings, noStop: [...noStop].filter((k) => !stale.includes(k)) });
      for (const key of stale) this.#emit("info", "choice.changed", { monitor: key.slice(0, key.indexOf("@")), noStop: false, reason: "the position it was given for is gone" });
    }
    const chosen = withNoStop(this.#monitors, noStop, now);
    this.#monitors = chosen.monitors;
    for (const { id, noStop: wanted } of chosen.changed) {
      this.#decider.unsettle(id);
      this.#emit("info", "choice.changed", { monitor: id, noStop: wanted });
    }
  }

  /**
   * The trader's plans per position (`warden plan`, plans.json), read each cycle: a plan newer
   * than the one a monitor applied sets its targets (stop, TPs, ladder, trail), and the monitor
   * is looked at now; evaluate amends the orders in place until the exchange shows them.
   */
  async #applyPlans(now: number): Promise<void> {
    try {
      this.#plans = await this.#deps.store.positionPlans();
      const stale = stalePlans(this.#plans, this.#monitors);
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
    this.#followPlans(now);
  }

  /** Applies this cycle's plans to the monitors that have not applied them yet (again after discovery: a trade's position adopted this cycle gets its plan at once). */
  #followPlans(now: number): void {
    const planned = withPlans(this.#monitors, this.#plans, this.#instruments, now);
    this.#monitors = planned.monitors;
    for (const m of planned.applied) {
      if (this.#plans[m.id]?.for === undefined) this.#claims.set(m.id, lifetimeKey(m)); // a trade's plan, now this position's
      this.#decider.unsettle(m.id);
      this.#emit("info", "plan.applied", { monitor: m.id, at: m.planAt, stopPrice: m.stopPrice, tpPrices: m.tpPrices, plan: m.plan.kind });
    }
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
    this.#monitors = this.#monitors.map((m) => (m.account === account && m.status === "active" && m.nextDueAt > now ? { ...m, nextDueAt: now } : m));
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

    // Saved only when something durable changed: a steady cycle (no fill, no write) changes
    // nothing a restart could not read off the exchange again.
    let dirty = cycle === 1;
    const isDueNow = (m: Monitor) => isDue(m, now) || sweepDue(m, now);
    let engineCpu = 0;
    const timed = <T>(work: () => T): T => {
      const c0 = cpuMicros();
      try {
        return work();
      } finally {
        engineCpu += cpuMicros() - c0;
      }
    };
    // Every account is loaded when a monitor of it is due, and at least every activeEveryMs
    // (positions opened meanwhile are adopted from that load). One account's failure holds
    // back that account alone.
    const unseen = [...this.#deps.exchanges.keys()].filter((a) => this.#unplaced.has(a) || now - (this.#lastLoaded.get(a) ?? -Infinity) >= this.#deps.config.urgency.activeEveryMs);
    const loaded = await this.#prepare(this.#monitors.filter(isDueNow), unseen, now);
    if (timed(() => this.#discover(now, loaded))) {
      dirty = true;
      this.#followPlans(now);
    }
    const due = this.#monitors.filter((m) => isDueNow(m) && loaded.has(m.account));
    // Evaluate on change: a monitor not due whose account was read whole this cycle is looked
    // at when its position or orders differ from what it was last evaluated on.
    const whole = readPath.accountSnapshots?.();
    const changed = whole === undefined ? [] : this.#monitors.filter((m) => m.status === "active" && !isDueNow(m) && whole.has(m.account));
    if (readPath.name === "naive") {
      // the --cache off rollback path: every monitor read is a fetch of its own
      for (const m of due) this.#emit("info", "fetch.uncached", { account: m.account, monitor: m.id, kind: "position+orders" });
    }

    const looks = timed(() => [
      ...due.map((m) => this.#decider.look(m, readPath.view(key(m)), this.#instruments.get(m.symbol), now)),
      ...changed.map((m) => this.#decider.look(m, readPath.view(key(m)), this.#instruments.get(m.symbol), now, false)),
    ].filter((l) => l !== undefined));
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
      if (before?.lastRestoredAt !== undefined) this.#restoredBefore.set(monitor.id, before.lastRestoredAt);
      if (done.length > 0) this.#decider.unsettle(monitor.id);
      if (done.length > 0 || before === undefined || before.size !== monitor.size || before.status !== monitor.status || before.orders.length !== monitor.orders.length || before.protection?.state !== monitor.protection?.state) dirty = true;
      this.#announcer.fills(before, monitor);
      next.set(monitor.id, monitor);
      actions += done.length;
      this.#announcer.actions(monitor, done);
      this.#watch.observe(before, monitor, done, now, cycle === 1);
      const w = done.filter(isWrite);
      if (w.length > 0) writes.set(monitor.id, [...(writes.get(monitor.id) ?? []), ...w]);
    };
    for (const d of decided) {
      if (d.lookedUp) lookups++;
      apply(d.monitor, d.actions);
    }
    // main went flat by hand (or liquidation), here or while Warden was not looking: its mirror twin follows
    const mainsClosed = [...decided.map((d) => d.monitor).filter((m) => m.status === "closed" && m.closeReason === "flat"), ...this.#retiredMains];
    this.#retiredMains = [];
    for (const main of mainsClosed) {
      if (main.account !== "main") continue;
      const twin = next.get(monitorId("mirror", main.symbol, main.side));
      if (twin === undefined || twin.mirrorOf !== main.id) continue;
      const followed = followMainClose(twin, main, now, this.#rules.instance);
      if (followed.actions.length > 0) apply(followed.monitor, followed.actions);
    }
    engineCpu += cpuMicros() - applyCpu0;
    if (await this.#carryOut(writes, next)) dirty = true;
    this.#monitors = [...next.values()];
    const diverging = timed(() => this.#announcer.divergence(this.#monitors, this.#instruments));
    for (const m of this.#monitors) {
      const alert = diverging.get(m.id);
      if (alert === undefined) this.#watch.cleared(`divergence:${m.id}`);
      else this.#watch.repeated(`divergence:${m.id}`, now, "error", { kind: "divergence", monitor: m.id, message: `${alert.message}; Warden does not trade to close the gap, check the mirror account`, ...(alert.detail ?? {}) });
    }
    await this.#bindClaims();
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
      unprotected: this.#monitors.filter((m) => m.status === "active" && m.protection?.state === "unprotected").length + this.#noInstrument,
      longestUnprotectedMs: this.#watch.longestUnprotectedMs(),
      failedAccounts: this.#failedAccounts,
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
   * Sends each monitor's writes. A write the exchange did not apply (refused, rate-limited,
   * IP-banned, found absent after an unknown answer, or skipped after an earlier failure) is
   * taken back from the monitor (revertWrite): the next cycle decides afresh on a fresh
   * snapshot, never replays a stale decision. An "unknown" outcome stays, and the next cycle
   * settles it against what the exchange lists (a lookup, the amend or cancel sent again).
   * Either way the monitor is due again at once. Returns whether any write was taken back.
   */
  async #carryOut(writes: ReadonlyMap<string, WriteAction[]>, monitors: Map<string, Monitor>): Promise<boolean> {
    let reverted = false;
    await Promise.all(
      [...writes.entries()].map(async ([id, actions]) => {
        const results = await this.#executor.execute(id, actions);
        this.#confirm(id, results, monitors);
        for (const { action, outcome } of results) {
          if (succeeded(outcome, action.kind)) continue;
          const monitor = monitors.get(id);
          if (monitor === undefined) continue;
          this.#decider.unsettle(id);
          if (outcome.status === "unknown") {
            monitors.set(id, { ...monitor, nextDueAt: this.#deps.clock.now() });
            continue;
          }
          monitors.set(id, { ...revertWrite(monitor, action), nextDueAt: this.#deps.clock.now() });
          reverted = true;
          const now = this.#deps.clock.now();
          if (action.kind === "place" && action.role === "sl" && outcome.status === "rejected") {
            this.#watch.repeated(`refused:${id}`, now, "error", { kind: "stop-refused", monitor: id, message: `stop for ${id} refused by the exchange (${outcome.code}: ${outcome.reason}); Warden decides again every cycle` });
          }
          if (action.kind === "cancel" && monitor.status === "closed") {
            this.#watch.repeated(`stray:${id}`, now, "error", { kind: "order-stray", monitor: id, linkId: action.linkId, message: `${id} is closed but its order ${action.linkId} is still working: the cancel was refused (${"reason" in outcome ? outcome.reason : outcome.status}); Warden keeps cancelling it` });
          }
        }
      }),
    );
    return reverted;
  }

  /**
   * An unprotected monitor whose full-size stop the exchange has just accepted (a create
   * answered with its order, or an amend of its stop to the whole size) is protected from
   * now: the exchange's own answer, not a belief. A listing confirms it again next cycle.
   */
  #confirm(id: string, results: readonly ExecutedWrite[], monitors: Map<string, Monitor>): void {
    const monitor = monitors.get(id);
    const now = this.#deps.clock.now();
    // a restore decided this cycle that the exchange accepted
    const restored = monitor?.lastRestoredAt !== undefined && monitor.lastRestoredAt === monitor.lastEvaluatedAt;
    if (restored && results.some(({ action, outcome }) => action.kind === "place" && action.role === "sl" && succeeded(outcome, "place"))) this.#watch.restoreLanded(monitor, now, this.#restoredBefore.get(id));
    if (monitor?.status !== "active" || monitor.protection?.state !== "unprotected") return;
    const step = this.#instruments.get(monitor.symbol)?.qtyStep;
    if (step === undefined) return;
    const covers = (qty: number | undefined) => qty !== undefined && toLots(qty, step) >= toLots(monitor.size, step) - 1;
    const accepted = results.some(({ action, outcome }) =>
      action.role === "sl" && succeeded(outcome, action.kind) &&
      ((action.kind === "place" && covers(action.qty)) || (action.kind === "amend" && covers(monitor.orders.find((o) => o.linkId === action.linkId)?.qty))));
    if (!accepted) return;
    const next: Monitor = { ...monitor, protection: { state: "protected", since: now } };
    monitors.set(id, next);
    this.#watch.observe(monitor, next, [], now, false);
  }

  /**
   * Reads for the due monitors, account by account: an account whose read fails (rate
   * limit, IP ban, 5xx, timeout, auth, a malformed answer, no answer within the deadline)
   * skips this cycle's decisions for that account alone; its monitors stay due, and reads
   * failing for longer than `outageAfterMs` are an alert. Returns the accounts read.
   */
  async #prepare(due: readonly Monitor[], unseen: readonly AccountId[], now: number): Promise<Set<AccountId>> {
    const byAccount = new Map<AccountId, Monitor[]>();
    for (const m of due) byAccount.set(m.account, [...(byAccount.get(m.account) ?? []), m]);
    const accounts = [...new Set([...byAccount.keys(), ...unseen])];
    const loaded = new Set<AccountId>();
    this.#failedAccounts = 0;
    const deadline = this.#deps.config.protection.deadlineMs;
    await Promise.all(
      accounts.map(async (account) => {
        try {
          await withDeadline(this.#deps.readPath.prepare(uniqueKeys(byAccount.get(account) ?? []), { accounts: [account] }), deadline, `reading account ${account}`);
          const snapshot = this.#deps.readPath.accountSnapshots?.().get(account);
          if (snapshot !== undefined) checkSnapshot(snapshot);
          loaded.add(account);
          this.#watch.readSucceeded(account, now);
        } catch (error) {
          this.#failedAccounts++;
          this.#watch.readFailed(account, now, this.#absorb(error, account, this.#watch.failing(account)));
          this.#deps.readPath.invalidate(account, "");
        }
      }),
    );
    return loaded;
  }

  /**
   * Positions opened after start-up (or reopened after their monitor closed) are adopted
   * from the whole-account snapshots this cycle loaded: no call of their own. Every account
   * is loaded at least every `activeEveryMs` for this, even with no monitor due on it.
   * A position on a symbol the instrument list lacks reloads the list (at most every
   * activeEveryMs per symbol) and, while still unknown, is an alert every cycle.
   * Read paths that load per monitor (cache off) have no snapshot: only start-up adopts there.
   */
  #discover(now: number, loaded: ReadonlySet<AccountId>): boolean {
    this.#noInstrument = 0;
    const all = this.#deps.readPath.accountSnapshots?.();
    if (all === undefined) return false;
    const snapshots = new Map([...all].filter(([account]) => loaded.has(account)));
    if (snapshots.size === 0) return false;
    for (const [account, snapshot] of snapshots) this.#lastLoaded.set(account, snapshot.takenAt);
    this.#checkInstruments(snapshots, now);
    const active = new Set(this.#monitors.filter((m) => m.status === "active").map((m) => m.id));
    const unknown = [...snapshots].some(([account, s]) => s.positions.some((p) => p.size > 0 && this.#instruments.has(p.symbol) && !active.has(monitorId(account, p.symbol, p.side))));
    if (!unknown) return false;
    const before = new Map(this.#monitors.map((m) => [m.id, m]));
    const r = reconcile(this.#monitors, snapshots, this.#instruments, now, { config: this.#rules, ...(this.#mirrorRatio !== undefined ? { mirrorRatio: this.#mirrorRatio } : {}) });
    this.#monitors = r.monitors;
    this.#decider.unsettleAll();
    for (const id of r.adopted) {
      const m = r.monitors.find((x) => x.id === id);
      this.#emit("info", "monitor.adopted", { monitor: id, plan: m?.plan.kind, size: m?.size, orders: m?.orders.length, when: "running" });
    }
    for (const id of r.retired) {
      this.#emit("info", "monitor.closed", { monitor: id, reason: "position-gone" });
      this.#watch.forget(id);
      const main = r.monitors.find((x) => x.id === id && x.account === "main" && before.get(id)?.status === "active");
      if (main !== undefined) this.#retiredMains.push(main);
    }
    return r.adopted.length > 0 || r.retired.length > 0;
  }

  /** Positions whose symbol is not in the instrument list: reload it; still missing, alert (every cycle: never silence). */
  #checkInstruments(snapshots: ReadonlyMap<AccountId, { readonly positions: readonly { symbol: string; side: string; size: number }[] }>, now: number): void {
    const missing = [...snapshots].flatMap(([account, s]) => s.positions.filter((p) => p.size > 0 && !this.#instruments.has(p.symbol)).map((p) => ({ account, ...p })));
    for (const account of snapshots.keys()) this.#unplaced.delete(account);
    for (const p of missing) this.#unplaced.add(p.account);
    if (missing.length === 0) return;
    const reload = missing.some((p) => now - (this.#instrumentsReloadedAt.get(p.symbol) ?? -Infinity) >= this.#deps.config.urgency.activeEveryMs);
    if (reload) {
      for (const p of missing) this.#instrumentsReloadedAt.set(p.symbol, now);
      void this.#reloadInstruments(missing[0]!.account);
    }
    for (const p of missing) {
      if (this.#instruments.has(p.symbol)) continue;
      this.#noInstrument++;
      this.#emit("error", "alert", {
        level: "error", kind: "no-instrument", account: p.account, symbol: p.symbol, side: p.side, size: p.size,
        message: `${p.account}:${p.symbol}:${p.side} (${p.size}) is UNPROTECTED: ${p.symbol} is not in the exchange's instrument list Warden loaded; reloading it`,
      });
    }
  }

  async #reloadInstruments(account: AccountId): Promise<void> {
    try {
      const fresh = await withDeadline(this.#exchange(account).instruments({ refresh: true }), this.#deps.config.protection.deadlineMs, "reloading instruments");
      this.#instruments = fresh;
      this.#decider.unsettleAll();
    } catch (error) {
      this.#emit("warn", "read.failed", { account, endpoint: "/v5/market/instruments-info", reason: error instanceof Error ? error.message : String(error) });
    }
  }

  /**
   * Handles a failed read of one account; returns why, for the outage alert. While the
   * account keeps failing (`repeat`), the failures are debug events: the outage alert
   * escalates, a WARN every cycle would only bury it.
   */
  #absorb(error: unknown, account: AccountId, repeat = false): string {
    const now = this.#deps.clock.now();
    const reason = error instanceof Error ? error.message : String(error);
    if (absorbReadFailure(error, { budget: this.#deps.budget, accounts: [account], emit: this.#emit, now, level: repeat ? "debug" : "warn" })) return reason;
    this.#emit(repeat ? "debug" : "error", "read.failed", { account, reason, note: "this account waits; the others go on" });
    return reason;
  }

  /** Answers a look's lookups by orderLinkId; undefined when the exchange did not answer for now (decide next cycle). */
  async #lookup(look: Look): Promise<Map<string, ExchangeOrder | null> | undefined> {
    const exchange = this.#exchange(look.monitor.account);
    const found = new Map<string, ExchangeOrder | null>();
    try {
      for (const linkId of look.missing) {
        // the stream read path knows the final state of the orders it saw close: no REST call
        const known = this.#deps.readPath.knownOrder?.(look.monitor.account, linkId);
        found.set(linkId, known ?? (await withDeadline(exchange.lookupOrder(look.monitor.symbol, linkId), this.#deps.config.protection.deadlineMs, `looking up ${linkId}`)) ?? null);
      }
      return found;
    } catch (error) {
      this.#absorb(error, look.monitor.account);
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
  return needsSweep(monitor) && now >= monitor.nextDueAt;
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
