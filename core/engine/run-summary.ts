/**
 * The end-of-run summary, counted from the events themselves (so it says what the log
 * says): fills, rules applied, orders written, alerts; plus REST calls and read hits from
 * the cycle reports.
 */
import type { AccountExchange } from "../exchange/port.ts";
import type { EventSink, WardenEvent } from "../logs/event.ts";
import type { CycleReport } from "./engine.ts";

export interface RunSummary {
  readonly exchange: string;
  readonly stateDir: string;
  readonly strategy: string;
  readonly stopped: "finished" | "cycles" | "once" | "signal";
  readonly cycles: number;
  readonly monitors: { readonly active: number; readonly closed: number };
  readonly fills: number;
  readonly rules: Readonly<Record<string, number>>;
  readonly orders: { readonly placed: number; readonly amended: number; readonly cancelled: number; readonly failed: number };
  readonly alerts: number;
  /** Positions left unprotected: at the end of the run, and the longest any stayed so, ms. */
  readonly protection: { readonly unprotectedAtEnd: number; readonly longestUnprotectedMs: number };
  readonly restCalls: { readonly total: number; readonly perCycleMean: number; readonly perCycleMax: number; readonly startUp: number };
  readonly cacheHitRate: number | null;
  /** `run --dry-run`: the writes counted in `orders` were paper, answered without reaching the exchange. */
  readonly dryRun: boolean;
  /** Order create, amend and cancel requests the adapters really sent (0 in a dry run). */
  readonly writeRequests: number;
}

/** The exchange's write endpoints (Bybit v5), as the adapters count requests by path. */
export const WRITE_ENDPOINTS = ["/v5/order/create", "/v5/order/amend", "/v5/order/cancel"] as const;

/** Write requests the exchanges' adapters really sent (a paper exchange reports its real one's). */
export function writeRequests(exchanges: ReadonlyMap<string, Pick<AccountExchange, "requestStats">>): number {
  let n = 0;
  for (const exchange of exchanges.values()) {
    const byEndpoint = exchange.requestStats().byEndpoint;
    for (const endpoint of WRITE_ENDPOINTS) n += byEndpoint[endpoint] ?? 0;
  }
  return n;
}

/** How far back the recent figures (`alertsSince`, `restCallsSince`) can look, ms. */
export const RECENT_WINDOW_MS = 60 * 60_000;

/** The last rule applied to a monitor: its name and the event's time. */
export interface LastRule {
  readonly rule: string;
  readonly at: string;
}

/**
 * Passes events through and counts what the summary needs, and what `warden status` shows:
 * the last rule applied per monitor, and (on the `now` clock, the wall clock in a run) when
 * each alert went out and how many REST calls each cycle made, over the last hour.
 */
export class TallySink implements EventSink {
  readonly #next: EventSink;
  readonly #now: () => number;
  fills = 0;
  alerts = 0;
  readonly rules: Record<string, number> = {};
  readonly orders = { placed: 0, amended: 0, cancelled: 0, failed: 0 };
  readonly lastRules = new Map<string, LastRule>();
  readonly #alertTimes: number[] = [];
  readonly #cycleCalls: { readonly at: number; readonly calls: number }[] = [];

  constructor(next: EventSink, now: () => number = () => Date.now()) {
    this.#next = next;
    this.#now = now;
  }

  /** `alert` events at or after `since` (within the last hour). */
  alertsSince(since: number): number {
    return this.#alertTimes.filter((t) => t >= since).length;
  }

  /** REST calls of the cycles completed at or after `since` (within the last hour). */
  restCallsSince(since: number): number {
    return this.#cycleCalls.reduce((sum, c) => (c.at >= since ? sum + c.calls : sum), 0);
  }

  #forgetBefore(cutoff: number): void {
    while ((this.#alertTimes[0] ?? Infinity) < cutoff) this.#alertTimes.shift();
    while ((this.#cycleCalls[0]?.at ?? Infinity) < cutoff) this.#cycleCalls.shift();
  }

  emit(event: WardenEvent): void {
    switch (event.event) {
      case "fill.detected":
        this.fills++;
        break;
      case "rule.applied": {
        const rule = String(event["rule"]);
        this.rules[rule] = (this.rules[rule] ?? 0) + 1;
        if (typeof event["monitor"] === "string") this.lastRules.set(event["monitor"], { rule, at: event.ts });
        break;
      }
      case "cycle.completed": {
        const now = this.#now();
        this.#forgetBefore(now - RECENT_WINDOW_MS);
        const calls = event["restCalls"];
        this.#cycleCalls.push({ at: now, calls: typeof calls === "number" ? calls : 0 });
        break;
      }
      case "order.placed":
        this.orders.placed++;
        break;
      case "order.amended":
        this.orders.amended++;
        break;
      case "order.cancelled":
        this.orders.cancelled++;
        break;
      case "order.failed":
        this.orders.failed++;
        break;
      case "alert": {
        this.alerts++;
        const now = this.#now();
        this.#forgetBefore(now - RECENT_WINDOW_MS);
        this.#alertTimes.push(now);
        break;
      }
      case "mirror.diverged":
        this.alerts++;
        break;
    }
    this.#next.emit(event);
  }
}

export function callFigures(reports: readonly CycleReport[], startUp: number): RunSummary["restCalls"] {
  const calls = reports.map((r) => r.restCalls);
  const total = calls.reduce((a, b) => a + b, 0);
  return {
    total: total + startUp,
    perCycleMean: calls.length === 0 ? 0 : Math.round((total / calls.length) * 100) / 100,
    perCycleMax: calls.length === 0 ? 0 : Math.max(...calls),
    startUp,
  };
}

export function protectionFigures(reports: readonly CycleReport[]): RunSummary["protection"] {
  const last = reports.at(-1);
  return { unprotectedAtEnd: last?.unprotected ?? 0, longestUnprotectedMs: last?.longestUnprotectedMs ?? 0 };
}

export function hitRate(reports: readonly CycleReport[]): number | null {
  let hits = 0;
  let reads = 0;
  for (const r of reports) {
    hits += r.cacheHits;
    reads += r.cacheHits + r.cacheMisses;
  }
  return reads === 0 ? null : Math.round((hits / reads) * 10_000) / 10_000;
}
