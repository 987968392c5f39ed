import { describe, expect, test } from "bun:test";
import { VirtualClock, sleep } from "../../core/clock.ts";
import type { AccountId, ExchangeOrder, ExchangePosition } from "../../core/domain/types.ts";
import type { AccountExchange } from "../../core/exchange/port.ts";
import { defaultEngineConfig } from "../../core/engine/config.ts";
import { NaiveReadPath } from "../../core/engine/naive-read-path.ts";
import { readPathFor } from "../../core/engine/read-paths.ts";
import { MemoryExchange } from "../../core/exchange/memory-exchange.ts";
import { OLD_TTL_MS, TtlReadPath } from "../../core/engine/ttl-read-path.ts";

/** A stub account: a position per symbol and `orders` orders spread over the symbols; counts its calls and how many run at once. */
function stubExchange(opts: { account?: AccountId; symbols?: string[]; orders?: number; delayMs?: number } = {}) {
  const symbols = opts.symbols ?? ["BTCUSDT", "ETHUSDT", "LTCUSDT"];
  const orders: ExchangeOrder[] = Array.from({ length: opts.orders ?? 91 }, (_, i) => ({
    id: `o${i}`,
    linkId: "",
    symbol: symbols[i % symbols.length] as string,
    side: "sell",
    type: "limit",
    price: 100 + i,
    triggerPrice: undefined,
    qty: 1,
    filledQty: 0,
    reduceOnly: true,
    positionIdx: 0,
    status: "open",
    updatedAt: 0,
  }));
  const calls = { position: 0, openOrders: 0, inFlight: 0, peak: 0 };
  const timed = async <T>(value: T): Promise<T> => {
    calls.inFlight += 1;
    calls.peak = Math.max(calls.peak, calls.inFlight);
    await sleep(opts.delayMs ?? 1);
    calls.inFlight -= 1;
    return value;
  };
  const unused = () => Promise.reject(new Error("not used by the legacy read paths"));
  const ex: AccountExchange = {
    account: opts.account ?? "main",
    instruments: unused,
    positions: (symbol?: string) => {
      if (symbol === undefined) return unused();
      calls.position += 1;
      const p: ExchangePosition = { symbol, side: "long", positionIdx: 0, size: 1, entryPrice: 100, markPrice: 101 };
      return timed([p]);
    },
    openOrders: (symbol?: string) => {
      calls.openOrders += 1;
      return timed(symbol === undefined ? orders : orders.filter((o) => o.symbol === symbol));
    },
    position: unused,
    lookupOrder: unused,
    place: unused,
    amend: unused,
    cancel: unused,
    requestStats: () => ({ total: calls.position + calls.openOrders, byEndpoint: {} }),
  };
  return { ex, calls, symbols };
}

const keys = (symbols: string[], account: AccountId = "main") => symbols.map((symbol) => ({ account, symbol }));

describe("naive read path", () => {
  test("every due monitor fetches its own position and the full open-order list, concurrently, and every read is a miss", async () => {
    const { ex, calls, symbols } = stubExchange();
    const path = new NaiveReadPath(new Map([["main", ex]]), new VirtualClock(0));
    await path.prepare(keys(symbols));
    expect(calls.position).toBe(3);
    expect(calls.openOrders).toBe(3);
    expect(calls.peak).toBe(3);
    expect(path.cycleStats()).toEqual({ hits: 0, misses: 3, loads: 0, coalesced: 0 });
    const view = path.view({ account: "main", symbol: "ETHUSDT" });
    expect(view.orders.length).toBe(30);
    expect(view.orders.every((o) => o.symbol === "ETHUSDT")).toBe(true);
    expect(view.position?.symbol).toBe("ETHUSDT");
  });

  test("reads again next cycle: nothing is kept", async () => {
    const { ex, calls, symbols } = stubExchange();
    const path = new NaiveReadPath(new Map([["main", ex]]), new VirtualClock(0));
    await path.prepare(keys(symbols));
    path.resetCycle();
    await path.prepare(keys(symbols));
    expect(calls.openOrders).toBe(6);
    expect(path.cycleStats().misses).toBe(3);
    expect(path.totalStats().misses).toBe(6);
  });

  test("a key that was not prepared has no view", async () => {
    const { ex } = stubExchange();
    const path = new NaiveReadPath(new Map([["main", ex]]), new VirtualClock(0));
    await path.prepare([]);
    expect(() => path.view({ account: "main", symbol: "BTCUSDT" })).toThrow(RangeError);
  });
});

