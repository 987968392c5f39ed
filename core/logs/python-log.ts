/**
 * The old Python system's text logs: `2025-07-24 10:15:32,118 - component - LEVEL - message`,
 * messages with emoji markers. Lines are matched on meaning (words, numbers), tolerant of
 * spacing, case, emoji and level, never on one exact string. What counts:
 *
 * - cycle: "Processed 30 monitors in 5.2s" (ms or s). It closes a cycle; the API calls
 *   counted since the previous one are that cycle's calls.
 * - fetch: "Fetching 3/3 orders from exchange (...)": one lookup missed the cache and one
 *   API call; "(0 cached)" makes it an `uncached-fetch`.
 * - pages: "Total orders fetched: 91 across 3 pages": that listing cost 3 calls. It follows
 *   its fetch line, so it adds pages - 1 to a fetch just counted, pages otherwise.
 * - hit: "Cache hit", "served from cache", "Using cached ... data", "Found 3/3 orders in
 *   monitoring cache": one lookup served from cache per line.
 * - pool: urllib3's "Connection pool is full", or any "pool ... overload".
 */
import type { LinePosition, LogTally } from "./log-tally.ts";

const HIT_WORD = 1;
const FETCH_WORD = 2;
const CYCLE_WORD = 4;
const POOL_WORD = 8;

/**
 * The scanner's pre-filter: a line of interest holds one of these words (any case; each
 * leaves out its first letter, so "Cache" and "cache" both hold "ache"). The scanner passes
 * back the bits of the words a line holds, so it is matched only against the patterns those
 * words can start.
 */
export const PYTHON_KEYWORDS: Readonly<Record<string, number>> = { ache: HIT_WORD, etch: FETCH_WORD, rocessed: CYCLE_WORD, ool: POOL_WORD };
export const PYTHON_BITS = HIT_WORD | FETCH_WORD | CYCLE_WORD | POOL_WORD;

const CYCLE = /\bprocessed\s+(\d+)\s+monitors?\s+in\s+(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds)?\b/i;
const FETCH = /\bfetch(?:ing)?\b.*?\bfrom\s+(?:the\s+)?(?:exchange|api|bybit)\b/i;
const ZERO_CACHED = /\(\s*0\s+cached\s*\)|\b0\s+(?:from\s+)?cached\b/i;
const PAGES = /\bfetched\b.*?\bacross\s+(\d+)\s+pages?\b/i;
const HIT = /\bcache\s+hit\b|\bserved\s+from\s+(?:the\s+)?cache\b|\busing\s+cached\b|\bfound\s+\d+\s*\/\s*\d+\s+\w+\s+in\s+(?:the\s+)?(?:\w+\s+)?cache\b/i;
const POOL = /\bconnection\s+pool\s+is\s+full\b|\bpool\b.*\boverload/i;
const LEVEL_START = /(?:DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL)\b/y;

/** Whether the text at `p` starts a Python logging record (a date, or a bare level). */
export function isPythonRecord(s: string, p: number): boolean {
  const c0 = s.charCodeAt(p);
  if (c0 >= 48 && c0 <= 57) {
    return s.charCodeAt(p + 4) === 45 && s.charCodeAt(p + 7) === 45 && isDigit(s.charCodeAt(p + 3)) && isDigit(s.charCodeAt(p + 5));
  }
  if (c0 < 65 || c0 > 90) return false;
  LEVEL_START.lastIndex = p;
  return LEVEL_START.test(s);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export class PythonLogReader {
  readonly #tally: LogTally;
  #callsSeen = false;
  #callsInCycle = 0;
  #fetchPending = false;

  constructor(tally: LogTally) {
    this.#tally = tally;
  }

  /** One line that passed the keyword pre-filter; `words` has the bits of the PYTHON_KEYWORDS it holds. */
  line(text: string, at: LinePosition, words = PYTHON_BITS): void {
    const tally = this.#tally;
    if ((words & POOL_WORD) !== 0 && POOL.test(text)) {
      tally.poolWarning(at);
      return;
    }
    const cycle = (words & CYCLE_WORD) !== 0 ? CYCLE.exec(text) : null;
    if (cycle !== null) {
      const value = Number(cycle[2]);
      const seconds = cycle[3]?.toLowerCase() === "ms" ? value / 1000 : value;
      tally.cycle(seconds, at, this.#callsSeen ? this.#callsInCycle : undefined);
      this.#callsInCycle = 0;
      this.#fetchPending = false;
      return;
    }
    if ((words & FETCH_WORD) !== 0) {
      const pages = PAGES.exec(text);
      if (pages !== null) {
        const n = Number(pages[1]);
        this.#calls(this.#fetchPending ? n - 1 : n);
        this.#fetchPending = false;
        return;
      }
      if (FETCH.test(text)) {
        this.#calls(1);
        this.#fetchPending = true;
        tally.lookups(0, 1);
        if (ZERO_CACHED.test(text)) tally.uncachedFetch(at);
        return;
      }
    }
    if ((words & HIT_WORD) !== 0 && HIT.test(text)) {
      tally.cacheHitSeen();
      tally.lookups(1, 0);
    }
  }

  #calls(n: number): void {
    this.#callsSeen = true;
    if (n > 0) this.#callsInCycle += n;
  }
}
