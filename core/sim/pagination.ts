/**
 * Bybit v5 cursor pagination, as Bybit does it:
 * - `limit` has a per-endpoint default and maximum (values outside 1..max are refused
 *   with 10001, as Bybit refuses them);
 * - the cursor is opaque to the client; Bybit's looks like
 *   `firstId%3AfirstTime%2ClastId%3AlastTime` (URL-encoded inside the JSON), and so does ours;
 * - a non-empty page ALWAYS carries a non-empty `nextPageCursor`, even when it is the last
 *   page; the page after the last one is empty with `nextPageCursor: ""`. (ccxt's
 *   `paginate: true` therefore always makes one extra, empty request.)
 *
 * Listings are ordered by (time descending, id ascending): newest first, ties (many orders
 * share one virtual millisecond) broken by id. The cursor names the last record of the page,
 * and the next page starts at the first record after it in that order, whether or not the
 * record is still listed (an order that filled in between), so concurrent changes never make
 * a page repeat or skip a record that stayed.
 */
import { SimError } from "./venue-api.ts";

export interface PageRule {
  readonly defaultLimit: number;
  readonly maxLimit: number;
}

/** How one listing keys its records: a unique id and the time (ms) it is sorted by. */
export interface PageKey<T> {
  id(record: T): string;
  time(record: T): number;
}

export interface Page<T> {
  readonly list: T[];
  readonly nextPageCursor: string;
}

/** Per-endpoint page sizes, from Bybit's v5 docs (each endpoint's `limit` parameter). */
export const PAGE_RULES = {
  "/v5/order/realtime": { defaultLimit: 20, maxLimit: 50 },
  "/v5/order/history": { defaultLimit: 20, maxLimit: 50 },
  "/v5/execution/list": { defaultLimit: 50, maxLimit: 100 },
  "/v5/position/list": { defaultLimit: 20, maxLimit: 200 },
  "/v5/market/instruments-info": { defaultLimit: 500, maxLimit: 1000 },
} as const satisfies Record<string, PageRule>;

export function parseLimit(raw: string | null, rule: PageRule): number {
  if (raw === null || raw === "") return rule.defaultLimit;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > rule.maxLimit) {
    throw new SimError(10001, `The number of limit exceeds the range [1,${rule.maxLimit}]`);
  }
  return n;
}

export function encodeCursor(first: { id: string; time: number }, last: { id: string; time: number }): string {
  return encodeURIComponent(`${first.id}:${first.time},${last.id}:${last.time}`);
}

interface CursorMark {
  readonly id: string;
  readonly time: number;
}

/** The last record a cursor names, or a SimError 10001 when it is not one of ours. */
export function decodeCursor(cursor: string): CursorMark {
  let text = cursor;
  // Clients send the cursor back as received (URL-encoded); the query parser may already
  // have decoded it once.
  if (text.includes("%")) {
    try {
      text = decodeURIComponent(text);
    } catch {
      throw new SimError(10001, "params error: cursor invalid");
    }
  }
  const last = text.split(",")[1];
  const colon = last?.lastIndexOf(":") ?? -1;
  if (last === undefined || colon <= 0) throw new SimError(10001, "params error: cursor invalid");
  const time = Number(last.slice(colon + 1));
  if (!Number.isFinite(time)) throw new SimError(10001, "params error: cursor invalid");
  return { id: last.slice(0, colon), time };
}

/**
 * One page of `records` (already filtered; ordered here, see above). `lastPage: "cursor"`
 * (orders, positions, executions) gives the last page a cursor too, as Bybit does;
 * `"empty"` (instruments-info, whose recordings end with `""`) ends it with `""`.
 */
export function paginate<T>(
  records: readonly T[],
  limit: number,
  cursor: string | null,
  key: PageKey<T>,
  lastPage: "cursor" | "empty" = "cursor",
): Page<T> {
  const sorted = [...records].sort((a, b) => key.time(b) - key.time(a) || compareIds(key.id(a), key.id(b)));
  let start = 0;
  if (cursor !== null && cursor !== "") {
    const mark = decodeCursor(cursor);
    const after = sorted.findIndex((r) => key.time(r) < mark.time || (key.time(r) === mark.time && compareIds(key.id(r), mark.id) > 0));
    start = after >= 0 ? after : sorted.length;
  }
  const list = sorted.slice(start, start + limit);
  const first = list[0];
  const last = list[list.length - 1];
  if (first === undefined || last === undefined) return { list: [], nextPageCursor: "" };
  if (lastPage === "empty" && start + limit >= sorted.length) return { list, nextPageCursor: "" };
  return {
    list,
    nextPageCursor: encodeCursor({ id: key.id(first), time: key.time(first) }, { id: key.id(last), time: key.time(last) }),
  };
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function numberField(record: Record<string, unknown>, field: string): number {
  const n = Number(record[field]);
  return Number.isFinite(n) ? n : 0;
}

export const orderKey: PageKey<Record<string, unknown>> = {
  id: (r) => String(r["orderId"] ?? ""),
  time: (r) => numberField(r, "createdTime"),
};

export const executionKey: PageKey<Record<string, unknown>> = {
  id: (r) => String(r["execId"] ?? ""),
  time: (r) => numberField(r, "execTime"),
};

/** A symbol's one-way position is the symbol; its hedge-mode sides are told apart by positionIdx. */
export const positionKey: PageKey<Record<string, unknown>> = {
  id: (r) => {
    const idx = Number(r["positionIdx"] ?? 0);
    return idx === 0 ? String(r["symbol"] ?? "") : `${String(r["symbol"] ?? "")}-${idx}`;
  },
  time: (r) => numberField(r, "updatedTime"),
};

/** Instruments list alphabetically, as Bybit lists them. */
export const instrumentKey: PageKey<Record<string, unknown>> = {
  id: (r) => String(r["symbol"] ?? ""),
  time: () => 0,
};
