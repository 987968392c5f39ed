/**
 * Seeded generators of sample logs for `validate`: the old Python system in its two eras
 * (naive: every monitor fetches everything; 15 s TTL cache) and Warden's NDJSON events,
 * healthy and failing. `bun scripts/log-samples.ts` rewrites fixtures/logs/; the throughput
 * script uses the same generators for its large input.
 */
import { Buffer } from "node:buffer";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { seededRng, type Rng } from "../core/rng.ts";

const SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT", "LINKUSDT", "AVAXUSDT", "DOTUSDT", "LTCUSDT", "BNBUSDT", "TRXUSDT", "NEARUSDT", "APTUSDT", "ARBUSDT"];
const MONITORS = SYMBOLS.flatMap((s) => [`${s} (main)`, `${s} (mirror)`]);
const MANAGER = "execution.enhanced_tp_sl_manager";

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** Python logging's default time format: `2025-07-24 10:15:32,118`. */
function pythonTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())},${pad(d.getUTCMilliseconds(), 3)}`;
}

function between(rng: Rng, low: number, high: number): number {
  return low + rng() * (high - low);
}

function urgency(rng: Rng, total: number): { critical: number; urgent: number; active: number; idle: number } {
  const critical = Math.floor(rng() * 4);
  const urgent = Math.floor(rng() * 6);
  const active = Math.floor(rng() * (total - critical - urgent));
  return { critical, urgent, active, idle: total - critical - urgent - active };
}

export type OldEra = "ttl" | "naive";

/** One cycle of the old system's log, as lines without newlines; returns the time after it. */
export function oldCycle(rng: Rng, era: OldEra, startMs: number, lines: string[]): number {
  let t = startMs;
  const seconds = era === "ttl" ? between(rng, 3, 7.9) : between(rng, 46, 56);
  const step = (seconds * 1000) / (MONITORS.length * 4);
  const line = (level: string, message: string, component = MANAGER) => {
    t += step * between(rng, 0.5, 1.5);
    lines.push(`${pythonTime(t)} - ${component} - ${level} - ${message}`);
  };
  const misses = era === "ttl" ? 7 + Math.floor(rng() * 3) : MONITORS.length;
  const missing = new Set<number>();
  while (missing.size < misses) missing.add(Math.floor(rng() * MONITORS.length));
  MONITORS.forEach((monitor, i) => {
    const price = (1000 * between(rng, 0.5, 70)).toFixed(1);
    line("DEBUG", `📊 Checking monitor ${monitor}: mark ${price}, urgency ${rng() < 0.2 ? "urgent" : "active"}`);
    if (era === "naive") {
      line("INFO", `🔍 Fetching position for ${monitor} from exchange`);
      line("INFO", "🔍 Fetching 3/3 orders from exchange (0 cached)");
      line("INFO", "📋 Total orders fetched: 91 across 3 pages");
      if (rng() < 0.1) line("WARNING", "Connection pool is full, discarding connection: api.bybit.com. Connection pool size: 10", "urllib3.connectionpool");
    } else {
      if (i % 5 === 0) line("INFO", `🚀 Using cached position data for ${monitor} - age: ${between(rng, 0.5, 14).toFixed(1)}s`);
      if (missing.has(i)) {
        line("INFO", "🔍 Fetching 1/3 orders from exchange (2 cached)");
        line("INFO", "📋 Total orders fetched: 91 across 3 pages");
      } else if (rng() < 0.5) line("INFO", `🚀 Cache hit: Found 3/3 orders in monitoring cache for ${monitor}`);
      else line("INFO", "💾 All 3 orders served from cache - no API calls needed");
    }
    line("INFO", `✅ ${monitor} protected: TP1 ${price} SL ${(Number(price) * 0.97).toFixed(1)}`);
  });
  t = startMs + seconds * 1000;
  lines.push(`${pythonTime(t)} - ${MANAGER} - INFO - ⚡ Processed ${MONITORS.length} monitors in ${seconds.toFixed(1)}s - Urgency breakdown: ${JSON.stringify(urgency(rng, MONITORS.length)).replaceAll('"', "'").replaceAll(":", ": ").replaceAll(",", ", ")}`);
  return t + (era === "ttl" ? 2000 : 5000);
}

export function oldLog(seed: number, era: OldEra, cycles: number, startMs = Date.UTC(2025, 6, 24, 10, 0, 0)): string[] {
  const rng = seededRng(seed);
  const lines: string[] = [`${pythonTime(startMs)} - main - INFO - 🤖 Trading bot starting: ${MONITORS.length} monitors`];
  let t = startMs + 1000;
  for (let c = 0; c < cycles; c++) {
    t = oldCycle(rng, era, t, lines);
    if (era === "naive" && c === 2) {
      lines.push(`${pythonTime(t)} - ${MANAGER} - ERROR - ❌ Error fetching orders: read timeout`);
      lines.push("Traceback (most recent call last):");
      lines.push('  File "/app/execution/enhanced_tp_sl_manager.py", line 812, in _fetch_orders');
      lines.push("requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.bybit.com', port=443): Read timed out. (read timeout=10)");
    }
  }
  return lines;
}

/** healthy: cached reads; uncached: the cache off; unprotected: cached reads, and a stop the exchange refuses for three cycles. */
export type WardenEra = "healthy" | "uncached" | "unprotected";

export function wardenLog(seed: number, era: WardenEra, cycles: number, startMs = Date.UTC(2026, 10, 20, 9, 0, 0)): string[] {
  const rng = seededRng(seed);
  const lines: string[] = [];
  let t = startMs;
  const emit = (level: string, component: string, event: string, fields: Record<string, unknown>) => {
    lines.push(JSON.stringify({ ts: new Date(t).toISOString(), level, component, event, ...fields }));
  };
  emit("info", "engine", "run.started", { exchange: "sim", scenario: "demo-30", stateDir: ".warden/sim", cache: era === "uncached" ? "off" : "on", monitors: 30 });
  emit("info", "engine", "reconcile.completed", { adopted: 0, retired: 0, monitors: 30 });
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const due = 8 + Math.floor(rng() * 13);
    let restCalls = 0;
    let hits = 0;
    let misses = 0;
    let ms: number;
    let unprotected = 0;
    if (era !== "uncached") {
      for (const account of ["main", "mirror"]) {
        const loaded = cycle === 1 || rng() < 0.5;
        if (loaded) {
          emit("debug", "cache", "snapshot.loaded", { account, positions: 15, orders: 91, calls: 3, ms: Math.round(between(rng, 90, 220)) });
          restCalls += 3;
          misses++;
          hits += Math.floor(due / 2) - 1;
        } else {
          emit("debug", "cache", "cache.hit", { account, kind: "snapshot" });
          hits += Math.floor(due / 2);
        }
      }
      if (rng() < 0.2) emit("info", "executor", "order.amended", { account: "main", symbol: "ETHUSDT", monitor: "main:ETHUSDT:long", role: "sl", linkId: `w-ETH-sl-${cycle}`, qty: "1.5", triggerPrice: "3120.5" });
      if (era === "unprotected" && cycle >= 6 && cycle <= 8) {
        const monitor = "main:SOLUSDT:long";
        emit("error", "engine", "alert", { level: "error", kind: "stop-refused", monitor, message: `stop for ${monitor} refused by the exchange (110017: reduce-only rule not satisfied); deciding again next cycle` });
        if (cycle === 6) emit("warn", "engine", "alert", { level: "warn", kind: "unprotected", monitor, account: "main", symbol: "SOLUSDT", side: "long", size: "40", message: `${monitor} is unprotected: no stop covers its size` });
        unprotected = 1;
      }
      ms = between(rng, 150, 650);
    } else {
      for (let i = 0; i < due; i++) {
        const monitor = `main:${SYMBOLS[i % SYMBOLS.length]}:long`;
        emit("debug", "exchange", "fetch.uncached", { account: i % 2 === 0 ? "main" : "mirror", monitor, kind: "orders", calls: 3 });
        restCalls += 4;
        misses++;
      }
      if (cycle % 3 === 0) emit("warn", "engine", "alert", { level: "warn", message: "HTTP connection pool is full: 10 requests queued" });
      ms = between(rng, 21000, 30000);
    }
    t += ms;
    emit("info", "engine", "cycle.completed", { cycle, monitors: 30, due, durationMs: Math.round(ms), restCalls, cacheHits: hits, cacheMisses: misses, urgency: urgency(rng, 30), ...(unprotected > 0 ? { unprotected } : {}) });
    t += 1000;
  }
  emit("info", "engine", "run.stopped", { reason: "scenario ended", cycles });
  if (era === "uncached") lines.push('{"ts":"2026-11-20T09:20:00.000Z","level":"info","component":"engine","event":"cycle.comp');
  return lines;
}

function text(lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/** An old-format log a crash tore: its last line cut short, a block of NUL bytes, then the restart. */
export function crashedLog(seed: number): Buffer {
  const before = oldLog(seed, "ttl", 4);
  const cut = before.pop()!;
  const after = oldLog(seed + 1, "ttl", 4, Date.UTC(2025, 6, 24, 11, 0, 0));
  return Buffer.concat([Buffer.from(`${before.join("\n")}\n${cut.slice(0, 40)}`), Buffer.alloc(512), Buffer.from(text(after))]);
}

/** Rewrites every sample in `dir` (fixtures/logs by default). */
export function writeFixtures(dir: string): void {
  mkdirSync(join(dir, "rotated"), { recursive: true });
  writeFileSync(join(dir, "old-healthy.log"), text(oldLog(1, "ttl", 20)));
  writeFileSync(join(dir, "old-failing.log"), text(oldLog(2, "naive", 8)));
  writeFileSync(join(dir, "warden-healthy.ndjson"), text(wardenLog(3, "healthy", 40)));
  writeFileSync(join(dir, "warden-failing.ndjson"), text(wardenLog(4, "uncached", 10)));
  writeFileSync(join(dir, "warden-unprotected.ndjson"), text(wardenLog(8, "unprotected", 12)));
  writeFileSync(join(dir, "old-crashed.log"), crashedLog(9));
  writeFileSync(join(dir, "empty.log"), "");
  // Rotation keeps the newest in bot.log: the oldest part, gzipped, is still the naive era.
  const oldest = oldLog(5, "naive", 2, Date.UTC(2025, 6, 23, 9, 0, 0));
  const middle = oldLog(6, "ttl", 6, Date.UTC(2025, 6, 23, 12, 0, 0));
  const newest = oldLog(7, "ttl", 6, Date.UTC(2025, 6, 24, 9, 0, 0));
  writeFileSync(join(dir, "rotated", "bot.log"), text(newest));
  writeFileSync(join(dir, "rotated", "bot.log.1"), text(middle));
  writeFileSync(join(dir, "rotated", "bot.log.2.gz"), gzipSync(Buffer.from(text(oldest)), { level: 9 }));
}

if (import.meta.main) {
  writeFixtures(fileURLToPath(new URL("../fixtures/logs", import.meta.url)));
}
