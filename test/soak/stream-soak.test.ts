/**
 * A short stream soak (core/soak/soak.ts with `stream`) as a CI gate: 200 engine cycles read
 * through the simulator's private stream, seed 13, 5% of REST requests faulted, stream faults
 * at 12% of the steps (seed 13 injects every kind: close, drop, stall, dropped, duplicated,
 * delayed and reordered frames, refused auth and subscribe), a trader's hand between cycles.
 * Every invariant holds, and after every audit Warden's view equals the venue's: fills missed
 * or applied twice after the next audit, 0.
 * `npx bun scripts/soak.ts --stream --cycles 200 --seed 13 --stream-fault-rate 0.12` prints it.
 */
import { describe, expect, test } from "bun:test";
import { runSoak } from "../../core/soak/soak.ts";
import { STREAM_FAULT_KINDS } from "../../core/soak/stream-fault-mix.ts";

describe("stream soak", () => {
  test("200 cycles with REST and stream faults keep every invariant; no fill missed or applied twice after an audit", async () => {
    const report = await runSoak({ cycles: 200, seed: 13, stream: true, streamFaultRate: 0.12 });
    const s = report.stream!;
    // every kind of stream fault was injected and acted
    expect(Object.keys(s.faultsActed).sort()).toEqual([...STREAM_FAULT_KINDS].sort());
    // Warden left the stream and came back, and audits were checked against the venue
    expect(Object.values(s.fallbacks).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(s.fallbacks["silent link (dead-link timeout)"]).toBeGreaterThan(0);
    expect(s.returnsToLive).toBeGreaterThan(0);
    expect(s.audits["reconnect"]).toBeGreaterThan(0);
    expect(s.auditsChecked).toBeGreaterThan(20);
    expect(s.executionsDelivered.distinct).toBeGreaterThan(0);
    expect(s.executionsCounted).toBeLessThanOrEqual(s.executionsDelivered.distinct);
    expect(report.interventions["cancel-order"].applied + report.interventions["close"].applied).toBeGreaterThan(0);
    expect(s.fillsMissedAfterAudit + s.fillsDoubled).toBe(0);
    expect(report.breaches.examples).toEqual({ "flat-order": [], "duplicate-order": [], "tp-above-size": [], "stop-loosened": [], unprotected: [], "engine-error": [], "fill-after-audit": [], "fill-counted-twice": [] });
    expect(report.breaches.total).toBe(0);
  }, 60_000);

  test("one seed gives one stream run (the stream's timers run on the virtual clock)", async () => {
    const a = await runSoak({ cycles: 100, seed: 2, stream: true, streamFaultRate: 0.12 });
    const b = await runSoak({ cycles: 100, seed: 2, stream: true, streamFaultRate: 0.12 });
    expect(Object.values(a.stream!.faultsActed).reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    expect({ ...b, wallMs: 0 }).toEqual({ ...a, wallMs: 0 });
  }, 60_000);
});
