/** The metrics registry: what each series is fed from, counters that only grow, /healthz, and the rate budget's read-only accessor. */
import { describe, expect, test } from "bun:test";
import type { Monitor } from "../../core/domain/monitor.ts";
import type { CycleReport } from "../../core/engine/engine.ts";
import { RateBudget, type BudgetLeft } from "../../core/engine/rate-budget.ts";
import type { RequestStats } from "../../core/exchange/port.ts";
import { answer, health } from "../../core/metrics/metrics-server.ts";
import { WardenMetrics, type MetricsSource } from "../../core/metrics/warden-metrics.ts";
import { makeMonitor } from "../domain/builders.ts";
import { promtoolAccepts } from "../support/promtool.ts";

function report(over: Partial<CycleReport> = {}): CycleReport {
  return {
    cycle: 1, at: 1_000_000, monitors: 2, due: 2, durationMs: 120, cpuMicros: 0, engineCpuMicros: 0, restCalls: 3,
    read: { hits: 4, misses: 1, coalesced: 0, loads: 1 } as unknown as CycleReport["read"],
    lookups: 0, cacheHits: 4, cacheMisses: 1, urgency: { critical: 0, urgent: 0, active: 2, idle: 0 }, actions: 0, writes: 0,
    unprotected: 0, longestUnprotectedMs: 0, failedAccounts: 0, ...over,
  };
}

function source(monitors: readonly Monitor[], calls: Record<string, number>, left: BudgetLeft = { ip: 590, accounts: { main: { read: 48, write: 10 } } }): MetricsSource {
  return {
    monitors: () => monitors,
    requestStats: () => new Map<string, RequestStats>([["main", { total: Object.values(calls).reduce((a, b) => a + b, 0), byEndpoint: calls }]]),
    budgetLeft: () => left,
    budgetShare: () => ({ fair: 300, accounts: { main: { used: 10, waiting: 0 } } }),
  };
}

/** `name{labels}` -> value, from an exposition. */
function series(text: string): Map<string, number> {
  return new Map(text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((l) => [l.slice(0, l.lastIndexOf(" ")), Number(l.slice(l.lastIndexOf(" ") + 1))]));
}

