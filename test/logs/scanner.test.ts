import { describe, expect, test } from "bun:test";
import { Buffer } from "node:buffer";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { InputError } from "../../core/errors.ts";
import { DEFAULT_LIMITS, type IndicatorId, type ValidationReport } from "../../core/logs/log-tally.ts";
import { scanLogs, type ScanOptions } from "../../core/logs/scanner.ts";
import { OLD, chunkedInput, cycleLine, ndjson, oldLine, poolLine, tempDir, wardenEvent, writeLog } from "./builders.ts";

async function scanLines(lines: readonly string[], options: ScanOptions & { name?: string } = {}): Promise<ValidationReport> {
  const dir = tempDir();
  const path = writeLog(dir, options.name ?? "bot.log", lines);
  return scanLogs([path], options);
}

function indicator(report: ValidationReport, id: IndicatorId) {
  const found = report.indicators.find((i) => i.id === id);
  if (found === undefined) throw new Error(`no indicator ${id}`);
  return found;
}

function benchmark(report: ValidationReport, id: string) {
  return report.benchmarks.find((b) => b.id === id);
}

describe("old text format indicators", () => {
  test("uncached-fetch counts '(0 cached)' fetches and names the first file and line", async () => {
    const report = await scanLines([oldLine(OLD.hit), oldLine(OLD.partialFetch), oldLine(OLD.uncachedFetch), oldLine(OLD.uncachedFetch)]);
    const found = indicator(report, "uncached-fetch");
    expect(found.count).toBe(2);
    expect(found.first?.line).toBe(3);
    expect(found.first?.file.endsWith("bot.log")).toBe(true);
    expect(found.first?.text).toBe(oldLine(OLD.uncachedFetch));
  });

  test("matches on meaning: other spacing, case, level and no emoji still count", async () => {
    const report = await scanLines([
      oldLine("fetching   3/3 orders from the exchange ( 0 cached )", { level: "DEBUG" }),
      "WARNING:urllib3.connectionpool:Connection pool is full, discarding connection: api.bybit.com",
      oldLine("PROCESSED 30 MONITORS IN 25200ms"),
      oldLine("cache hit for ETHUSDT"),
    ]);
    expect(indicator(report, "uncached-fetch").count).toBe(1);
    expect(indicator(report, "pool-warning").count).toBe(1);
    expect(indicator(report, "slow-cycle").count).toBe(1);
    expect(indicator(report, "no-cache-hits").count).toBe(0);
    expect(report.unparsed).toBe(0);
  });

  test("slow-cycle counts cycles over --max-cycle-s only", async () => {
    const lines = [oldLine(OLD.cycle(5.2)), oldLine(OLD.cycle(20)), oldLine(OLD.cycle(46.1)), oldLine(OLD.cycle(52))];
    const report = await scanLines(lines, { limits: { ...DEFAULT_LIMITS, maxCycleS: 20 } });
    expect(indicator(report, "slow-cycle")).toMatchObject({ count: 2, first: { line: 3, text: lines[2] } });
  });

  test("pool-warning counts urllib3's full pool and any pool overload", async () => {
    const report = await scanLines([oldLine(OLD.other), poolLine(), oldLine("HTTP pool overloaded: 40 waiting", { level: "WARNING" })]);
    expect(indicator(report, "pool-warning")).toMatchObject({ count: 2, first: { line: 2 } });
  });

  test("no-cache-hits fires on cycles without one cache hit, at the first cycle", async () => {
    const failing = await scanLines([oldLine(OLD.uncachedFetch), oldLine(OLD.cycle(50)), oldLine(OLD.cycle(48))]);
    expect(indicator(failing, "no-cache-hits")).toMatchObject({ count: 2, first: { line: 2 } });
    for (const hit of [OLD.hit, OLD.servedFromCache, OLD.cachedPosition]) {
      const healthy = await scanLines([oldLine(hit), oldLine(OLD.cycle(5))]);
      expect(indicator(healthy, "no-cache-hits").count).toBe(0);
    }
  });

  test("a log without cycles never fires no-cache-hits", async () => {
    const report = await scanLines([oldLine(OLD.other)]);
    expect(indicator(report, "no-cache-hits")).toEqual({ id: "no-cache-hits", count: 0, first: null });
  });
});

