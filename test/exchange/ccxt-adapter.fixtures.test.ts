/**
 * The ccxt adapter against recorded Bybit responses replayed through msw: ccxt's real
 * request building, signing and parsing run; the replay log is the ground truth for the
 * requests the adapter says it made.
 */
import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtualClock } from "../../core/clock.ts";
import { createBybitAccount, type BybitAccountOptions } from "../../core/exchange/ccxt-adapter.ts";
import { FIXTURE_BASE, type ReplayLogEntry, useReplayServer } from "./bybit-fixtures.ts";

const { log } = useReplayServer();

function makeAccount(overrides: Partial<BybitAccountOptions> = {}) {
  return createBybitAccount({ account: "main", apiKey: "fixture-key", secret: "fixture-secret", baseUrl: FIXTURE_BASE, clock: new VirtualClock(1_700_000_000_000), ...overrides });
}

function bodyOf(entry: ReplayLogEntry | undefined): Record<string, unknown> {
  return JSON.parse(entry?.body ?? "{}") as Record<string, unknown>;
}

describe("ccxt adapter on recorded Bybit responses", () => {
  test("loads linear markets once with two requests and maps tick and lot sizes", async () => {
    const account = makeAccount();
    const instruments = await account.instruments();
    await account.instruments();
    expect(log.map((e) => e.path)).toEqual(["/v5/market/instruments-info", "/v5/market/instruments-info"]);
    expect(log.every((e) => e.query.get("category") === "linear")).toBe(true);
    const btc = instruments.get("BTCUSDT");
    expect(btc).toEqual({ symbol: "BTCUSDT", tickSize: 0.1, qtyStep: 0.001, minQty: 0.001 });
  });

  test("reads every position with settleCoin and limit 200 in one call when the page is short", async () => {
    const account = makeAccount();
    const positions = await account.positions();
    const reads = log.filter((e) => e.path === "/v5/position/list");
    expect(reads).toHaveLength(1);
    expect(reads[0]?.query.get("settleCoin")).toBe("USDT");
    expect(reads[0]?.query.get("limit")).toBe("200");
    expect(reads[0]?.query.get("category")).toBe("linear");
    expect(positions).toEqual([{ symbol: "LTCUSDT", side: "long", positionIdx: 0, size: 1.2, entryPrice: 64.59947917, markPrice: expect.any(Number), openedAt: 1677168085779 }]);
  });

  test("reads open orders with limit 50 and stops on a short page despite Bybit's non-empty cursor", async () => {
    const account = makeAccount();
    const orders = await account.openOrders();
    const reads = log.filter((e) => e.path === "/v5/order/realtime");
    expect(reads).toHaveLength(1);
    expect(reads[0]?.query.get("limit")).toBe("50");
    expect(reads[0]?.query.get("settleCoin")).toBe("USDT");
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ symbol: "BTCUSDT", side: "buy", type: "limit", price: 102000, qty: 0.001, status: "open", linkId: "" });
  });

  test("places a conditional reduce-only order with its linkId and formatted trigger, without probing the account type", async () => {
    const account = makeAccount();
    const outcome = await account.place({ symbol: "BTCUSDT", linkId: "w-main-BTCUSDT-sl-1", side: "sell", type: "market", qty: 0.0123, triggerPrice: 25000.04, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true });
    expect(outcome).toEqual({ status: "ok", orderId: "44ce1d85-3458-4ec3-af76-41a4cf80c9b3" });
    expect(log.some((e) => e.path === "/v5/user/query-api" || e.path === "/v5/account/info")).toBe(false);
    const create = log.find((e) => e.path === "/v5/order/create");
    expect(bodyOf(create)).toMatchObject({ symbol: "BTCUSDT", side: "Sell", orderType: "Market", category: "linear", qty: "0.012", orderLinkId: "w-main-BTCUSDT-sl-1", reduceOnly: true, closeOnTrigger: true, triggerPrice: "25000", triggerDirection: 2 });
  });

  test("amends by orderLinkId with prices and sizes sent as formatted strings", async () => {
    const account = makeAccount();
    const outcome = await account.amend({ symbol: "BTCUSDT", linkId: "w-main-BTCUSDT-sl-1", qty: 0.0209, triggerPrice: 26000.04 });
    expect(outcome.status).toBe("ok");
    const amend = bodyOf(log.find((e) => e.path === "/v5/order/amend"));
    expect(amend).toEqual({ category: "linear", symbol: "BTCUSDT", orderLinkId: "w-main-BTCUSDT-sl-1", qty: "0.02", triggerPrice: "26000" });
  });

  test("cancels by orderLinkId", async () => {
    const account = makeAccount();
    const outcome = await account.cancel("BTCUSDT", "w-main-BTCUSDT-tp1-1");
    expect(outcome.status).toBe("ok");
    expect(bodyOf(log.find((e) => e.path === "/v5/order/cancel"))).toMatchObject({ category: "linear", symbol: "BTCUSDT", orderLinkId: "w-main-BTCUSDT-tp1-1" });
  });

  test("looks an order up in open orders first by orderLinkId", async () => {
    const account = makeAccount();
    const found = await account.lookupOrder("BTCUSDT", "any");
    expect(found?.symbol).toBe("BTCUSDT");
    const lookup = log.filter((e) => e.path.startsWith("/v5/order/"));
    expect(lookup.map((e) => e.path)).toEqual(["/v5/order/realtime"]);
    expect(lookup[0]?.query.get("orderLinkId")).toBe("any");
  });

  test("counts every request it makes, by endpoint, exactly as the server saw them", async () => {
    const account = makeAccount();
    await Promise.all([account.positions(), account.openOrders()]);
    await account.place({ symbol: "BTCUSDT", linkId: "a", side: "buy", type: "limit", qty: 0.001, price: 20000, reduceOnly: false });
    await account.cancel("BTCUSDT", "a");
    const stats = account.requestStats();
    expect(stats.total).toBe(log.length);
    const byPath: Record<string, number> = {};
    for (const e of log) byPath[e.path] = (byPath[e.path] ?? 0) + 1;
    expect(stats.byEndpoint).toEqual(byPath);
  });

  test("signs private requests with the key in headers and sends it nowhere else", async () => {
    const account = makeAccount();
    await account.positions();
    const read = log.find((e) => e.path === "/v5/position/list");
    expect(read?.headers.get("x-bapi-api-key")).toBe("fixture-key");
    expect(read?.query.toString()).not.toContain("fixture-key");
  });

  test("caches markets on disk and a second run loads none", async () => {
    const dir = await mkdtemp(join(tmpdir(), "warden-markets-"));
    try {
      const path = join(dir, "markets.json");
      const first = await makeAccount({ marketsCachePath: path }).instruments();
      expect(log).toHaveLength(2);
      const second = makeAccount({ marketsCachePath: path });
      expect(await second.instruments()).toEqual(first);
      await second.positions();
      expect(log).toHaveLength(3);
      expect(second.requestStats().byEndpoint).toEqual({ "/v5/position/list": 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
