/** Mapping ccxt's structures to the domain: Bybit's positionIdx, read from the raw record. */
import { describe, expect, test } from "bun:test";
import { toExchangeOrder, toExchangePosition } from "../../core/exchange/ccxt-mapping.ts";

const orderInfo = (over: Record<string, unknown> = {}) => ({ symbol: "BTCUSDT", side: "Sell", orderType: "Limit", orderStatus: "New", orderLinkId: "x", qty: "0.1", price: "61000", positionIdx: 0, ...over });

describe("positionIdx", () => {
  test("an order row's positionIdx is kept: 0 one-way, 1 and 2 hedge (number or string on the wire)", () => {
    expect(toExchangeOrder({ id: "o1", info: orderInfo() }).positionIdx).toBe(0);
    expect(toExchangeOrder({ id: "o1", info: orderInfo({ positionIdx: 1 }) }).positionIdx).toBe(1);
    expect(toExchangeOrder({ id: "o1", info: orderInfo({ positionIdx: "2" }) }).positionIdx).toBe(2);
  });

  test("a row without positionIdx is one-way (0); one with another value is refused as malformed", () => {
    const { positionIdx: _omitted, ...bare } = orderInfo();
    expect(toExchangeOrder({ id: "o1", info: bare }).positionIdx).toBe(0);
    expect(() => toExchangeOrder({ id: "o1", info: orderInfo({ positionIdx: 3 }) })).toThrow(TypeError);
  });

  test("a hedge-mode short row maps to the short with positionIdx 2; the empty side's flat row to nothing", () => {
    const short = toExchangePosition({ side: "short", contracts: 0.05, entryPrice: 60500, markPrice: 60000, info: { symbol: "BTCUSDT", side: "Sell", size: "0.05", positionIdx: 2 } });
    expect(short).toEqual({ symbol: "BTCUSDT", side: "short", positionIdx: 2, size: 0.05, entryPrice: 60500, markPrice: 60000 });
    expect(toExchangePosition({ side: "long", contracts: 0, info: { symbol: "BTCUSDT", side: "", size: "0", positionIdx: 1 } })).toBeUndefined();
  });
});