describe("old text format benchmarks", () => {
  test("hit rate is lookups served from cache over all lookups", async () => {
    const report = await scanLines([oldLine(OLD.hit), oldLine(OLD.servedFromCache), oldLine(OLD.cachedPosition), oldLine(OLD.partialFetch), oldLine(OLD.cycle(4))]);
    expect(benchmark(report, "cache-hit-rate")).toEqual({ id: "cache-hit-rate", limit: 0.7, value: 0.75, pass: true });
  });

  test("calls per cycle: a fetch is one call, its page count replaces it, averaged over cycles", async () => {
    const report = await scanLines([
      oldLine("🔍 Fetching position for BTCUSDT (main) from exchange"),
      oldLine(OLD.uncachedFetch),
      oldLine(OLD.pages(3)),
      oldLine(OLD.cycle(50)),
      oldLine(OLD.pages(2)),
      oldLine(OLD.cycle(50)),
    ]);
    expect(benchmark(report, "calls-per-cycle")).toEqual({ id: "calls-per-cycle", limit: 30, value: 3, pass: true });
  });

  test("cycle mean, p95 and max are measured against their limits", async () => {
    const seconds = [3, 4, 5, 6, 7, 8, 9, 10, 11, 30];
    const report = await scanLines([oldLine(OLD.hit), ...seconds.map((s) => oldLine(OLD.cycle(s)))]);
    expect(benchmark(report, "cycle-mean-s")).toEqual({ id: "cycle-mean-s", limit: 8, value: 9.3, pass: false });
    expect(benchmark(report, "cycle-p95-s")).toEqual({ id: "cycle-p95-s", limit: 20, value: 30, pass: false });
    expect(benchmark(report, "cycle-max-s")).toEqual({ id: "cycle-max-s", limit: 20, value: 30, pass: false });
    expect(report.verdict).toBe("fail");
  });

  test("a log that carries no numbers has no benchmarks and passes", async () => {
    const report = await scanLines([oldLine(OLD.other), oldLine("bot started")]);
    expect(report.benchmarks).toEqual([]);
    expect(report.verdict).toBe("pass");
  });
});

describe("Warden NDJSON indicators and benchmarks", () => {
  test("fetch.uncached is an uncached-fetch at its line", async () => {
    const report = await scanLines([ndjson("run.started"), ndjson("fetch.uncached", { account: "main", monitor: "main:BTCUSDT:long", kind: "orders", calls: 3 })]);
    expect(indicator(report, "uncached-fetch")).toMatchObject({ count: 1, first: { line: 2 } });
  });

  test("cycle.completed over the limit is a slow-cycle; restCalls and cache counts become benchmarks", async () => {
    const report = await scanLines([
      cycleLine({ durationMs: 1000, restCalls: 2, cacheHits: 9, cacheMisses: 1 }),
      cycleLine({ durationMs: 25_000, restCalls: 40, cacheHits: 1, cacheMisses: 9 }),
    ]);
    expect(indicator(report, "slow-cycle")).toMatchObject({ count: 1, first: { line: 2 } });
    expect(benchmark(report, "calls-per-cycle")).toMatchObject({ value: 21, pass: true });
    expect(benchmark(report, "cache-hit-rate")).toMatchObject({ value: 0.5, pass: false });
    expect(benchmark(report, "cycle-mean-s")).toMatchObject({ value: 13, pass: false });
  });

  test("no-cache-hits fires when cycles report no hits and no cache.hit event appears", async () => {
    const failing = await scanLines([ndjson("run.started"), cycleLine({ cacheHits: 0, cacheMisses: 12 })]);
    expect(indicator(failing, "no-cache-hits")).toMatchObject({ count: 1, first: { line: 2 } });
    const healthy = await scanLines([ndjson("cache.hit", { account: "main", kind: "snapshot" }), cycleLine({ cacheHits: 0, cacheMisses: 0 })]);
    expect(indicator(healthy, "no-cache-hits").count).toBe(0);
  });

  test("an alert about the connection pool is a pool-warning", async () => {
    const report = await scanLines([ndjson("alert", { level: "warn", message: "HTTP connection pool is full" }), ndjson("alert", { level: "warn", message: "stop restored" })]);
    expect(indicator(report, "pool-warning")).toMatchObject({ count: 1, first: { line: 1 } });
  });
});

describe("unparsed lines", () => {
  test("counts lines that are neither a log record nor a JSON object, and broken events, never failing on them", async () => {
    const report = await scanLines([
      oldLine(OLD.other),
      "Traceback (most recent call last):",
      '  File "/app/bot.py", line 10, in <module>',
      "",
      ndjson("run.started"),
      '{"ts":"2026-11-20T09:00:00.000Z","event":"cycle.comp',
      '{"ts":"2026-11-20T09:00:00.000Z","event":"cycle.completed",}',
    ]);
    expect(report.lines).toBe(7);
    expect(report.unparsed).toBe(4);
    expect(report.verdict).toBe("pass");
  });

  test("a line longer than the line limit is one unparsed line and the next lines still count", async () => {
    const huge = "x".repeat(3 << 20);
    const report = await scanLogs(["-"], { stdin: chunkedInput(`${huge}\n${oldLine(OLD.uncachedFetch)}\n`, 1 << 16) });
    expect(report.lines).toBe(2);
    expect(report.unparsed).toBe(1);
    expect(indicator(report, "uncached-fetch").first?.line).toBe(2);
  });
});

