/**
 * The private stream's rows as Warden's records, through ccxt's own parsers (`parseOrder`,
 * `parsePosition`) and the same mapping the REST adapter uses (ccxt-mapping.ts), so a row from
 * the stream and the same record from REST become the same ExchangeOrder or ExchangePosition.
 * The parsers need no markets: the mapping reads the symbol from the raw row.
 */
import ccxt from "ccxt";
import type { ExchangeOrder, ExchangePosition, PositionIdx } from "../domain/types.ts";
import { positionIdxOf, toExchangeOrder, toExchangePosition, type CcxtOrderLike, type CcxtPositionLike } from "./ccxt-mapping.ts";

export interface PositionRow {
  /** `${symbol}:${positionIdx}` */
  readonly key: string;
  readonly symbol: string;
  readonly positionIdx: PositionIdx;
  readonly seq: number;
  /** Bybit's `updatedTime`, ms (0 when absent). */
  readonly updatedAt: number;
  /** undefined: flat. */
  readonly position: ExchangePosition | undefined;
}

export interface ExecutionRow {
  readonly execId: string;
  readonly orderId: string;
  /** Bybit's symbol id ("BTCUSDT"). */
  readonly symbol: string;
  /** Bybit's `execTime`, ms (0 when absent). */
  readonly execTime: number;
  /** Only `Trade` executions are fills (not Funding, AdlTrade, BustTrade). */
  readonly trade: boolean;
}

export interface StreamRowParser {
  order(raw: Record<string, unknown>): ExchangeOrder;
  position(raw: Record<string, unknown>): PositionRow;
  execution(raw: Record<string, unknown>): ExecutionRow;
}

interface Parsers {
  parseOrder(raw: unknown): CcxtOrderLike;
  parsePosition(raw: unknown): CcxtPositionLike;
}

export function positionKey(symbol: string, positionIdx: PositionIdx): string {
  return `${symbol}:${positionIdx}`;
}

export function createStreamRowParser(): StreamRowParser {
  const ex = new ccxt.bybit() as unknown as Parsers;
  return {
    order: (raw) => toExchangeOrder(ex.parseOrder(raw)),
    position(raw) {
      const symbol = typeof raw.symbol === "string" ? raw.symbol : "";
      if (symbol === "") throw new TypeError("malformed position row from the stream (no symbol)");
      const positionIdx = positionIdxOf(raw);
      const seq = Number(raw.seq);
      return { key: positionKey(symbol, positionIdx), symbol, positionIdx, seq: Number.isFinite(seq) ? seq : -1, updatedAt: ms(raw.updatedTime), position: toExchangePosition(ex.parsePosition(raw)) };
    },
    execution: (raw) => ({
      execId: String(raw.execId ?? ""),
      orderId: String(raw.orderId ?? ""),
      symbol: typeof raw.symbol === "string" ? raw.symbol : "",
      execTime: ms(raw.execTime),
      trade: raw.execType === undefined || raw.execType === "Trade",
    }),
  };
}

/** A Bybit time field (ms as a string or number); 0 when absent or unreadable. */
function ms(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}
