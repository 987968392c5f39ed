/**
 * Warden's own NDJSON events (see EVENTS.md). What counts:
 *
 * - `cycle.completed`: a cycle of `durationMs`, `restCalls` API calls, `cacheHits` and
 *   `cacheMisses` lookups (the hit rate is the sum of hits over the sum of lookups).
 * - `cache.hit`: evidence the cache served a read (for `no-cache-hits`; not added to the
 *   rate, which `cycle.completed` already carries).
 * - `fetch.uncached`: a read for one monitor that bypassed the account snapshot: an
 *   `uncached-fetch`.
 * - an `alert` whose message says the connection pool is full or overloaded: a
 *   `pool-warning`.
 * - Warden's own protection failures: an `alert` of kind `unprotected`, or a `cycle.completed`
 *   with `unprotected` above 0, is one `unprotected`; an `alert` of kind `stop-refused` is one
 *   `stop-refused`.
 * Other events are valid lines and are skipped without being parsed; only `cycle.completed`
 * and `alert` are parsed, the rest count by name.
 */
import { EVENT } from "./catalogue.ts";
import type { LinePosition, LogTally } from "./log-tally.ts";

/**
 * The scanner's pre-filter words for events of interest, beyond the Python reader's ("ache"
 * and "etch" already catch `cache.hit` and `fetch.uncached`), with their bits.
 */
export const WARDEN_KEYWORDS: Readonly<Record<string, number>> = { "cycle.completed": 16, '"alert"': 32 };

/** The alert kinds the engine emits for its own protection failures (core/engine). */
const ALERT_UNPROTECTED = "unprotected";
const ALERT_STOP_REFUSED = "stop-refused";

const EVENT_NAME = /"event"\s*:\s*"([^"\\]*)"/;
const POOL = /\bconnection\s+pool\s+is\s+full\b|\bpool\b.*\boverload/i;
const INTERESTING = new Set<string>([EVENT.cycleCompleted, EVENT.cacheHit, EVENT.fetchUncached, EVENT.alert]);

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export class WardenLogReader {
  readonly #tally: LogTally;

  constructor(tally: LogTally) {
    this.#tally = tally;
  }

  /** One JSON line that passed the keyword pre-filter; false when it is not valid JSON. */
  line(text: string, at: LinePosition): boolean {
    const name = EVENT_NAME.exec(text)?.[1];
    if (name === undefined || !INTERESTING.has(name)) return true;
    // These two count by name alone: no field of theirs is needed, so they are not parsed.
    if (name === EVENT.cacheHit) {
      this.#tally.cacheHitSeen();
      return true;
    }
    if (name === EVENT.fetchUncached) {
      this.#tally.uncachedFetch(at);
      return true;
    }
    let event: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return false;
      event = parsed as Record<string, unknown>;
    } catch {
      return false;
    }
    const tally = this.#tally;
    switch (event["event"]) {
      case EVENT.cycleCompleted: {
        const ms = num(event["durationMs"]);
        if (ms === undefined) return false;
        const hits = num(event["cacheHits"]) ?? 0;
        tally.cycle(ms / 1000, at, num(event["restCalls"]));
        tally.lookups(hits, num(event["cacheMisses"]) ?? 0);
        if (hits > 0) tally.cacheHitSeen();
        if ((num(event["unprotected"]) ?? 0) > 0) tally.unprotected(at);
        return true;
      }
      case EVENT.alert:
        if (typeof event["message"] === "string" && POOL.test(event["message"])) tally.poolWarning(at);
        if (event["kind"] === ALERT_UNPROTECTED) tally.unprotected(at);
        else if (event["kind"] === ALERT_STOP_REFUSED) tally.stopRefused(at);
        return true;
      default:
        return true;
    }
  }
}
