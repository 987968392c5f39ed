/**
 * Warden's Prometheus metrics (README "Metrics"), kept with prom-client in a registry of
 * their own. Two inputs: the events (an EventSink: alerts by kind, writes by outcome) and,
 * once per cycle, `observe(report, engine)` from the run loop (cycle duration, REST calls,
 * monitor reads, positions by protection state, unprotected seconds, rate budget). Counters
 * only ever grow: figures the engine keeps as running totals (REST calls) are added as the
 * difference from the last cycle, never set.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ProtectionState } from "../domain/protection.ts";
import type { Monitor } from "../domain/monitor.ts";
import type { CycleReport } from "../engine/engine.ts";
import type { BudgetLeft, IpShare } from "../engine/rate-budget.ts";
import type { RequestStats } from "../exchange/port.ts";
import { EVENT } from "../logs/catalogue.ts";
import type { EventSink, WardenEvent } from "../logs/event.ts";

/** What observe reads from the engine (Engine has it; tests pass a stand-in). */
export interface MetricsSource {
  monitors(): readonly Monitor[];
  requestStats(): ReadonlyMap<string, RequestStats>;
  budgetLeft(): BudgetLeft;
  /** How the per-IP window is shared between the accounts now. */
  budgetShare(): IpShare;
}

export const PROTECTION_STATES: readonly ProtectionState[] = ["protected", "unprotected", "stand-by", "no-stop"];

/** Cycle duration buckets, seconds: a steady cycle is one round trip; DESIGN's slow cycle is 20 s. */
export const CYCLE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 20, 60];

/** Stream state values of `warden_stream_state`. */
export const STREAM_STATE = { polling: 0, streaming: 1 } as const;

const WRITE_RESULTS: Readonly<Record<string, string>> = {
  [EVENT.orderPlaced]: "placed",
  [EVENT.orderAmended]: "amended",
  [EVENT.orderCancelled]: "cancelled",
  [EVENT.orderFailed]: "failed",
};

export interface LastCycle {
  readonly cycle: number;
  /** Wall-clock ms when the run loop observed it. */
  readonly at: number;
}

export class WardenMetrics implements EventSink {
  readonly registry = new Registry();
  readonly #now: () => number;
  readonly #cycleSeconds: Histogram;
  readonly #cycles: Counter;
  readonly #lastCycleTime: Gauge;
  readonly #restCalls: Counter;
  readonly #reads: Counter;
  readonly #positions: Gauge;
  readonly #unprotectedSeconds: Counter;
  readonly #longestUnprotected: Gauge;
  readonly #alerts: Counter;
  readonly #writes: Counter;
  readonly #budgetLeft: Gauge;
  readonly #ipBudgetLeft: Gauge;
  readonly #ipUsed: Gauge;
  readonly #ipFairShare: Gauge;
  readonly #stream: Gauge;
  /** Per account with a stream: live (true) or polling. */
  readonly #streamLive = new Map<string, boolean>();
  /** Running REST totals already counted, by `account endpoint`. */
  readonly #callsSeen = new Map<string, number>();
  /** Unprotected positions after the last cycle, and the engine's clock then. */
  #unprotectedAfter: { count: number; at: number } | undefined;
  #last: LastCycle | undefined;
  /** The engine last observed: the rate budget is read from it at scrape time. */
  #source: MetricsSource | undefined;

  constructor(opts: { readonly now?: () => number } = {}) {
    this.#now = opts.now ?? (() => Date.now());
    const registers = [this.registry];
    this.#cycleSeconds = new Histogram({ name: "warden_cycle_duration_seconds", help: "Wall time of one engine cycle (read, decide, write, persist).", buckets: CYCLE_BUCKETS, registers });
    this.#cycles = new Counter({ name: "warden_cycles_total", help: "Engine cycles completed.", registers });
    this.#lastCycleTime = new Gauge({ name: "warden_last_cycle_timestamp_seconds", help: "When the last cycle completed (Unix time).", registers });
    this.#restCalls = new Counter({ name: "warden_rest_calls_total", help: "HTTP requests made to the exchange, by account and endpoint path.", labelNames: ["account", "endpoint"], registers });
    this.#reads = new Counter({ name: "warden_monitor_reads_total", help: "Monitor reads: hit (served without a call of its own) or miss.", labelNames: ["result"], registers });
    this.#positions = new Gauge({ name: "warden_positions", help: "Open positions by protection state, as the exchange showed it after the last cycle.", labelNames: ["state"], registers });
    this.#unprotectedSeconds = new Counter({ name: "warden_unprotected_position_seconds_total", help: "Position-seconds spent unprotected (engine clock).", registers });
    this.#longestUnprotected = new Gauge({ name: "warden_unprotected_longest_seconds", help: "How long the longest currently unprotected position has been so (engine clock); 0 when none.", registers });
    this.#alerts = new Counter({ name: "warden_alerts_total", help: "Alert events, by kind.", labelNames: ["kind"], registers });
    this.#writes = new Counter({ name: "warden_writes_total", help: "Order writes by outcome: result placed/amended/cancelled/failed, status as the event gave it.", labelNames: ["account", "role", "result", "status"], registers });
    // read at scrape time: the budget's windows slide on between cycles
    const budget = () => this.#budget();
    this.#budgetLeft = new Gauge({ name: "warden_rate_budget_left", help: "Requests left now in the tightest per-endpoint window of the account (Bybit: 50 reads/s, 10 writes/s per endpoint).", labelNames: ["account", "class"], registers, collect: budget });
    this.#ipBudgetLeft = new Gauge({ name: "warden_rate_budget_ip_left", help: "Requests left now in the per-IP window (Bybit: 600 per 5 s).", registers, collect: budget });
    this.#ipUsed = new Gauge({ name: "warden_rate_budget_ip_used", help: "The account's requests in the per-IP window now (its use of the shared 600 per 5 s).", labelNames: ["account"], registers, collect: budget });
    this.#ipFairShare = new Gauge({ name: "warden_rate_budget_ip_fair_share", help: "The per-IP limit divided by the accounts with requests waiting or made in the window now.", registers, collect: budget });
    this.#stream = new Gauge({ name: "warden_stream_state", help: "How reads arrive: 0 polling (REST), 1 private stream.", registers });
    this.#stream.set(STREAM_STATE.polling);
    for (const state of PROTECTION_STATES) this.#positions.set({ state }, 0);
    for (const result of ["hit", "miss"]) this.#reads.inc({ result }, 0);
    this.#unprotectedSeconds.inc(0);
  }