describe("inputs", () => {
  const mixed = [oldLine(OLD.hit), oldLine("⚡ Processed 30 monitors in 5.2s"), "\r", oldLine(OLD.uncachedFetch), cycleLine({ durationMs: 30_000 })];

  test("lines and emoji cut across chunks of any size read the same as whole", async () => {
    const text = `${mixed.join("\r\n")}`;
    const whole = await scanLogs(["-"], { stdin: chunkedInput(text, 1 << 20) });
    for (const size of [1, 3, 7, 64]) {
      const cut = await scanLogs(["-"], { stdin: chunkedInput(text, size) });
      expect(cut).toEqual(whole);
    }
    expect(indicator(whole, "uncached-fetch").first).toEqual({ file: "<stdin>", line: 4, text: oldLine(OLD.uncachedFetch) });
    expect(whole.lines).toBe(5);
  });

  test("reads gzipped files by their magic bytes, whatever the name", async () => {
    const dir = tempDir();
    const path = join(dir, "bot.txt");
    writeFileSync(path, gzipSync(Buffer.from(`${oldLine(OLD.other)}\n${poolLine()}\n`)));
    const report = await scanLogs([path]);
    expect(indicator(report, "pool-warning").first).toEqual({ file: path, line: 2, text: poolLine() });
  });

  test("reads gzip from stdin", async () => {
    const report = await scanLogs(["-"], { stdin: chunkedInput(gzipSync(Buffer.from(`${poolLine()}\n`)), 1) });
    expect(indicator(report, "pool-warning").count).toBe(1);
  });

  test("a directory reads every regular file, rotated ones included, in natural name order", async () => {
    const dir = tempDir();
    writeLog(dir, "bot.log", [oldLine(OLD.other)]);
    writeLog(dir, "bot.log.10", [oldLine(OLD.other)]);
    writeLog(dir, "bot.log.2.gz", [oldLine(OLD.other), oldLine(OLD.uncachedFetch)]);
    writeLog(dir, "bot.log.1", [oldLine(OLD.other), oldLine(OLD.other), oldLine(OLD.uncachedFetch)]);
    mkdirSync(join(dir, "archive"));
    const report = await scanLogs([dir]);
    expect(report.files).toBe(4);
    expect(report.lines).toBe(7);
    expect(indicator(report, "uncached-fetch")).toMatchObject({ count: 2, first: { file: join(dir, "bot.log.1"), line: 3 } });
  });

  test("files and stdin together add up, each with its own line numbers", async () => {
    const dir = tempDir();
    const path = writeLog(dir, "a.log", [oldLine(OLD.other)]);
    const report = await scanLogs([path, "-"], { stdin: chunkedInput(`${oldLine(OLD.other)}\n${poolLine()}\n`, 5) });
    expect(report.files).toBe(2);
    expect(indicator(report, "pool-warning").first).toMatchObject({ file: "<stdin>", line: 2 });
  });
});

describe("unreadable input is named, never skipped", () => {
  async function failure(paths: string[], options: ScanOptions = {}): Promise<InputError> {
    try {
      await scanLogs(paths, options);
    } catch (error) {
      if (error instanceof InputError) return error;
      throw error;
    }
    throw new Error("expected an InputError");
  }

  test("a missing file", async () => {
    const path = join(tempDir(), "gone.log");
    const error = await failure([path]);
    expect(error.message).toBe(`${path}: no such file or directory`);
  });

  test("a binary file", async () => {
    const path = join(tempDir(), "core.bin");
    writeFileSync(path, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]));
    const error = await failure([path]);
    expect(error.code).toBe("INPUT_LOG_BINARY");
    expect(error.message.startsWith(`${path}: binary`)).toBe(true);
  });

  test("a corrupt gzip file", async () => {
    const path = join(tempDir(), "bot.log.2.gz");
    const gz = gzipSync(Buffer.from(`${oldLine(OLD.other)}\n`.repeat(100)));
    gz.fill(0x55, 12, 40);
    writeFileSync(path, gz);
    const error = await failure([path]);
    expect(error.code).toBe("INPUT_LOG_CORRUPT_GZIP");
    expect(error.message.startsWith(`${path}: corrupt gzip`)).toBe(true);
  });

  test("a truncated gzip file", async () => {
    const path = join(tempDir(), "bot.log.3.gz");
    const gz = gzipSync(Buffer.from(`${oldLine(OLD.other)}\n`.repeat(1000)));
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length / 2)));
    const error = await failure([path]);
    expect(error.message.startsWith(`${path}: corrupt gzip`)).toBe(true);
  });

  test("a directory with no files", async () => {
    const dir = tempDir();
    const error = await failure([dir]);
    expect(error.message).toBe(`${dir}: directory holds no log files`);
  });

  test("a missing file after a good one fails before anything is read", async () => {
    const dir = tempDir();
    const good = writeLog(dir, "a.log", [oldLine(OLD.other)]);
    const error = await failure([good, join(dir, "b.log")]);
    expect(error.message).toContain("b.log");
  });
});

