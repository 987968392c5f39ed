/**
 * The in-process simulator session as `run --exchange sim` composes it: the exchange's
 * answers are read on the engine's (virtual) clock.
 */
import { describe, expect, test } from "bun:test";
import { openSimSession } from "../../app/sim-session.ts";
import { MemorySink } from "../../core/logs/event.ts";
import { buildScenario } from "../support/sim-requests.ts";

describe("sim session", () => {
  test("regression: one rate-limited read (10006) backs the account off until Bybit's reset, not for the year between wall and scenario time", async () => {
    const scenario = buildScenario({ faults: [{ kind: "10006", path: "/v5/position/list", fromStep: 2, count: 1 }], latency: "zero" });
    const sink = new MemorySink();
    const session = await openSimSession(scenario, { strategy: "warden", sink });
    const reports = [];
    for (let i = 0; i < 8 && !session.finished(); i++) reports.push(await session.runCycle());
    const failed = reports.map((r) => r.failedAccounts);
    expect(failed.some((n) => n > 0)).toBe(true); // the fault fired
    const last = failed.lastIndexOf(1);
    expect(failed.slice(last + 1).length).toBeGreaterThanOrEqual(3);
    expect(failed.slice(last + 1)).toEqual(failed.slice(last + 1).map(() => 0)); // and the account is read again right after
    // the back-off ends at Bybit's reset, on the wall clock the budget runs on: seconds away, not a year
    const until = sink.named("rate.backoff").map((e) => Date.parse(String(e["until"])) - Date.now());
    expect(until.length).toBe(1);
    expect(until[0]!).toBeLessThan(60_000);
  });
});
