/**
 * demo-30 played whole in stream mode on the in-process simulator (its private stream, the
 * same client code as against `sim serve`): no GET of any /v5/ path outside the audits
 * (each audit is one account snapshot at the floor), the same rules fire as when polling, and
 * nothing is left unprotected. Every cycle emits `cycle.completed`.
 */
import { describe, expect, test } from "bun:test";
import { openSimSession } from "../../app/sim-session.ts";
import type { WardenEvent } from "../../core/logs/event.ts";
import { loadScenario } from "../../core/sim/scenario.ts";

async function play(stream: boolean) {
  const events: WardenEvent[] = [];
  const s = await openSimSession(loadScenario("demo-30"), { strategy: "warden", latency: "zero", stream, sink: { emit: (e) => events.push(e) } });
  const start = s.sim.log.length;
  const reports = [];
  while (!s.finished()) reports.push(await s.runCycle());
  await s.close();
  const log = s.sim.log.slice(start);
  const rules = events.filter((e) => e.event === "rule.applied").map((e) => `${String(e["monitor"])} ${String(e["rule"])}`).sort();
  return { events, reports, log, rules };
}

describe("demo-30 in stream mode", () => {
  test("makes no REST read between audits, fires the rules polling fires, and leaves nothing unprotected", async () => {
    const polling = await play(false);
    const stream = await play(true);
    const gets = stream.log.filter((e) => e.method === "GET" && e.path.startsWith("/v5/")).length;
    const audits = stream.events.filter((e) => e.event === "stream.audit");
    const auditCalls = audits.reduce((n, e) => n + Number(e["calls"]), 0);
    expect(audits.length).toBeGreaterThan(20); // one per account per minute of virtual time, and going live
    expect(gets).toBe(auditCalls);
    // an audit is one account snapshot at the floor: ceil(N/200) position pages + ceil(M/50) order pages
    for (const a of audits) expect(Number(a["calls"])).toBeLessThanOrEqual(3);
    expect(stream.events.filter((e) => e.event === "stream.fallback")).toEqual([]);
    expect(stream.events.filter((e) => e.event === "cycle.completed")).toHaveLength(stream.reports.length);
    expect(stream.rules).toEqual(polling.rules);
    expect(stream.reports.at(-1)?.unprotected).toBe(0);
    expect(Math.max(...stream.reports.map((r) => r.longestUnprotectedMs))).toBeLessThanOrEqual(Math.max(...polling.reports.map((r) => r.longestUnprotectedMs)));
    // polling reads at its floor every cycle; the stream reads only to audit
    expect(gets).toBeLessThan(polling.log.filter((e) => e.method === "GET" && e.path.startsWith("/v5/")).length / 10);
  }, 60_000);
});
