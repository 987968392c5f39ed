/**
 * One account, one unit of work (README "Accounts"): its reads, its discovery, its
 * decisions, its writes. The engine runs every account's unit at once each cycle, so one
 * account's slowness or failure (bounded by `protection.deadlineMs` per call) never holds
 * back another's; what a follower needs from its leader comes through the hand-over
 * (handover.ts), never from the leader's monitors directly. A unit holds nothing another
 * account's unit could change, which is what lets a later step run accounts in separate
 * workers.
 */
import type { Clock } from "../clock.ts";
import { isWrite, type Action, type WriteAction } from "../domain/action.ts";
import type { Roster } from "../domain/accounts.ts";
import { needsSweep, type Monitor } from "../domain/monitor.ts";
import type { RuleConfig } from "../domain/plan.ts";
import { reconcile } from "../domain/reconcile.ts";
import { checkSnapshot } from "../domain/snapshot-check.ts";
import { monitorId, type AccountId, type AccountSnapshot, type ExchangeOrder, type Instrument } from "../domain/types.ts";
import { isDue } from "../domain/urgency.ts";
import { toLots } from "../domain/units.ts";
import { revertWrite } from "../domain/write-outcome.ts";
import type { AccountExchange } from "../exchange/port.ts";
import type { Emit } from "../logs/event.ts";
import type { Announcer } from "./announcer.ts";
import type { EngineConfig } from "./config.ts";
import { CpuMeter } from "./cpu-meter.ts";
import { withDeadline } from "./deadline.ts";
import { Decider, isLook, type Look } from "./decider.ts";
import { succeeded, type ExecutedWrite, type Executor } from "./executor.ts";
import { ProtectionWatch } from "./protection-watch.ts";
import type { RateBudget } from "./rate-budget.ts";
import { absorbReadFailure } from "./read-failure.ts";
import type { MonitorKey, ReadPath } from "./read-path.ts";

/** What a unit shares with the engine: the process's services, never another account's monitors. */
export interface UnitContext {
  readonly exchange: AccountExchange;
  readonly readPath: ReadPath;
  readonly executor: Executor;
  readonly announcer: Announcer;
  readonly budget: RateBudget;
  readonly clock: Clock;
  readonly config: EngineConfig;
  readonly rules: RuleConfig;
  readonly roster: Roster;
  readonly emit: Emit;
  /** The instrument list (shared by every account of the exchange). */
  instruments(): ReadonlyMap<string, Instrument>;
  /** Reloads the instrument list (for a position on a symbol it lacks); at most once at a time. */
  reloadInstruments(account: AccountId): void;
  /** These monitors with the trader's plans they have not applied yet (plans.json, read by the engine this cycle). */
  applyPlans(monitors: readonly Monitor[], now: number): Monitor[];
}

export interface UnitCycle {
  readonly account: AccountId;
  /** The account was read this cycle (its monitors were decided on). */
  readonly loaded: boolean;
  /** Its read failed this cycle (its monitors wait; the other accounts go on). */
  readonly failed: boolean;
  readonly due: number;
  readonly actions: number;
  readonly lookups: number;
  /** Something durable changed (a fill, a write, a monitor adopted or retired). */
  readonly dirty: boolean;
  /** Positions on symbols the instrument list lacks (each unprotected). */
  readonly noInstrument: number;
  /** This account's monitors that went flat by other means this cycle (closed by hand, liquidated): its followers follow. */
  readonly closed: readonly Monitor[];
  /** Engine CPU of this unit (discovery, deciding, announcing), µs. */
  readonly engineCpuMicros: number;
  /** Positions adopted this cycle (their plans apply at once). */
  readonly adopted: boolean;
}

export class AccountUnit {
  readonly account: AccountId;
  /** This account's deciding state (view fingerprints, marks seen): its own, shared with no other account. */
  readonly decider: Decider;
  /** This account's protection alerts and read outage. */
  readonly watch: ProtectionWatch;
  readonly #ctx: UnitContext;
  #monitors: Monitor[];
  #lastLoaded = -Infinity;
  /** A position on an unknown instrument: this account is read every cycle (such a position is unprotected). */
  #unplaced = false;
  readonly #instrumentsReloadedAt = new Map<string, number>();
  /** Per monitor, its restore time before this cycle's evaluation (the alert about a second restore). */
  readonly #restoredBefore = new Map<string, number>();

