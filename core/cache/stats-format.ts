/**
 * The two renderings of a cache statistics file: a table per window, account and kind for
 * people, and the Prometheus text exposition format for scrapers.
 */
import { CACHE_KINDS, type CacheStats, type CacheStatsFile, type KindStats, hitRate } from "./stats.ts";

const WINDOWS = [
  ["lastCycle", "last cycle", "last_cycle"],
  ["sinceStart", "since start", "since_start"],
] as const;

function pct(s: KindStats): string {
  const r = hitRate(s);
  return r === undefined ? "-" : `${(r * 100).toFixed(1)}%`;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? "-" : `${(ms / 1000).toFixed(1)}s`;
}

function rows(stats: CacheStats, window: string): string[][] {
  const out: string[][] = [];
  for (const account of Object.keys(stats.accounts).sort()) {
    const kinds = stats.accounts[account];
    if (kinds === undefined) continue;
    for (const kind of CACHE_KINDS) {
      const s = kinds[kind];
      out.push([window, account, kind, String(s.hits), String(s.misses), String(s.coalesced), pct(s), String(s.entries), seconds(s.ageMs), String(s.loads), String(s.restCalls), seconds(s.lastLoadMs)]);
    }
  }
  return out;
}

export function renderStatsTable(file: CacheStatsFile, now: number, stateDir: string): string {
  const header = ["window", "account", "kind", "hits", "misses", "coalesced", "hit rate", "entries", "age", "loads", "REST calls", "last load"];
  const body = WINDOWS.flatMap(([key, label]) => rows(file[key], label));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ").trimEnd();
  const age = Math.max(0, Math.round((now - file.writtenAt) / 1000));
  const title = `cache statistics in ${stateDir}: cycle ${file.cycle}, written ${new Date(file.writtenAt).toISOString()} (${age} s ago)`;
  if (body.length === 0) return `${title}\nno accounts recorded\n`;
  return `${title}\n${line(header)}\n${body.map(line).join("\n")}\n`;
}

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly value: (s: KindStats) => number | undefined;
}

/**
 * Counts. As counters (`_total`) they are the since-start figures, which only grow while the
 * engine runs (a restart starts them again, as Prometheus expects of a counter); the
 * last-cycle figures, which go up and down, are gauges named `warden_cache_last_cycle_*`.
 */
const COUNTS: readonly Metric[] = [
  { name: "hits", help: "Reads served from a fresh cache entry", value: (s) => s.hits },
  { name: "misses", help: "Reads that started a load", value: (s) => s.misses },
  { name: "coalesced", help: "Reads that joined a load already in flight", value: (s) => s.coalesced },
  { name: "loads", help: "Loads made", value: (s) => s.loads },
  { name: "rest_calls", help: "HTTP requests made by the loads", value: (s) => s.restCalls },
];

/** The state of the cache when the file was written (the same in both windows). */
const STATE: readonly Metric[] = [
  { name: "warden_cache_entries", help: "Entries held (positions, orders, instruments).", value: (s) => s.entries },
  { name: "warden_cache_entry_age_seconds", help: "Age of the held entry.", value: (s) => (s.ageMs === undefined ? undefined : s.ageMs / 1000) },
  { name: "warden_cache_last_load_seconds", help: "Duration of the last load.", value: (s) => (s.lastLoadMs === undefined ? undefined : s.lastLoadMs / 1000) },
];

function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function renderPrometheus(file: CacheStatsFile): string {
  const out: string[] = [
    "# HELP warden_cache_stats_cycle The engine cycle that wrote these statistics.",
    "# TYPE warden_cache_stats_cycle gauge",
    `warden_cache_stats_cycle ${file.cycle}`,
    "# HELP warden_cache_stats_written_timestamp_seconds When the engine wrote these statistics.",
    "# TYPE warden_cache_stats_written_timestamp_seconds gauge",
    `warden_cache_stats_written_timestamp_seconds ${file.writtenAt / 1000}`,
  ];
  const family = (name: string, type: "counter" | "gauge", help: string, stats: CacheStats, value: (s: KindStats) => number | undefined) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const account of Object.keys(stats.accounts).sort()) {
      for (const kind of CACHE_KINDS) {
        const s = stats.accounts[account]?.[kind];
        const v = s === undefined ? undefined : value(s);
        if (v !== undefined) out.push(`${name}{account="${label(account)}",kind="${kind}"} ${v}`);
      }
    }
  };
  for (const m of COUNTS) family(`warden_cache_${m.name}_total`, "counter", `${m.help}, since the engine started.`, file.sinceStart, m.value);
  for (const m of COUNTS) family(`warden_cache_last_cycle_${m.name}`, "gauge", `${m.help}, in the last cycle.`, file.lastCycle, m.value);
  out.push("# HELP warden_cache_hit_ratio (hits + coalesced) / reads, over the window.", "# TYPE warden_cache_hit_ratio gauge");
  for (const [key, , window] of WINDOWS) {
    const stats = file[key];
    for (const account of Object.keys(stats.accounts).sort()) {
      for (const kind of CACHE_KINDS) {
        const s = stats.accounts[account]?.[kind];
        const v = s === undefined ? undefined : hitRate(s);
        if (v !== undefined) out.push(`warden_cache_hit_ratio{account="${label(account)}",kind="${kind}",window="${window}"} ${v}`);
      }
    }
  }
  for (const m of STATE) family(m.name, "gauge", m.help, file.sinceStart, m.value);
  return `${out.join("\n")}\n`;
}
