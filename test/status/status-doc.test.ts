/** The status document built from the engine's monitors, and the verdict of `status --check` on it. */
import { describe, expect, test } from "bun:test";
import { checkStatus, freshness } from "../../core/status/check.ts";
import { checkStatusDoc } from "../../core/status/status-doc.ts";
import { makeMonitor, T0 } from "../domain/builders.ts";
import { makeStatus, protectedMonitor, WALL, withProtection } from "./builders.ts";

describe("buildStatus", () => {
  test("shows a protected long with its stop distance, full coverage, TPs, plan and protection", () => {
    const doc = makeStatus([protectedMonitor()]);
    expect(doc.positions).toHaveLength(1);
    expect(doc.positions[0]).toEqual({
      monitor: "main:BTCUSDT:long",
      account: "main",
      symbol: "BTCUSDT",
      side: "long",
      size: 0.1,
      entryPrice: 60_000,
      mark: 60_000,
      stop: { trigger: 59_000, qty: 0.1, coversSize: true, distancePct: 1.67 },
      tps: { filled: 0, working: 4 },
      plan: { kind: "conservative", ladder: [85, 5, 5, 5], source: "default" },
      protection: "protected",
      protectionSince: new Date(T0).toISOString(),
      protectionReason: null,
      lastRule: null,
    });
    expect(checkStatusDoc(doc)).toEqual({ doc });
  });

  test("measures a short's stop distance above the mark, and a stop past the mark as negative", () => {
    const short = protectedMonitor({ side: "short", plan: "fast" });
    expect(makeStatus([short]).positions[0]?.stop?.distancePct).toBe(1.67);
    expect(makeStatus([short], { marks: new Map([["BTCUSDT", 61_500]]) }).positions[0]?.stop?.distancePct).toBe(-0.81);
  });

  test("a stop short of the size by more than one lot does not cover it; by one lot it does", () => {
    const m = protectedMonitor();
    const shrink = (qty: number) => ({ ...m, orders: m.orders.map((o) => (o.role === "sl" ? { ...o, qty } : o)) });
    expect(makeStatus([shrink(0.099)]).positions[0]?.stop?.coversSize).toBe(true);
    expect(makeStatus([shrink(0.098)]).positions[0]?.stop?.coversSize).toBe(false);
    expect(makeStatus([m], { instruments: new Map() }).positions[0]?.stop?.coversSize).toBeNull();
  });

  test("counts filled and working TPs", () => {
    const m = protectedMonitor();
    const tp1Filled = { ...m, orders: m.orders.map((o) => (o.role === "tp" && o.index === 0 ? { ...o, state: "filled" as const, filledQty: o.qty } : o)) };
    expect(makeStatus([tp1Filled]).positions[0]?.tps).toEqual({ filled: 1, working: 3 });
  });

  test("a plan that follows orders found on the exchange says so", () => {
    const m = protectedMonitor({ plan: "fast" });
    const adopted = { ...m, orders: m.orders.map((o) => (o.role === "tp" ? { ...o, linkId: "trader-tp-1" } : o)) };
    expect(makeStatus([adopted]).positions[0]?.plan).toEqual({ kind: "fast", ladder: [100], source: "exchange orders" });
    expect(makeStatus([m]).positions[0]?.plan.source).toBe("default");
  });

  test("without a stop or a mark, the stop and distance are null", () => {
    const naked = withProtection(makeMonitor({ sl: false }), "unprotected", "no stop working", T0 + 4000);
    const p = makeStatus([naked], { marks: new Map() }).positions[0];
    expect(p?.stop).toBeNull();
    expect(p?.mark).toBeNull();
    expect(p).toMatchObject({ protection: "unprotected", protectionReason: "no stop working", protectionSince: new Date(T0 + 4000).toISOString() });
  });

  test("a position never evaluated counts as unprotected, not as fine", () => {
    expect(makeStatus([makeMonitor()]).positions[0]).toMatchObject({ protection: "unprotected", protectionSince: null, protectionReason: "not evaluated yet" });
  });

  test("lists open positions only: closed monitors are left out, waiting ones counted", () => {
    const closed = { ...protectedMonitor({ side: "short" }), status: "closed" as const };
    const waiting = { ...makeMonitor({ account: "mirror", size: 0, tps: false, sl: false }), size: 0 };
    const doc = makeStatus([protectedMonitor(), closed, waiting]);
    expect(doc.positions.map((p) => p.monitor)).toEqual(["main:BTCUSDT:long"]);
    expect(doc.engine.waiting).toBe(1);
  });

  test("carries the last rule applied and the engine's figures", () => {
    const doc = makeStatus([protectedMonitor()], { lastRules: new Map([["main:BTCUSDT:long", { rule: "tp1-filled-breakeven", at: "2025-06-15T15:06:40.000Z" }]]) });
    expect(doc.positions[0]?.lastRule).toEqual({ rule: "tp1-filled-breakeven", at: "2025-06-15T15:06:40.000Z" });
    expect(doc.engine).toEqual({
      pid: 4242, exchange: "bybit", clock: "wall", intervalMs: 2000, readMode: "polling", restCallsPerMinute: 60, alertsLastHour: 0,
      cycle: 7, cycleAt: new Date(T0 + 14_000).toISOString(), cycleDurationMs: 12.35, cycleRestCalls: 2, unprotected: 0, failedAccounts: 0, waiting: 0,
    });
    expect(doc.writtenAt).toBe(new Date(WALL).toISOString());
  });

  test("a value that is not a status document names what is wrong", () => {
    const doc = makeStatus([protectedMonitor()]);
    expect(checkStatusDoc({ ...doc, positions: [{ ...doc.positions[0], protection: "fine" }] })).toMatchObject({ problem: expect.stringContaining("positions.0.protection") });
    expect(checkStatusDoc({ version: 2 })).toHaveProperty("problem");
  });
});