describe("ttl read path", () => {
  test("serves a key from its entry for 15 s on the injected clock, then reads again", async () => {
    const { ex, calls, symbols } = stubExchange();
    const clock = new VirtualClock(1_000_000);
    const path = new TtlReadPath(new Map([["main", ex]]), clock);
    await path.prepare(keys(symbols));
    expect(path.cycleStats()).toEqual({ hits: 0, misses: 3, loads: 0, coalesced: 0 });
    for (const advance of [5_000, 5_000]) {
      clock.advance(advance);
      path.resetCycle();
      await path.prepare(keys(symbols));
      expect(path.cycleStats()).toEqual({ hits: 3, misses: 0, loads: 0, coalesced: 0 });
    }
    expect(calls.openOrders).toBe(3);
    clock.advance(OLD_TTL_MS - 10_000);
    path.resetCycle();
    await path.prepare(keys(symbols));
    expect(path.cycleStats().misses).toBe(3);
    expect(calls.openOrders).toBe(6);
    expect(path.totalStats()).toEqual({ hits: 6, misses: 6, loads: 0, coalesced: 0 });
  });

  test("a miss fetches the position and the FULL open-order list (all symbols), and keeps only its symbol", async () => {
    const { ex, calls } = stubExchange({ orders: 91 });
    const path = new TtlReadPath(new Map([["main", ex]]), new VirtualClock(0));
    await path.prepare(keys(["BTCUSDT"]));
    expect(calls).toMatchObject({ position: 1, openOrders: 1 });
    expect(path.view({ account: "main", symbol: "BTCUSDT" }).orders.length).toBe(31);
  });

  test("concurrent misses on one key are not coalesced (the old cache's behaviour)", async () => {
    const { ex, calls } = stubExchange();
    const path = new TtlReadPath(new Map([["main", ex]]), new VirtualClock(0));
    await path.prepare(keys(["BTCUSDT", "BTCUSDT"]));
    expect(calls.openOrders).toBe(2);
    expect(path.cycleStats().misses).toBe(2);
  });

  test("a write invalidates the written symbol only", async () => {
    const { ex, calls, symbols } = stubExchange();
    const clock = new VirtualClock(0);
    const path = new TtlReadPath(new Map([["main", ex]]), clock);
    await path.prepare(keys(symbols));
    path.invalidate("main", "BTCUSDT");
    path.resetCycle();
    clock.advance(1_000);
    await path.prepare(keys(symbols));
    expect(path.cycleStats()).toEqual({ hits: 2, misses: 1, loads: 0, coalesced: 0 });
    expect(calls.position).toBe(4);
  });

  test("keeps accounts apart", async () => {
    const main = stubExchange({ account: "main" });
    const mirror = stubExchange({ account: "mirror" });
    const path = new TtlReadPath(new Map<AccountId, AccountExchange>([["main", main.ex], ["mirror", mirror.ex]]), new VirtualClock(0));
    await path.prepare([...keys(["BTCUSDT"]), ...keys(["BTCUSDT"], "mirror")]);
    expect(main.calls.openOrders).toBe(1);
    expect(mirror.calls.openOrders).toBe(1);
    expect(path.cycleStats().misses).toBe(2);
  });
});

describe("hedge mode: every read path", () => {
  for (const strategy of ["warden", "ttl", "naive"] as const) {
    test(`${strategy}: a monitor's view holds both the long and the short of its symbol`, async () => {
      const clock = new VirtualClock(1_000_000);
      const mem = new MemoryExchange("main", { clock, marks: { BTCUSDT: 60_000, ETHUSDT: 3_000 }, positionMode: "hedge" });
      mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
      mem.setPosition("BTCUSDT", "short", 0.05, 60_500);
      mem.setPosition("ETHUSDT", "short", 1, 3_000);
      const path = readPathFor(strategy, new Map([["main", mem]]), clock, defaultEngineConfig());
      await path.prepare(keys(["BTCUSDT", "ETHUSDT"]));
      const view = path.view({ account: "main", symbol: "BTCUSDT" });
      expect(view.positions.map((p) => [p.side, p.positionIdx, p.size]).sort()).toEqual([["long", 1, 0.1], ["short", 2, 0.05]]);
      expect(view.position).toEqual(view.positions[0]);
      expect(path.view({ account: "main", symbol: "ETHUSDT" }).positions.map((p) => p.side)).toEqual(["short"]);
    });
  }
});
