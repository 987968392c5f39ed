import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { EVENT, emitEvent } from "../../core/logs/catalogue.ts";
import { emitter } from "../../core/logs/event.ts";
import { FileSink } from "../../core/logs/file-sink.ts";
import { RedactingSink } from "../../core/logs/redacting-sink.ts";
import { scanLogs } from "../../core/logs/scanner.ts";
import { cycleFields, tempDir } from "./builders.ts";

/** Writes a run's events the way `run --log-file` does: emitter -> redaction -> FileSink. */
function writeRun(path: string, cycles: { durationMs: number; cacheHits: number; restCalls: number; uncached?: boolean }[]): void {
  const file = new FileSink(path);
  let now = Date.UTC(2026, 10, 20, 9);
  const emit = emitter(new RedactingSink(file, ["KEY-123456"]), "engine", () => now);
  emitEvent(emit, "info", EVENT.runStarted, { exchange: "sim", scenario: "demo-30", stateDir: "/tmp/state", cache: "on", monitors: 30 });
  cycles.forEach((c, i) => {
    now += c.durationMs;
    if (c.uncached === true) emitEvent(emit, "debug", EVENT.fetchUncached, { account: "main", monitor: "main:BTCUSDT:long", kind: "orders", calls: 1 });
    emitEvent(emit, "info", EVENT.cycleCompleted, cycleFields({ cycle: i + 1, durationMs: c.durationMs, cacheHits: c.cacheHits, cacheMisses: 12 - c.cacheHits, restCalls: c.restCalls }));
  });
  emitEvent(emit, "info", EVENT.runStopped, { reason: "scenario ended", cycles: cycles.length });
  file.close();
}

describe("validate reads what the event sinks write", () => {
  test("a healthy run written through FileSink passes with its numbers as benchmarks", async () => {
    const path = join(tempDir(), "run.ndjson");
    writeRun(path, [
      { durationMs: 400, cacheHits: 10, restCalls: 4 },
      { durationMs: 200, cacheHits: 12, restCalls: 0 },
    ]);
    const report = await scanLogs([path]);
    expect(report).toMatchObject({ files: 1, lines: 4, unparsed: 0, verdict: "pass" });
    expect(report.benchmarks.map((b) => [b.id, b.value])).toEqual([
      ["cycle-mean-s", 0.3],
      ["cycle-p95-s", 0.4],
      ["cycle-max-s", 0.4],
      ["cache-hit-rate", 0.9167],
      ["calls-per-cycle", 2],
    ]);
  });

  test("a run that fetched around the cache fails on uncached-fetch at that event's line", async () => {
    const path = join(tempDir(), "run.ndjson");
    writeRun(path, [{ durationMs: 300, cacheHits: 12, restCalls: 2 }, { durationMs: 300, cacheHits: 11, restCalls: 3, uncached: true }]);
    const report = await scanLogs([path]);
    expect(report.indicators[0]).toMatchObject({ id: "uncached-fetch", count: 1, first: { file: path, line: 3 } });
    expect(report.verdict).toBe("fail");
  });
});