describe("checkStatus", () => {
  const now = WALL + 1_000;

  test("ok when every position is protected, without a stop by choice, or standing by, and the engine is fresh", () => {
    const monitors = [protectedMonitor(), withProtection(makeMonitor({ side: "short" }), "no-stop", "without a stop by the trader's choice"), withProtection(makeMonitor({ account: "mirror" }), "stand-by", "another instance")];
    const verdict = checkStatus(makeStatus(monitors), now);
    expect(verdict).toEqual({ ok: true, reasons: [], line: "OK: 3 positions protected (1 no-stop, 1 stand-by); engine alive, last cycle 1.0 s ago" });
  });

  test("fails naming each unprotected position, with why and since when", () => {
    const naked = withProtection(makeMonitor({ sl: false }), "unprotected", "no stop working", T0 + 4000);
    const verdict = checkStatus(makeStatus([naked, protectedMonitor({ side: "short" })]), now);
    expect(verdict.ok).toBe(false);
    expect(verdict.reasons).toEqual([`main:BTCUSDT:long unprotected since ${new Date(T0 + 4000).toISOString()} (no stop working)`]);
    expect(verdict.line).toStartWith("FAILED: main:BTCUSDT:long unprotected");
  });

  test("fails on positions counted unprotected that have no monitor (unknown instruments)", () => {
    const doc = makeStatus([protectedMonitor()], { cycle: { cycle: 3, at: T0, durationMs: 1, restCalls: 2, unprotected: 2 } });
    expect(checkStatus(doc, now).reasons).toEqual(["2 more positions unprotected (on instruments Warden could not load)"]);
  });

  test("the engine is stale beyond 3 intervals, or beyond --max-age when given", () => {
    const doc = makeStatus([protectedMonitor()]);
    expect(freshness(doc, WALL + 6_000)).toEqual({ ageMs: 6_000, limitMs: 6_000, stale: false });
    expect(checkStatus(doc, WALL + 6_001).reasons).toEqual(["engine stale: last cycle 6.0 s ago, limit 6.0 s"]);
    expect(checkStatus(doc, WALL + 100_000, 120_000).ok).toBe(true);
    expect(checkStatus(doc, WALL + 100_000, 60_000).line).toBe("FAILED: engine stale: last cycle 100 s ago, limit 60 s");
  });

  test("no open positions and a fresh engine is ok", () => {
    expect(checkStatus(makeStatus([]), now).line).toBe("OK: no open positions; engine alive, last cycle 1.0 s ago");
  });
});