describe("binary is decided by the file, not by one byte", () => {
  test("a text log with a stray NUL (what a crash leaves) is read; the line holding it is unparsed", async () => {
    const path = join(tempDir(), "bot.log");
    writeFileSync(path, `${oldLine(OLD.other)}\n${oldLine(OLD.other)}\0\n${poolLine()}\n`);
    const report = await scanLogs([path]);
    expect(report.lines).toBe(3);
    expect(report.unparsed).toBe(1);
    expect(indicator(report, "pool-warning").count).toBe(1);
  });

  test("a block of NULs between a torn line and the restart is one unparsed line", async () => {
    const path = join(tempDir(), "bot.log");
    const lines = Array.from({ length: 200 }, () => oldLine(OLD.other)).join("\n");
    writeFileSync(path, Buffer.concat([Buffer.from(`${lines}\n2025-07-24 10:1`), Buffer.alloc(512), Buffer.from(`${poolLine()}\n`)]));
    const report = await scanLogs([path]);
    expect([report.lines, report.unparsed, indicator(report, "pool-warning").count]).toEqual([201, 1, 0]);
  });

  test("random bytes are binary", async () => {
    const path = join(tempDir(), "blob.log");
    let x = 7;
    writeFileSync(path, Buffer.from(Array.from({ length: 8192 }, () => (x = (x * 1103515245 + 12345) % 2 ** 31) >> 23)));
    await expect(scanLogs([path])).rejects.toMatchObject({ code: "INPUT_LOG_BINARY" });
  });
});

describe("an input with nothing recognised does not pass", () => {
  async function refusal(paths: string[]): Promise<InputError> {
    try {
      await scanLogs(paths);
    } catch (error) {
      if (error instanceof InputError) return error;
      throw error;
    }
    throw new Error("expected an InputError");
  }

  test("an empty file is refused, named", async () => {
    const path = join(tempDir(), "empty.log");
    writeFileSync(path, "");
    const error = await refusal([path]);
    expect(error.code).toBe("INPUT_LOG_UNRECOGNISED");
    expect(error.message).toBe(`${path}: nothing recognised (not one Warden event or log record)`);
  });

  test("a text file with no log record nor event is refused, after a good file too", async () => {
    const dir = tempDir();
    const good = writeLog(dir, "a.log", [oldLine(OLD.other)]);
    const notes = writeLog(dir, "notes.txt", ["shopping list", "", "milk"]);
    const error = await refusal([good, notes]);
    expect(error.message).toStartWith(`${notes}: nothing recognised`);
  });

  test("in a rotated directory an empty file is fine while another holds records", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bot.log"), "");
    writeLog(dir, "bot.log.1", [oldLine(OLD.other)]);
    expect((await scanLogs([dir])).files).toBe(2);
  });

  test("a directory whose files hold nothing recognised is refused, named", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bot.log"), "");
    const error = await refusal([dir]);
    expect(error.message).toBe(`${dir}: nothing recognised (not one Warden event or log record) in its files`);
  });
});

describe("Warden's own protection failures", () => {
  test("an unprotected alert and a cycle that ended with unprotected positions each count as unprotected", async () => {
    const lines = [
      cycleLine(),
      JSON.stringify(wardenEvent("alert", { level: "warn", kind: "unprotected", monitor: "main:BTCUSDT:long", message: "main:BTCUSDT:long is unprotected" }, "warn")),
      cycleLine({ cycle: 2, unprotected: 2 }),
      cycleLine({ cycle: 3, unprotected: 0 }),
    ];
    const report = await scanLines(lines, { name: "run.ndjson" });
    expect(indicator(report, "unprotected")).toMatchObject({ count: 2, first: { line: 2 } });
    expect(indicator(report, "stop-refused").count).toBe(0);
    expect(report.verdict).toBe("fail");
  });

  test("a stop-refused alert counts as stop-refused", async () => {
    const refused = JSON.stringify(wardenEvent("alert", { level: "error", kind: "stop-refused", monitor: "main:BTCUSDT:long", message: "stop for main:BTCUSDT:long refused by the exchange" }, "error"));
    const report = await scanLines([cycleLine(), refused], { name: "run.ndjson" });
    expect(indicator(report, "stop-refused")).toMatchObject({ count: 1, first: { line: 2, text: refused } });
    expect(report.verdict).toBe("fail");
  });
});