describe("WardenMetrics", () => {
  test("feeds every series from the cycle report, the engine and the events", async () => {
    const metrics = new WardenMetrics({ now: () => 5_000 });
    const unprotected = { ...makeMonitor({ account: "main" }), protection: { state: "unprotected" as const, since: 990_000 } };
    const guarded = { ...makeMonitor({ account: "mirror" }), protection: { state: "protected" as const, since: 0 } };
    metrics.emit({ ts: "", level: "error", component: "engine", event: "alert", kind: "unprotected", message: "x" });
    metrics.emit({ ts: "", level: "error", component: "engine", event: "alert", message: "IP banned" });
    metrics.emit({ ts: "", level: "info", component: "executor", event: "order.placed", account: "main", role: "sl", status: "ok" });
    metrics.emit({ ts: "", level: "warn", component: "executor", event: "order.failed", account: "main", role: "sl", status: "rejected" });
    metrics.emit({ ts: "", level: "info", component: "cache", event: "cache.hit", account: "main" });
    metrics.observe(report({ unprotected: 1 }), source([unprotected, guarded], { "/v5/position/list": 2, "/v5/order/realtime": 3 }));
    const text = (await metrics.exposition()).body;
    const s = series(text);
    expect(s.get("warden_cycle_duration_seconds_count")).toBe(1);
    expect(s.get("warden_cycle_duration_seconds_sum")).toBeCloseTo(0.12);
    expect(s.get('warden_rest_calls_total{account="main",endpoint="/v5/order/realtime"}')).toBe(3);
    expect(s.get('warden_monitor_reads_total{result="hit"}')).toBe(4);
    expect(s.get('warden_monitor_reads_total{result="miss"}')).toBe(1);
    expect(s.get('warden_positions{state="protected"}')).toBe(1);
    expect(s.get('warden_positions{state="unprotected"}')).toBe(1);
    expect(s.get('warden_positions{state="no-stop"}')).toBe(0);
    expect(s.get("warden_unprotected_longest_seconds")).toBe(10);
    expect(s.get('warden_alerts_total{kind="unprotected"}')).toBe(1);
    expect(s.get('warden_alerts_total{kind="other"}')).toBe(1);
    expect(s.get('warden_writes_total{account="main",role="sl",result="placed",status="ok"}')).toBe(1);
    expect(s.get('warden_writes_total{account="main",role="sl",result="failed",status="rejected"}')).toBe(1);
    expect(s.get('warden_rate_budget_left{account="main",class="read"}')).toBe(48);
    expect(s.get("warden_rate_budget_ip_left")).toBe(590);
    expect(s.get('warden_rate_budget_ip_used{account="main"}')).toBe(10);
    expect(s.get("warden_rate_budget_ip_fair_share")).toBe(300);
    expect(s.get("warden_stream_state")).toBe(0);
    expect(s.get("warden_last_cycle_timestamp_seconds")).toBe(5);
    await promtoolAccepts(text);
  });

  test("warden_stream_state is 1 while every account with a stream reads from it, 0 as soon as one falls back", async () => {
    const metrics = new WardenMetrics();
    const state = async () => series((await metrics.exposition()).body).get("warden_stream_state");
    const stream = (event: string, account: string) => metrics.emit({ ts: "", level: "info", component: "stream", event, account });
    expect(await state()).toBe(0);
    stream("stream.live", "main");
    stream("stream.live", "mirror");
    expect(await state()).toBe(1);
    stream("stream.fallback", "mirror");
    expect(await state()).toBe(0);
    stream("stream.live", "mirror");
    expect(await state()).toBe(1);
  });

  test("counters only grow: REST totals are added as differences, unprotected time as position-seconds", async () => {
    const metrics = new WardenMetrics();
    const m = { ...makeMonitor(), protection: { state: "unprotected" as const, since: 1_000_000 } };
    metrics.observe(report({ cycle: 1, at: 1_000_000, unprotected: 2 }), source([m], { "/v5/position/list": 5 }));
    const first = series((await metrics.exposition()).body);
    metrics.observe(report({ cycle: 2, at: 1_004_000, unprotected: 0, cacheHits: 0, cacheMisses: 0 }), source([], { "/v5/position/list": 7 }));
    const second = series((await metrics.exposition()).body);
    expect(second.get('warden_rest_calls_total{account="main",endpoint="/v5/position/list"}')).toBe(7);
    expect(second.get("warden_unprotected_position_seconds_total")).toBe(8); // 2 positions x 4 s
    expect(second.get('warden_positions{state="unprotected"}')).toBe(0);
    const counters = [...first.keys()].filter((k) => /_total(\{|$)|_count$|_bucket\{|_sum$/.test(k));
    expect(counters.length).toBeGreaterThan(5);
    for (const k of counters) expect(second.get(k) ?? -1).toBeGreaterThanOrEqual(first.get(k)!);
  });

  test("/healthz is 200 with the last cycle's age within 3 intervals, 503 before the first cycle and when stale", async () => {
    expect(health(undefined, 0, 2000).status).toBe("starting");
    expect(health({ cycle: 7, at: 10_000 }, 15_000, 2000)).toEqual({ status: "ok", lastCycleAgeSeconds: 5, lastCycle: 7, limitSeconds: 6 });
    expect(health({ cycle: 7, at: 10_000 }, 16_001, 2000).status).toBe("stale");
    let now = 0;
    const metrics = new WardenMetrics({ now: () => now });
    const serve = answer(metrics, { intervalMs: 2000, now: () => now });
    expect((await serve("GET", "/healthz")).status).toBe(503);
    metrics.observe(report(), source([], {}));
    now = 1_500;
    const ok = await serve("GET", "/healthz");
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ status: "ok", lastCycleAgeSeconds: 1.5 });
    now = 7_000;
    expect((await serve("GET", "/healthz")).status).toBe(503);
    const scraped = await serve("GET", "/metrics");
    expect(scraped.headers["Content-Type"]).toContain("text/plain; version=0.0.4");
    expect((await serve("GET", "/nope")).status).toBe(404);
    expect((await serve("POST", "/metrics")).status).toBe(405);
  });
});

describe("RateBudget.left", () => {
  test("says what is left per account (tightest endpoint of each class) and for the IP, and takes nothing", async () => {
    let now = 1_000_000;
    const budget = new RateBudget({ now: () => now, wait: async (ms) => void (now += ms) });
    for (let i = 0; i < 3; i++) await budget.acquire("main", "/v5/order/create", "write");
    await budget.acquire("main", "/v5/order/amend", "write");
    await budget.acquire("main", "/v5/position/list", "read");
    expect(budget.left(["main", "mirror"])).toEqual({ ip: 595, accounts: { main: { read: 49, write: 7 }, mirror: { read: 50, write: 10 } } });
    expect(budget.left(["main"]).ip).toBe(595); // reading it took nothing
    budget.backOff("mirror", now + 1_000);
    budget.ban(now + 60_000);
    expect(budget.left(["main", "mirror"]).accounts).toEqual({ main: { read: 49, write: 0 }, mirror: { read: 0, write: 0 } });
    now += 5_200;
    expect(budget.left(["main"]).ip).toBe(600);
  });
});