  constructor(account: AccountId, monitors: readonly Monitor[], ctx: UnitContext) {
    this.account = account;
    this.#ctx = ctx;
    this.decider = new Decider(ctx.rules);
    const { alertRepeatMs, outageAfterMs, restoreAlertWindowMs } = ctx.config.protection;
    this.watch = new ProtectionWatch(ctx.emit, { alertRepeatMs, outageAfterMs, restoreAlertWindowMs });
    this.#monitors = [...monitors];
  }

  monitors(): readonly Monitor[] {
    return this.#monitors;
  }

  /** The time this account's requests spent waiting in Warden's own rate budget: its reads' deadline waits that long too. */
  readonly #paced = (): number => this.#ctx.budget.pacedMs(this.account);

  /** Its view changed (a stream row): its active monitors are due now. Between cycles. */
  wake(now: number): void {
    this.#monitors = this.#monitors.map((m) => (m.status === "active" && m.nextDueAt > now ? { ...m, nextDueAt: now } : m));
  }

  /** Sets this account's monitors (the trader's choices, applied by the engine between cycles). */
  replace(monitors: readonly Monitor[]): void {
    this.#monitors = [...monitors];
  }

  /**
   * One cycle of this account: read it when a monitor is due, it was not loaded for
   * `activeEveryMs`, or `force`; adopt positions opened meanwhile, decide, write. A read that fails (or
   * does not answer within the deadline) skips this account's decisions alone.
   */
  /** Whether this account is read this cycle on its own account: a monitor due, or a whole load due (discovery, a position on an unknown instrument). */
  wantsRead(now: number): boolean {
    return this.#wholeDue(now) || this.#monitors.some((m) => isDue(m, now) || sweepDue(m, now));
  }

