/** Builders for log lines and temp log files, with defaults, for the logs and validate tests. */
import { Buffer } from "node:buffer";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { EventFields } from "../../core/logs/catalogue.ts";
import type { WardenEvent } from "../../core/logs/event.ts";

export interface OldLineOptions {
  time?: string;
  component?: string;
  level?: string;
}

/** A line of the old Python system: `2025-07-24 10:15:32,118 - component - LEVEL - message`. */
export function oldLine(message: string, options: OldLineOptions = {}): string {
  const { time = "2025-07-24 10:15:32,118", component = "execution.enhanced_tp_sl_manager", level = "INFO" } = options;
  return `${time} - ${component} - ${level} - ${message}`;
}

export const OLD = {
  hit: "🚀 Cache hit: Found 3/3 orders in monitoring cache for BTCUSDT (main)",
  servedFromCache: "💾 All 3 orders served from cache - no API calls needed",
  cachedPosition: "🚀 Using cached position data for BTCUSDT (main) - age: 3.2s",
  uncachedFetch: "🔍 Fetching 3/3 orders from exchange (0 cached)",
  partialFetch: "🔍 Fetching 1/3 orders from exchange (2 cached)",
  pages: (pages: number) => `📋 Total orders fetched: 91 across ${pages} pages`,
  cycle: (seconds: number, monitors = 30) =>
    `⚡ Processed ${monitors} monitors in ${seconds}s - Urgency breakdown: {'critical': 2, 'urgent': 5, 'active': 10, 'idle': 13}`,
  pool: "Connection pool is full, discarding connection: api.bybit.com. Connection pool size: 10",
  other: "✅ BTCUSDT (main) protected: TP1 65000 SL 63000",
} as const;

export function poolLine(): string {
  return oldLine(OLD.pool, { component: "urllib3.connectionpool", level: "WARNING" });
}

export function wardenEvent(event: string, fields: Record<string, unknown> = {}, level = "info"): WardenEvent {
  return { ts: "2026-11-20T09:00:00.000Z", level: level as WardenEvent["level"], component: "engine", event, ...fields };
}

export function cycleFields(overrides: Partial<EventFields["cycle.completed"]> = {}): EventFields["cycle.completed"] {
  return {
    cycle: 1,
    monitors: 30,
    due: 12,
    durationMs: 1230,
    restCalls: 3,
    cacheHits: 12,
    cacheMisses: 0,
    urgency: { critical: 2, urgent: 5, active: 10, idle: 13 },
    ...overrides,
  };
}

/** An NDJSON line of a `cycle.completed` event. */
export function cycleLine(overrides: Partial<EventFields["cycle.completed"]> = {}): string {
  return JSON.stringify(wardenEvent("cycle.completed", { ...cycleFields(overrides) }));
}

export function ndjson(event: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify(wardenEvent(event, fields));
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "warden-logs-test-"));
}

/** Writes lines (newline-terminated) to `dir/name`, gzipped when the name ends in .gz. */
export function writeLog(dir: string, name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  const text = Buffer.from(lines.map((l) => `${l}\n`).join(""));
  writeFileSync(path, name.endsWith(".gz") ? gzipSync(text) : text);
  return path;
}

/** A stdin stand-in that yields the text in chunks of `size` bytes, to cut lines and characters apart. */
export function chunkedInput(text: string | Uint8Array, size: number): () => AsyncIterable<Uint8Array> {
  const bytes = typeof text === "string" ? Buffer.from(text) : Buffer.from(text);
  return async function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  };
}
