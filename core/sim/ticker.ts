/** Bybit's linear ticker record (fixtures/bybit/v5-market-tickers-linear.json) for the current mark. */
import { formatPrice, roundToTick, type InstrumentSpec } from "./instruments.ts";
import type { BybitRecord } from "./venue-api.ts";

const FUNDING_MS = 8 * 3600_000;

export function tickerRecord(spec: InstrumentSpec, mark: number, open: number, now: number): BybitRecord {
  const p = (x: number) => formatPrice(spec, x);
  const bid = Math.max(spec.tickSize, roundToTick(spec, mark - spec.tickSize));
  return {
    symbol: spec.symbol,
    lastPrice: p(mark),
    indexPrice: p(mark),
    markPrice: p(mark),
    prevPrice24h: p(open),
    price24hPcnt: (open > 0 ? (mark - open) / open : 0).toFixed(6),
    highPrice24h: p(Math.max(mark, open)),
    lowPrice24h: p(Math.min(mark, open)),
    prevPrice1h: p(open),
    openInterest: "100000",
    openInterestValue: (100000 * mark).toFixed(2),
    turnover24h: "1000000",
    volume24h: (1000000 / mark).toFixed(spec.qtyDecimals),
    fundingRate: "0.0001",
    nextFundingTime: String(Math.ceil((now + 1) / FUNDING_MS) * FUNDING_MS),
    predictedDeliveryPrice: "",
    basisRate: "",
    deliveryFeeRate: "",
    deliveryTime: "0",
    ask1Size: "10",
    bid1Price: p(bid),
    ask1Price: p(mark),
    bid1Size: "10",
    basis: "",
  };
}
