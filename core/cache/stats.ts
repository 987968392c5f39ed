/**
 * Cache statistics: per account and kind (positions, open orders, markets), over the last
 * cycle and since start; and the file the engine writes each cycle for `warden cache-stats`
 * (`<stateDir>/cache-stats.json`, persisted by the store as an opaque object).
 *
 * Hit rate = (hits + coalesced) / (hits + misses + coalesced): a coalesced read joined a load
 * already in flight and made no call of its own, which is what the old system's logs meant by
 * a cache hit.
 */
export const CACHE_KINDS = ["positions", "orders", "markets"] as const;
export type CacheKind = (typeof CACHE_KINDS)[number];

export interface KindStats {
  /** Reads served from a fresh entry. */
  readonly hits: number;
  /** Reads that started a load. */
  readonly misses: number;
  /** Reads that joined a load already in flight. */
  readonly coalesced: number;
  /** Loads made (a failed one too). */
  readonly loads: number;
  /** HTTP requests the loads made. */
  readonly restCalls: number;
  /** Duration of the last load (clock ms), if any. */
  readonly lastLoadMs: number | undefined;
  /** Entries held now (positions, orders, instruments). */
  readonly entries: number;
  /** Age of the held entry now (clock ms), if any. */
  readonly ageMs: number | undefined;
}

/** One window of statistics: account -> kind -> counts. */
export interface CacheStats {
  readonly accounts: Readonly<Record<string, Readonly<Record<CacheKind, KindStats>>>>;
}

export interface CacheStatsWindows {
  readonly lastCycle: CacheStats;
  readonly sinceStart: CacheStats;
}

/** What `<stateDir>/cache-stats.json` holds. */
export interface CacheStatsFile extends CacheStatsWindows {
  /** Epoch ms when the engine wrote it. */
  readonly writtenAt: number;
  /** The engine's cycle number. */
  readonly cycle: number;
}

export function emptyKindStats(): KindStats {
  return { hits: 0, misses: 0, coalesced: 0, loads: 0, restCalls: 0, lastLoadMs: undefined, entries: 0, ageMs: undefined };
}

export function hitRate(s: Pick<KindStats, "hits" | "misses" | "coalesced">): number | undefined {
  const reads = s.hits + s.misses + s.coalesced;
  return reads === 0 ? undefined : (s.hits + s.coalesced) / reads;
}

/** The accounts a statistics file has figures for. */
export function statsAccounts(file: CacheStatsFile): string[] {
  return [...new Set([...Object.keys(file.sinceStart.accounts), ...Object.keys(file.lastCycle.accounts)])].sort();
}

/** The file with one account's figures only (`cache-stats --account`). */
export function statsOfAccount(file: CacheStatsFile, account: string): CacheStatsFile {
  const only = (w: CacheStats): CacheStats => ({ accounts: Object.fromEntries(Object.entries(w.accounts).filter(([a]) => a === account)) });
  return { ...file, lastCycle: only(file.lastCycle), sinceStart: only(file.sinceStart) };
}

export function toStatsFile(windows: CacheStatsWindows, cycle: number, writtenAt: number): CacheStatsFile {
  return { writtenAt, cycle, lastCycle: windows.lastCycle, sinceStart: windows.sinceStart };
}

/** Checks a parsed cache-stats.json; returns the problem, or undefined when it is well formed. */
export function statsFileProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "expected a JSON object";
  const v = value as Record<string, unknown>;
  if (typeof v["writtenAt"] !== "number") return "writtenAt: expected a number";
  if (typeof v["cycle"] !== "number") return "cycle: expected a number";
  for (const window of ["lastCycle", "sinceStart"] as const) {
    const w = v[window] as { accounts?: unknown } | undefined;
    if (typeof w !== "object" || w === null || typeof w.accounts !== "object" || w.accounts === null) return `${window}.accounts: expected an object`;
    for (const [account, kinds] of Object.entries(w.accounts as Record<string, unknown>)) {
      for (const kind of CACHE_KINDS) {
        const k = (kinds as Record<string, unknown> | null)?.[kind] as Record<string, unknown> | undefined;
        if (typeof k !== "object" || k === null) return `${window}.accounts.${account}.${kind}: expected an object`;
        for (const field of ["hits", "misses", "coalesced", "loads", "restCalls", "entries"] as const) {
          if (typeof k[field] !== "number") return `${window}.accounts.${account}.${kind}.${field}: expected a number`;
        }
      }
    }
  }
  return undefined;
}
