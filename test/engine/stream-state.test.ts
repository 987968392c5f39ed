/**
 * The stream's view of one account (stream-state.ts): the latest `updatedTime` of an order
 * wins and a final state wins a tie (a cancel racing a fill gives two rows), the highest `seq`
 * of a position wins, executions count once per `execId`, and a rebase on a REST snapshot keeps
 * the rows received while it was in flight. Applying rows is order-independent.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { AccountSnapshot, ExchangeOrder, ExchangePosition, OrderStatus } from "../../core/domain/types.ts";
import type { PositionRow } from "../../core/exchange/stream-rows.ts";
import { EXEC_IDS_KEPT, StreamState, type ParsedRows } from "../../core/engine/stream-state.ts";

function makeOrder(o: Partial<ExchangeOrder> = {}): ExchangeOrder {
  return { id: "o1", linkId: "l1", symbol: "BTCUSDT", side: "sell", type: "market", price: undefined, triggerPrice: 59_000, qty: 0.1, filledQty: 0, reduceOnly: true, positionIdx: 0, status: "untriggered", updatedAt: 1_000, ...o } as ExchangeOrder;
}

function makePosition(p: Partial<ExchangePosition> = {}): ExchangePosition {
  return { symbol: "BTCUSDT", side: "long", positionIdx: 0, size: 0.1, entryPrice: 60_000, markPrice: 60_000, ...p } as ExchangePosition;
}

function positionRow(seq: number, size: number): PositionRow {
  return { key: "BTCUSDT:0", symbol: "BTCUSDT", positionIdx: 0, seq, updatedAt: seq, position: size > 0 ? makePosition({ size }) : undefined };
}

const orders = (...rows: ExchangeOrder[]): ParsedRows => ({ topic: "order", rows });
const positions = (...rows: PositionRow[]): ParsedRows => ({ topic: "position", rows });
const snap = (s: Partial<AccountSnapshot> = {}): AccountSnapshot => ({ account: "main", positions: [], orders: [], takenAt: 0, ...s });

describe("StreamState", () => {
  test("an order's latest updatedTime wins; an older row arriving late changes nothing", () => {
    const s = new StreamState("main");
    s.rebase(snap(), []);
    s.apply(orders(makeOrder({ updatedAt: 2_000, triggerPrice: 60_100 })));
    s.apply(orders(makeOrder({ updatedAt: 1_000, triggerPrice: 59_000 })));
    expect(s.snapshot(0).orders.map((o) => o.triggerPrice)).toEqual([60_100]);
  });

  test("a final state wins a tie: a cancel racing a fill leaves no working order", () => {
    for (const final of ["filled", "cancelled", "deactivated"] as OrderStatus[]) {
      const s = new StreamState("main");
      s.rebase(snap(), []);
      s.apply(orders(makeOrder({ status: final, updatedAt: 5_000 }), makeOrder({ status: "untriggered", updatedAt: 5_000 })));
      expect(s.snapshot(0).orders).toEqual([]);
    }
  });

  test("a position's highest seq wins, and a flat row removes it", () => {
    const s = new StreamState("main");
    s.rebase(snap({ positions: [makePosition()] }), []);
    s.apply(positions(positionRow(7, 0.3), positionRow(5, 0.2)));
    expect(s.snapshot(0).positions.map((p) => p.size)).toEqual([0.3]);
    s.apply(positions(positionRow(8, 0)));
    expect(s.snapshot(0).positions).toEqual([]);
  });

  test("apply says whether the view changed: a new open order or a resized position yes, the same position again or an execution no", () => {
    const s = new StreamState("main");
    s.rebase(snap({ positions: [makePosition({ size: 0.1 })] }), []);
    expect(s.apply(positions(positionRow(1, 0.1)))).toBe(false);
    expect(s.apply(positions(positionRow(2, 0.2)))).toBe(true);
    expect(s.apply(positions(positionRow(1, 0.3)))).toBe(false); // an older seq
    expect(s.apply({ topic: "execution", rows: [{ execId: "x", orderId: "o", symbol: "BTCUSDT", execTime: 1, trade: true }] })).toBe(false);
  });

  test("a rebase keeps the orders the stream saw close, so a vanished order is known without a REST lookup (regression: demo-30's cancelled stop cost 2 REST calls after a timer audit)", () => {
    const s = new StreamState("main");
    const stop = makeOrder({ id: "o1", linkId: "sl-1", status: "untriggered", updatedAt: 1 });
    s.rebase(snap({ orders: [stop] }), []);
    s.apply(orders({ ...stop, status: "cancelled", updatedAt: 2 }));
    s.rebase(snap({ orders: [] }), []);
    expect(s.orderByLinkId("sl-1")?.status).toBe("cancelled");
    expect(s.snapshot(3).orders).toEqual([]);
  });

  test("executions count once per execId; only trades are fills", () => {
    const s = new StreamState("main");
    const e = { execId: "e1", orderId: "o1", symbol: "BTCUSDT", execTime: 1, trade: true };
    s.apply({ topic: "execution", rows: [e, e, { execId: "f1", orderId: "", symbol: "BTCUSDT", execTime: 1, trade: false }] });
    s.apply({ topic: "execution", rows: [e] });
    expect(s.fills).toBe(1);
  });

  test("remembers a bounded number of execIds, forgetting the oldest", () => {
    const s = new StreamState("main");
    const rows = Array.from({ length: EXEC_IDS_KEPT + 1 }, (_, i) => ({ execId: `e${i}`, orderId: "o", symbol: "BTCUSDT", execTime: i, trade: true }));
    s.apply({ topic: "execution", rows });
    s.apply({ topic: "execution", rows: [rows[EXEC_IDS_KEPT]!] });
    expect(s.fills).toBe(EXEC_IDS_KEPT + 1);
    s.apply({ topic: "execution", rows: [rows[0]!] });
    expect(s.fills).toBe(EXEC_IDS_KEPT + 2);
  });

  test("a rebase starts from the REST snapshot and applies the rows received meanwhile", () => {
    const s = new StreamState("main");
    s.rebase(snap(), [orders(makeOrder({ id: "gone", status: "open" }))]);
    const rest = snap({ positions: [makePosition({ size: 0.1 })], orders: [makeOrder({ id: "o1", updatedAt: 1_000 })] });
    s.rebase(rest, [positions(positionRow(3, 0.15)), orders(makeOrder({ id: "o1", qty: 0.15, updatedAt: 1_500 }))]);
    const view = s.snapshot(9);
    expect(view.takenAt).toBe(9);
    expect(view.positions.map((p) => p.size)).toEqual([0.15]);
    expect(view.orders.map((o) => [o.id, o.qty])).toEqual([["o1", 0.15]]);
    expect(s.differences(rest).map((d) => d.kind).sort()).toEqual(["order", "position"]);
    expect(s.differences(view)).toEqual([]);
  });

  test("applying the same rows in any order gives the same view (property)", () => {
    const row = fc.record({
      id: fc.constantFrom("a", "b", "c"),
      updatedAt: fc.integer({ min: 0, max: 5 }),
      status: fc.constantFrom<OrderStatus>("open", "untriggered", "filled", "cancelled"),
      qty: fc.integer({ min: 1, max: 9 }),
    });
    const pos = fc.record({ seq: fc.integer({ min: 0, max: 1_000 }), size: fc.integer({ min: 0, max: 5 }) });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 12 }), fc.array(pos, { maxLength: 6 }), fc.integer(), (rows, rawPositions, seed) => {
        // One row per (id, updatedAt, status) and per seq: two rows that equal in every key but the payload would be two states of the venue at one instant.
        const unique = [...new Map(rows.map((r) => [`${r.id}:${r.updatedAt}:${r.status}`, r])).values()].filter((r, _, all) => all.filter((x) => x.id === r.id && x.updatedAt === r.updatedAt && ["open", "untriggered"].includes(x.status) === ["open", "untriggered"].includes(r.status)).length === 1);
        const ps = [...new Map(rawPositions.map((p) => [p.seq, p])).values()];
        const parsed: ParsedRows[] = [...unique.map((r) => orders(makeOrder({ id: r.id, updatedAt: r.updatedAt, status: r.status, qty: r.qty }))), ...ps.map((p) => positions(positionRow(p.seq, p.size)))];
        const shuffled = [...parsed].sort((a, b) => (hash(a, seed) - hash(b, seed)));
        const one = new StreamState("main");
        const two = new StreamState("main");
        for (const p of parsed) one.apply(p);
        for (const p of shuffled) two.apply(p);
        const norm = (s: AccountSnapshot) => JSON.stringify({ p: s.positions, o: [...s.orders].sort((x, y) => x.id.localeCompare(y.id)) });
        expect(norm(two.snapshot(0))).toBe(norm(one.snapshot(0)));
      }),
    );
  });
});

function hash(value: unknown, seed: number): number {
  let h = seed | 0;
  for (const ch of JSON.stringify(value)) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}
