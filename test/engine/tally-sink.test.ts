/** The run's TallySink: what `warden status` takes from the events (last rule per monitor, recent alerts and REST calls). */
import { describe, expect, test } from "bun:test";
import { MemorySink, type WardenEvent } from "../../core/logs/event.ts";
import { RECENT_WINDOW_MS, TallySink } from "../../core/engine/run-summary.ts";

const event = (name: string, fields: Record<string, unknown> = {}, ts = "2025-07-24T10:00:00.000Z"): WardenEvent => ({ ts, level: "info", component: "engine", event: name, ...fields });

describe("TallySink", () => {
  test("keeps the last rule applied per monitor, with the event's time, and passes every event on", () => {
    const next = new MemorySink();
    const tally = new TallySink(next, () => 0);
    tally.emit(event("rule.applied", { monitor: "main:BTCUSDT:long", rule: "tp-placed" }));
    tally.emit(event("rule.applied", { monitor: "main:BTCUSDT:long", rule: "tp1-filled-breakeven" }, "2025-07-24T10:05:00.000Z"));
    tally.emit(event("rule.applied", { monitor: "main:ETHUSDT:short", rule: "sl-restored" }));
    expect(tally.lastRules.get("main:BTCUSDT:long")).toEqual({ rule: "tp1-filled-breakeven", at: "2025-07-24T10:05:00.000Z" });
    expect(tally.lastRules.get("main:ETHUSDT:short")?.rule).toBe("sl-restored");
    expect(tally.rules).toEqual({ "tp-placed": 1, "tp1-filled-breakeven": 1, "sl-restored": 1 });
    expect(next.events).toHaveLength(3);
  });

  test("counts alerts and cycle REST calls by the time it saw them, over the last hour", () => {
    let now = 1_000_000;
    const tally = new TallySink(new MemorySink(), () => now);
    tally.emit(event("alert", { kind: "unprotected" }));
    tally.emit(event("cycle.completed", { restCalls: 5 }));
    now += 30_000;
    tally.emit(event("alert", { kind: "outage" }));
    tally.emit(event("cycle.completed", { restCalls: 3 }));
    tally.emit(event("mirror.diverged", {}));
    expect(tally.alertsSince(now - 60_000)).toBe(2);
    expect(tally.alertsSince(now - 10_000)).toBe(1);
    expect(tally.restCallsSince(now - 60_000)).toBe(8);
    expect(tally.restCallsSince(now - 10_000)).toBe(3);
    expect(tally.alerts).toBe(3); // the run summary still counts divergences among its alerts
    now += RECENT_WINDOW_MS;
    tally.emit(event("cycle.completed", { restCalls: 1 }));
    expect(tally.alertsSince(now - RECENT_WINDOW_MS)).toBe(1);
    expect(tally.restCallsSince(0)).toBe(4);
  });
});