  #wholeDue(now: number): boolean {
    return this.#unplaced || now - this.#lastLoaded >= this.#ctx.config.urgency.activeEveryMs;
  }

  async cycle(now: number, first: boolean, force = false): Promise<UnitCycle> {
    const ctx = this.#ctx;
    const cpu = new CpuMeter();
    const timed = <T>(work: () => T): T => cpu.time(work);
    const isDueNow = (m: Monitor) => isDue(m, now) || sweepDue(m, now);
    const dueBefore = this.#monitors.filter(isDueNow);
    // `force`: read whole with its leader or size follower (engine.ts #readTogether)
    const wholeDue = force || this.#wholeDue(now);
    const idle: UnitCycle = { account: this.account, loaded: false, failed: false, due: 0, actions: 0, lookups: 0, dirty: false, noInstrument: 0, closed: [], engineCpuMicros: 0, adopted: false };
    if (dueBefore.length === 0 && !wholeDue) return idle;
    if (!(await this.#prepare(dueBefore, now))) return { ...idle, failed: true };

    const closed: Monitor[] = [];
    let dirty = first;
    const snapshot = ctx.readPath.accountSnapshots?.().get(this.account);
    const discovery = timed(() => this.#discover(now, snapshot));
    closed.push(...discovery.retiredLeaders);
    if (discovery.changed) dirty = true;
    // a trade's position adopted this cycle gets its plan before it is decided on
    if (discovery.adopted) this.#monitors = ctx.applyPlans(this.#monitors, now);

    const { readPath } = ctx;
    const due = this.#monitors.filter(isDueNow);
    // Evaluate on change: a monitor not due whose account was read whole this cycle is looked
    // at when its position or orders differ from what it was last evaluated on.
    const changed = snapshot === undefined ? [] : this.#monitors.filter((m) => m.status === "active" && !isDueNow(m));
    if (readPath.name === "naive") {
      // the --cache off rollback path: every monitor read is a fetch of its own
      for (const m of due) ctx.emit("info", "fetch.uncached", { account: m.account, monitor: m.id, kind: "position+orders" });
    }
    const instruments = ctx.instruments();
    const looks = timed(() => [
      ...due.map((m) => this.decider.look(m, readPath.view(key(m)), instruments.get(m.symbol), now)),
      ...changed.map((m) => this.decider.look(m, readPath.view(key(m)), instruments.get(m.symbol), now, false)),
    ].filter((l) => l !== undefined));
    const batch = await this.#lookupBatch(looks.filter(isLook).flatMap((l) => l.missing));
    const answers = await Promise.all(looks.map((l) => (isLook(l) && l.missing.length > 0 ? this.#lookup(l, batch) : Promise.resolve(new Map<string, ExchangeOrder | null>()))));
    const decided = timed(() =>
      looks.flatMap((l, i) => {
        if (!isLook(l)) return [l];
        const found = answers[i];
        return found === undefined ? [] : [this.decider.decide(l, found, now)];
      }),
    );
    const next = new Map(this.#monitors.map((m) => [m.id, m]));
    const writes = new Map<string, WriteAction[]>();
    let actions = 0;
    let lookups = 0;
    timed(() => {
      for (const d of decided) {
        if (d.lookedUp) lookups++;
        const before = next.get(d.monitor.id);
        if (this.#apply(before, d.monitor, d.actions, next, writes, now, first)) dirty = true;
        actions += d.actions.length;
        if (d.monitor.status === "closed" && d.monitor.closeReason === "flat" && ctx.roster.isLeader(this.account)) closed.push(d.monitor);
      }
    });
    if (await this.#carryOut(writes, next)) dirty = true;
    this.#monitors = [...next.values()];
    return { account: this.account, loaded: true, failed: false, due: due.length, actions, lookups, dirty, noInstrument: discovery.noInstrument, closed, engineCpuMicros: cpu.micros, adopted: discovery.adopted };
  }

  /**
   * A follower's hand-over actions (the leader's close or size, handover.ts), applied to its
   * monitors as they stand after its own cycle and written at once. Returns whether anything
   * durable changed.
   */
  async follow(acted: readonly { readonly monitor: Monitor; readonly actions: readonly Action[] }[], now: number): Promise<boolean> {
    if (acted.length === 0) return false;
    const next = new Map(this.#monitors.map((m) => [m.id, m]));
    const writes = new Map<string, WriteAction[]>();
    // a monitor that traded to follow (an exit, a size trade) is looked at again next cycle: its stop follows the fill
    for (const { monitor, actions } of acted) this.#apply(next.get(monitor.id), actions.some(isWrite) ? { ...monitor, nextDueAt: now } : monitor, actions, next, writes, now, false);
    await this.#carryOut(writes, next);
    this.#monitors = [...next.values()];
    return true;
  }

  /** Records one decided monitor; returns whether something durable changed. */
  #apply(before: Monitor | undefined, monitor: Monitor, done: readonly Action[], next: Map<string, Monitor>, writes: Map<string, WriteAction[]>, now: number, first: boolean): boolean {
    const ctx = this.#ctx;
    if (before?.lastRestoredAt !== undefined) this.#restoredBefore.set(monitor.id, before.lastRestoredAt);
    if (done.length > 0) this.decider.unsettle(monitor.id);
    const dirty = done.length > 0 || before === undefined || before.size !== monitor.size || before.status !== monitor.status || before.orders.length !== monitor.orders.length || before.protection?.state !== monitor.protection?.state;
    ctx.announcer.fills(before, monitor);
    next.set(monitor.id, monitor);
    ctx.announcer.actions(monitor, done);
    this.watch.observe(before, monitor, done, now, first);
    const w = done.filter(isWrite);
    if (w.length > 0) writes.set(monitor.id, [...(writes.get(monitor.id) ?? []), ...w]);
    return dirty;
  }

  /**
   * Reads this account for its due monitors (and whole, for discovery). A read that fails
   * (rate limit, IP ban, 5xx, timeout, auth, a malformed answer, no answer within the
   * deadline) is absorbed: the monitors stay due, and reads failing for longer than
   * `outageAfterMs` are an alert. Returns whether the account was read.
   */
  async #prepare(due: readonly Monitor[], now: number): Promise<boolean> {
    const ctx = this.#ctx;
    try {
      await withDeadline(ctx.readPath.prepare(uniqueKeys(due), { accounts: [this.account] }), ctx.config.protection.deadlineMs, `reading account ${this.account}`, this.#paced);
      const snapshot = ctx.readPath.accountSnapshots?.().get(this.account);
      if (snapshot !== undefined) checkSnapshot(snapshot);
      this.watch.readSucceeded(this.account, now);
      return true;
    } catch (error) {
      this.watch.readFailed(this.account, now, this.#absorb(error, this.watch.failing(this.account)));
      ctx.readPath.invalidate(this.account, "");
      return false;
    }
  }

  /**
   * Positions opened after start-up (or reopened after their monitor closed) are adopted from
   * this cycle's whole-account snapshot: no call of their own. A position on a symbol the
   * instrument list lacks reloads the list (at most every activeEveryMs per symbol) and, while
   * still unknown, is an alert every cycle. Read paths that load per monitor (cache off) have
   * no snapshot: only start-up adopts there.
   */
  #discover(now: number, snapshot: AccountSnapshot | undefined): { changed: boolean; adopted: boolean; noInstrument: number; retiredLeaders: Monitor[] } {
    const none = { changed: false, adopted: false, noInstrument: 0, retiredLeaders: [] };
    if (snapshot === undefined) return none;
    const ctx = this.#ctx;
    this.#lastLoaded = snapshot.takenAt;
    const noInstrument = this.#checkInstruments(snapshot, now);
    const instruments = ctx.instruments();
    const active = new Set(this.#monitors.filter((m) => m.status === "active").map((m) => m.id));
    const unknown = snapshot.positions.some((p) => p.size > 0 && instruments.has(p.symbol) && !active.has(monitorId(this.account, p.symbol, p.side)));
    if (!unknown) return { ...none, noInstrument };
    const before = new Map(this.#monitors.map((m) => [m.id, m]));
    const r = reconcile(this.#monitors, new Map([[this.account, snapshot]]), instruments, now, { config: ctx.rules, roster: ctx.roster });
    this.#monitors = r.monitors;
    for (const m of r.monitors) this.decider.unsettle(m.id);
    for (const id of r.adopted) {
      const m = r.monitors.find((x) => x.id === id);
      ctx.emit("info", "monitor.adopted", { account: this.account, monitor: id, plan: m?.plan.kind, size: m?.size, orders: m?.orders.length, when: "running" });
    }
    const retiredLeaders: Monitor[] = [];
    for (const id of r.retired) {
      ctx.emit("info", "monitor.closed", { account: this.account, monitor: id, reason: "position-gone" });
      this.watch.forget(id);
      const main = r.monitors.find((x) => x.id === id && ctx.roster.isLeader(x.account) && before.get(id)?.status === "active");
      if (main !== undefined) retiredLeaders.push(main);
    }
    return { changed: r.adopted.length > 0 || r.retired.length > 0, adopted: r.adopted.length > 0, noInstrument, retiredLeaders };
  }

  /** Positions whose symbol is not in the instrument list: reload it; still missing, alert (every cycle: never silence). Returns how many. */
  #checkInstruments(snapshot: AccountSnapshot, now: number): number {
    const instruments = this.#ctx.instruments();
    const missing = snapshot.positions.filter((p) => p.size > 0 && !instruments.has(p.symbol));
    this.#unplaced = missing.length > 0;
    if (missing.length === 0) return 0;
    const reload = missing.some((p) => now - (this.#instrumentsReloadedAt.get(p.symbol) ?? -Infinity) >= this.#ctx.config.urgency.activeEveryMs);
    if (reload) {
      for (const p of missing) this.#instrumentsReloadedAt.set(p.symbol, now);
      this.#ctx.reloadInstruments(this.account);
    }
    let count = 0;
    for (const p of missing) {
      if (this.#ctx.instruments().has(p.symbol)) continue;
      count++;
      this.#ctx.emit("error", "alert", {
        level: "error", kind: "no-instrument", account: this.account, symbol: p.symbol, side: p.side, size: p.size,
        message: `${this.account}:${p.symbol}:${p.side} (${p.size}) is UNPROTECTED: ${p.symbol} is not in the exchange's instrument list Warden loaded; reloading it`,
      });
    }
    return count;
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
    const ctx = this.#ctx;
    let reverted = false;
    await Promise.all(
      [...writes.entries()].map(async ([id, actions]) => {
        const results = await ctx.executor.execute(id, actions);
        this.#confirm(id, results, monitors);
        for (const { action, outcome } of results) {
          if (succeeded(outcome, action.kind)) continue;
          const monitor = monitors.get(id);
          if (monitor === undefined) continue;
          this.decider.unsettle(id);
          const now = ctx.clock.now();
          if (outcome.status === "unknown") {
            monitors.set(id, { ...monitor, nextDueAt: now });
            continue;
          }
          monitors.set(id, { ...revertWrite(monitor, action), nextDueAt: now });
          reverted = true;
          if (action.kind === "place" && action.role === "sl" && outcome.status === "rejected") {
            this.watch.repeated(`refused:${id}`, now, "error", { kind: "stop-refused", account: this.account, monitor: id, message: `stop for ${id} refused by the exchange (${outcome.code}: ${outcome.reason}); Warden decides again every cycle` });
          }
          if (action.kind === "cancel" && monitor.status === "closed") {
            this.watch.repeated(`stray:${id}`, now, "error", { kind: "order-stray", account: this.account, monitor: id, linkId: action.linkId, message: `${id} is closed but its order ${action.linkId} is still working: the cancel was refused (${"reason" in outcome ? outcome.reason : outcome.status}); Warden keeps cancelling it` });
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
    const ctx = this.#ctx;
    const monitor = monitors.get(id);
    const now = ctx.clock.now();
    // a restore decided this cycle that the exchange accepted
    const restored = monitor?.lastRestoredAt !== undefined && monitor.lastRestoredAt === monitor.lastEvaluatedAt;
    if (restored && results.some(({ action, outcome }) => action.kind === "place" && action.role === "sl" && succeeded(outcome, "place"))) this.watch.restoreLanded(monitor, now, this.#restoredBefore.get(id));
    if (monitor?.status !== "active" || monitor.protection?.state !== "unprotected") return;
    const step = ctx.instruments().get(monitor.symbol)?.qtyStep;
    if (step === undefined) return;
    const covers = (qty: number | undefined) => qty !== undefined && toLots(qty, step) >= toLots(monitor.size, step) - 1;
    const accepted = results.some(({ action, outcome }) =>
      action.role === "sl" && succeeded(outcome, action.kind) &&
      ((action.kind === "place" && covers(action.qty)) || (action.kind === "amend" && covers(monitor.orders.find((o) => o.linkId === action.linkId)?.qty))));
    if (!accepted) return;
    const next: Monitor = { ...monitor, protection: { state: "protected", since: now } };
    monitors.set(id, next);
    this.watch.observe(monitor, next, [], now, false);
  }

  /**
   * Orders that vanished from the listing on several monitors at once (a stop hit on every
   * position of a symbol, TPs filled in a run) are looked up together: a few pages of the
   * account's order history instead of one or two calls per order, so a burst of them stays
   * within the per-IP budget and the deadline. What the batch does not find is looked up alone.
   */
  async #lookupBatch(keys: readonly string[]): Promise<ReadonlyMap<string, ExchangeOrder>> {
    const ctx = this.#ctx;
    const wanted = keys.filter((k) => ctx.readPath.knownOrder?.(this.account, k) === undefined);
    if (wanted.length < 2 || ctx.exchange.lookupOrders === undefined) return new Map();
    try {
      return await withDeadline(ctx.exchange.lookupOrders(wanted), ctx.config.protection.deadlineMs, `looking up ${wanted.length} orders`, this.#paced);
    } catch (error) {
      this.#absorb(error);
      return new Map();
    }
  }

  /** Answers a look's lookups by orderLinkId; undefined when the exchange did not answer for now (decide next cycle). */
  async #lookup(look: Look, batch: ReadonlyMap<string, ExchangeOrder>): Promise<Map<string, ExchangeOrder | null> | undefined> {
    const found = new Map<string, ExchangeOrder | null>();
    try {
      for (const linkId of look.missing) {
        // the stream read path knows the final state of the orders it saw close: no REST call
        const known = this.#ctx.readPath.knownOrder?.(this.account, linkId) ?? batch.get(linkId);
        found.set(linkId, known ?? (await withDeadline(this.#ctx.exchange.lookupOrder(look.monitor.symbol, linkId), this.#ctx.config.protection.deadlineMs, `looking up ${linkId}`, this.#paced)) ?? null);
      }
      return found;
    } catch (error) {
      this.#absorb(error);
      return undefined;
    }
  }

  /**
   * Handles a failed read of this account; returns why, for the outage alert. While the
   * account keeps failing (`repeat`), the failures are debug events: the outage alert
   * escalates, a WARN every cycle would only bury it.
   */
  #absorb(error: unknown, repeat = false): string {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const reason = error instanceof Error ? error.message : String(error);
    if (absorbReadFailure(error, { budget: ctx.budget, accounts: [this.account], emit: ctx.emit, now, level: repeat ? "debug" : "warn" })) return reason;
    ctx.emit(repeat ? "debug" : "error", "read.failed", { account: this.account, reason, note: "this account waits; the others go on" });
    return reason;
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