  emit(event: WardenEvent): void {
    if (event.event === EVENT.streamLive || event.event === EVENT.streamFallback) {
      // 1 while every account with a stream reads from it; 0 while any of them polls
      this.#streamLive.set(text(event["account"]), event.event === EVENT.streamLive);
      this.#stream.set([...this.#streamLive.values()].every(Boolean) ? STREAM_STATE.streaming : STREAM_STATE.polling);
      return;
    }
    if (event.event === EVENT.alert) {
      this.#alerts.inc({ kind: typeof event["kind"] === "string" ? event["kind"] : "other" });
      return;
    }
    const result = WRITE_RESULTS[event.event];
    if (result === undefined) return;
    this.#writes.inc({ account: text(event["account"]), role: text(event["role"]), result, status: text(event["status"]) });
  }

  /** Once per cycle, from the run loop, after the cycle is persisted. */
  observe(report: CycleReport, engine: MetricsSource): void {
    this.#cycleSeconds.observe(report.durationMs / 1000);
    this.#cycles.inc();
    const wall = this.#now();
    this.#lastCycleTime.set(wall / 1000);
    this.#last = { cycle: report.cycle, at: wall };
    this.#reads.inc({ result: "hit" }, report.cacheHits);
    this.#reads.inc({ result: "miss" }, report.cacheMisses);
    this.#countCalls(engine.requestStats());
    this.#protection(report, engine.monitors());
    this.#source = engine;
    this.#budget();
  }

  lastCycle(): LastCycle | undefined {
    return this.#last;
  }

  /** The exposition, and its content type. */
  async exposition(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  #budget(): void {
    const left = this.#source?.budgetLeft();
    if (left === undefined) return;
    this.#ipBudgetLeft.set(left.ip);
    const share = this.#source?.budgetShare();
    if (share !== undefined) {
      this.#ipFairShare.set(share.fair);
      for (const [account, s] of Object.entries(share.accounts)) this.#ipUsed.set({ account }, s.used);
    }
    for (const [account, l] of Object.entries(left.accounts)) {
      this.#budgetLeft.set({ account, class: "read" }, l.read);
      this.#budgetLeft.set({ account, class: "write" }, l.write);
    }
  }

  #countCalls(stats: ReadonlyMap<string, RequestStats>): void {
    for (const [account, s] of stats) {
      for (const [endpoint, total] of Object.entries(s.byEndpoint)) {
        const key = `${account} ${endpoint}`;
        const added = total - (this.#callsSeen.get(key) ?? 0);
        if (added > 0) this.#restCalls.inc({ account, endpoint }, added);
        this.#callsSeen.set(key, Math.max(total, this.#callsSeen.get(key) ?? 0));
      }
    }
  }

  #protection(report: CycleReport, monitors: readonly Monitor[]): void {
    const counts = new Map<ProtectionState, number>(PROTECTION_STATES.map((s) => [s, 0]));
    let longestMs = 0;
    for (const m of monitors) {
      if (m.status !== "active" || m.protection === undefined) continue;
      counts.set(m.protection.state, (counts.get(m.protection.state) ?? 0) + 1);
      if (m.protection.state === "unprotected") longestMs = Math.max(longestMs, report.at - m.protection.since);
    }
    // the report's figure also counts positions on symbols missing from the instrument list
    counts.set("unprotected", Math.max(counts.get("unprotected") ?? 0, report.unprotected));
    for (const [state, n] of counts) this.#positions.set({ state }, n);
    this.#longestUnprotected.set(longestMs / 1000);
    // position-seconds: the positions unprotected after the last cycle stayed so until this one
    const before = this.#unprotectedAfter;
    if (before !== undefined && report.at > before.at) this.#unprotectedSeconds.inc((before.count * (report.at - before.at)) / 1000);
    this.#unprotectedAfter = { count: report.unprotected, at: report.at };
  }
}

function text(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}
