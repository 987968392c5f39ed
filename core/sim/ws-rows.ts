/**
 * The private stream's rows, from the venue's REST records (venue-api.ts). Bybit's stream
 * rows are the REST rows with `category` added and a few fields of their own (v5 docs,
 * websocket/private/order, execution, fast-execution, position):
 * - order: `closedPnl`, `feeCurrency`;
 * - execution: `isLeverage`;
 * - execution.fast: a subset, `orderLinkId` always "" on maker fills, no message `id`;
 * - position: `entryPrice` (REST's `avgPrice`), `positionIMByMp`/`positionMMByMp`,
 *   `curRealisedPnl`, `breakEvenPrice`, `openTime` (a number).
 * Wire types as Bybit's: strings for prices and sizes, numbers for `positionIdx`,
 * `triggerDirection`, `seq`, `riskId`, `adlRankIndicator`, `tradeMode`, `autoAddMargin`,
 * `smpGroup`; booleans for `reduceOnly`, `closeOnTrigger`, `isMaker`, `isReduceOnly`.
 */
import type { BybitRecord } from "./venue-api.ts";

const CATEGORY = "linear";

export function orderRow(record: BybitRecord): BybitRecord {
  return { category: CATEGORY, ...record, closedPnl: "0", feeCurrency: "" };
}

export function executionRow(record: BybitRecord): BybitRecord {
  return { category: CATEGORY, ...record, isLeverage: "0" };
}

export function fastExecutionRow(record: BybitRecord): BybitRecord {
  return {
    category: CATEGORY,
    symbol: record.symbol,
    execId: record.execId,
    execPrice: record.execPrice,
    execQty: record.execQty,
    orderId: record.orderId,
    isMaker: record.isMaker,
    orderLinkId: record.isMaker === true ? "" : record.orderLinkId,
    side: record.side,
    execTime: record.execTime,
    seq: record.seq,
  };
}

export function positionRow(record: BybitRecord): BybitRecord {
  const { avgPrice, ...rest } = record;
  const open = rest.side !== "";
  return {
    category: CATEGORY,
    ...rest,
    entryPrice: avgPrice,
    breakEvenPrice: open ? avgPrice : "0",
    positionIMByMp: rest.positionIM,
    positionMMByMp: rest.positionMM,
    curRealisedPnl: "0",
    openTime: open ? Number(rest.createdTime) : 0,
  };
}
