import { describe, expect, test } from "bun:test";
import { BodyParseMemo, sameRecord } from "../../core/exchange/ccxt-mapping.ts";

const record = (over: Record<string, unknown> = {}) => ({ orderId: "o1", qty: "0.001", price: "30000", updatedTime: "1700000000000", cumFeeDetail: {}, positionIdx: 0, ...over });
const body = (list: unknown[], time: number) => JSON.stringify({ retCode: 0, retMsg: "OK", result: { list, nextPageCursor: "" }, retExtInfo: {}, time });

describe("sameRecord", () => {
  test("is true for records with the same fields and values, nested ones included", () => {
    expect(sameRecord(record({ cumFeeDetail: { USDT: "0.1" } }), record({ cumFeeDetail: { USDT: "0.1" } }))).toBe(true);
  });

  test("is false when any value, nested value, or the set of fields differs", () => {
    expect(sameRecord(record(), record({ qty: "0.002" }))).toBe(false);
    expect(sameRecord(record(), record({ updatedTime: "1700000000001" }))).toBe(false);
    expect(sameRecord(record({ cumFeeDetail: { USDT: "0.1" } }), record({ cumFeeDetail: { USDT: "0.2" } }))).toBe(false);
    expect(sameRecord(record(), record({ extra: "" }))).toBe(false);
    expect(sameRecord(record({ extra: undefined }), record({ other: undefined }))).toBe(false);
    expect(sameRecord(record({ positionIdx: 0 }), record({ positionIdx: "0" }))).toBe(false);
  });
});

describe("BodyParseMemo", () => {
  test("a page unchanged but for the envelope's time is served with its own time", () => {
    let parses = 0;
    const memo = new BodyParseMemo((t) => (parses++, JSON.parse(t)));
    const a = memo.body(body([record()], 1)) as { time: number; result: unknown };
    const b = memo.body(body([record()], 2)) as { time: number; result: unknown };
    expect(parses).toBe(1);
    expect(b.time).toBe(2);
    expect(a.time).toBe(1);
    expect(b.result).toEqual(a.result);
  });

  test("a changed page is parsed again and shows the change", () => {
    const memo = new BodyParseMemo((t) => JSON.parse(t));
    memo.body(body([record()], 1));
    const changed = memo.body(body([record({ qty: "0.002" })], 2)) as { result: { list: { qty: string }[] } };
    expect(changed.result.list[0]?.qty).toBe("0.002");
  });

  test("a served body cannot be changed by a reader", () => {
    const memo = new BodyParseMemo((t) => JSON.parse(t));
    memo.body(body([record()], 1));
    const served = memo.body(body([record()], 2)) as { result: { list: Record<string, unknown>[] } };
    expect(() => {
      (served.result.list[0] as Record<string, unknown>)["qty"] = "9";
    }).toThrow();
  });

  test("a body without a trailing top-level time is always parsed", () => {
    let parses = 0;
    const memo = new BodyParseMemo((t) => (parses++, JSON.parse(t)));
    const text = JSON.stringify({ retCode: 0, result: { list: [], time: 5 } });
    memo.body(text);
    memo.body(text);
    expect(parses).toBe(2);
  });
});
