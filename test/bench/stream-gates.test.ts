/**
 * The stream strategy's gates on real sessions (demo-30, the recorded latency model, its
 * first 46 steps: three entry fills at steps 43 and 44): they pass as built, and the
 * fill-to-reaction gates fail when the stream's writes are made slow (a fetch wrapper holding
 * each POST back 200 ms before it leaves).
 */
import { describe, expect, test } from "bun:test";
import { runBench } from "../../core/bench/bench.ts";
import type { BenchDocument } from "../../core/bench/document.ts";
import { openBenchSession } from "../../core/bench/sim-bench-session.ts";

function gate(doc: BenchDocument, id: string) {
  const g = doc.gates.find((x) => x.id === id);
  if (g === undefined) throw new Error(`no gate ${id}`);
  return g;
}

const slowWrites = (f: typeof fetch) =>
  (async (input: RequestInfo | URL, init?: RequestInit) => {
    if ((init?.method ?? "GET").toUpperCase() === "POST") await new Promise((r) => setTimeout(r, 200));
    return f(input, init);
  }) as typeof fetch;

describe("stream gates", () => {
  test("pass on demo-30: no REST read between audits, reactions within a write round trip, 10x faster than polling", async () => {
    const doc = await runBench({ scenario: "demo-30", strategies: ["warden", "stream"], cycles: 46, latency: "recorded", seed: 2, open: openBenchSession });
    const stream = doc.strategies.stream?.live;
    expect(stream?.reaction.answered).toBe(3);
    expect(stream?.reaction.unanswered).toBe(0);
    expect(doc.strategies.warden?.live?.reaction.answered).toBe(3);
    expect(gate(doc, "stream.no-rest-reads-between-audits")).toMatchObject({ value: 0, pass: true });
    expect(gate(doc, "stream.fill-to-reaction-p99-within-write-round-trip-p99-plus-25ms")).toMatchObject({ limit: 175, pass: true });
    expect(gate(doc, "stream.fill-to-reaction-p50-10x-shorter-than-warden").pass).toBe(true);
    expect(stream?.stream?.messages).toBeGreaterThan(0);
  }, 60_000);

  test("fail when the stream's writes are slow", async () => {
    const doc = await runBench({ scenario: "demo-30", strategies: ["warden", "stream"], cycles: 46, latency: "recorded", seed: 2, open: openBenchSession, fetchFor: { stream: slowWrites } });
    const p99 = gate(doc, "stream.fill-to-reaction-p99-within-write-round-trip-p99-plus-25ms");
    expect(p99.pass).toBe(false);
    expect(p99.value ?? 0).toBeGreaterThan(200);
    expect(gate(doc, "stream.no-rest-reads-between-audits").pass).toBe(true);
  }, 60_000);
});
