import { describe, expect, test } from "bun:test";
import { ConnectionPoolMeter } from "../../core/bench/connection-pool.ts";

/** A transport whose responses are released by hand. */
function heldTransport() {
  const waiting: (() => void)[] = [];
  const f = ((_input: RequestInfo | URL, _init?: RequestInit) =>
    new Promise<Response>((resolve) => waiting.push(() => resolve(new Response("{}"))))) as typeof fetch;
  return { f, releaseAll: () => waiting.splice(0).forEach((r) => r()) };
}

describe("connection pool meter", () => {
  test("counts a pool warning for each request started while 10 are in flight", async () => {
    const t = heldTransport();
    const meter = new ConnectionPoolMeter(10);
    const f = meter.wrap(t.f);
    const pending = Array.from({ length: 13 }, () => f("https://api.bybit.com/v5/order/realtime"));
    expect(meter.inFlight()).toBe(13);
    t.releaseAll();
    await Promise.all(pending);
    expect(meter.counts()).toEqual({ requests: 13, reads: 13, writes: 0, poolWarnings: 3, peakInFlight: 13 });
    expect(meter.inFlight()).toBe(0);
  });

  test("ten at a time never warns, and writes are told from reads by method", async () => {
    const t = heldTransport();
    const meter = new ConnectionPoolMeter();
    const f = meter.wrap(t.f);
    for (let round = 0; round < 3; round++) {
      const batch = Array.from({ length: 10 }, (_, i) => f("https://api.bybit.com/v5/order/create", { method: i % 2 === 0 ? "POST" : "GET" }));
      t.releaseAll();
      await Promise.all(batch);
    }
    expect(meter.counts()).toMatchObject({ requests: 30, reads: 15, writes: 15, poolWarnings: 0, peakInFlight: 10 });
  });

  test("a failed request leaves the pool", async () => {
    const meter = new ConnectionPoolMeter(1);
    const f = meter.wrap((() => Promise.reject(new Error("reset"))) as unknown as typeof fetch);
    await expect(f("https://x/")).rejects.toThrow("reset");
    await expect(f("https://x/")).rejects.toThrow("reset");
    expect(meter.counts().poolWarnings).toBe(0);
  });
});
