import { describe, expect, test } from "bun:test";
import kleur from "kleur";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EVENT, emitEvent } from "../../core/logs/catalogue.ts";
import { MemorySink, emitter, type WardenEvent } from "../../core/logs/event.ts";
import { FileSink } from "../../core/logs/file-sink.ts";
import { LevelFilterSink } from "../../core/logs/level-filter-sink.ts";
import { NdjsonSink } from "../../core/logs/ndjson-sink.ts";
import { PrettySink, prettyLine } from "../../core/logs/pretty-sink.ts";
import { REDACTED, RedactingSink } from "../../core/logs/redacting-sink.ts";
import { TeeSink } from "../../core/logs/tee-sink.ts";
import { cycleFields, tempDir, wardenEvent } from "./builders.ts";

function collect(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line) => lines.push(line) };
}

const ESC = "\u001b[";

describe("NdjsonSink", () => {
  test("writes one JSON object per line with ts, level, component, event first", () => {
    const out = collect();
    const sink = new NdjsonSink(out.write);
    sink.emit({ account: "main", event: "cache.hit", level: "debug", kind: "snapshot", component: "cache", ts: "2026-11-20T09:00:00.000Z" });
    expect(out.lines).toHaveLength(1);
    const line = out.lines[0] as string;
    expect(line.endsWith("\n")).toBe(true);
    expect(line.slice(0, -1).includes("\n")).toBe(false);
    expect(Object.keys(JSON.parse(line))).toEqual(["ts", "level", "component", "event", "account", "kind"]);
  });

  test("keeps an event whose field JSON cannot carry: bigints as strings, a circular field named", () => {
    const out = collect();
    const sink = new NdjsonSink(out.write);
    sink.emit(wardenEvent("alert", { big: 12n }));
    const circular: Record<string, unknown> = {};
    circular["self"] = circular;
    sink.emit(wardenEvent("alert", { circular }));
    expect(JSON.parse(out.lines[0] as string).big).toBe("12");
    expect(JSON.parse(out.lines[1] as string)).toMatchObject({ event: "alert" });
    expect(JSON.parse(out.lines[1] as string).unserialisable).toBeString();
  });
});

describe("PrettySink", () => {
  test("renders cycle.completed compactly: time, level, component, event, key fields", () => {
    const line = prettyLine(wardenEvent("cycle.completed", { ...cycleFields() }), { color: false });
    expect(line).toBe("09:00:00 INFO  engine  cycle.completed  cycle=1 monitors=30 due=12 1.23s calls=3 hits=12/12 urgency=2c/5u/10a/13i");
  });

  test("writes no colour codes when color is false", () => {
    const out = collect();
    const sink = new PrettySink(out.write, { color: false });
    for (const level of ["debug", "info", "warn", "error"] as const) sink.emit(wardenEvent("alert", { message: "stop restored" }, level));
    expect(out.lines).toHaveLength(4);
    for (const line of out.lines) expect(line.includes(ESC)).toBe(false);
    expect(out.lines[2]).toBe('09:00:00 WARN  engine  alert  message="stop restored"\n');
  });

  test("colours the level and event when color is true and the terminal allows it", () => {
    const enabled = kleur.enabled;
    kleur.enabled = true;
    try {
      const line = prettyLine(wardenEvent("alert", {}, "error"), { color: true });
      expect(line.includes(`${ESC}31m`)).toBe(true);
    } finally {
      kleur.enabled = enabled;
    }
  });

  test("renders other fields as key=value, durations in ms or seconds", () => {
    const line = prettyLine(wardenEvent("snapshot.loaded", { account: "main", positions: 15, orders: 91, calls: 3, ms: 142.4 }), { color: false });
    expect(line).toBe("09:00:00 INFO  engine  snapshot.loaded  account=main positions=15 orders=91 calls=3 took=142ms");
  });
});

describe("TeeSink and LevelFilterSink", () => {
  test("a tee sends every event to each sink", () => {
    const a = new MemorySink();
    const b = new MemorySink();
    new TeeSink(a, b).emit(wardenEvent("run.started"));
    expect(a.events).toHaveLength(1);
    expect(b.events).toHaveLength(1);
  });

  test("a level filter at info drops debug and keeps info, warn and error", () => {
    const memory = new MemorySink();
    const sink = new LevelFilterSink(memory, "info");
    for (const level of ["debug", "info", "warn", "error"] as const) sink.emit(wardenEvent("alert", {}, level));
    expect(memory.events.map((e) => e.level)).toEqual(["info", "warn", "error"]);
  });
});

describe("FileSink", () => {
  test("appends NDJSON to the file, after what it already held", () => {
    const path = join(tempDir(), "events.ndjson");
    const first = new FileSink(path);
    first.emit(wardenEvent("run.started"));
    first.close();
    const second = new FileSink(path);
    second.emit(wardenEvent("run.stopped", { reason: "done", cycles: 1 }));
    second.close();
    const events = readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l) as WardenEvent);
    expect(events.map((e) => e.event)).toEqual(["run.started", "run.stopped"]);
  });

  test("with a buffer, holds info events until close flushes them", () => {
    const path = join(tempDir(), "events.ndjson");
    const sink = new FileSink(path, { bufferBytes: 1 << 16 });
    sink.emit(wardenEvent("cycle.completed", { ...cycleFields() }));
    expect(readFileSync(path, "utf8")).toBe("");
    sink.close();
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(1);
  });

  test("a file that cannot be opened is an input error naming it", () => {
    const path = join(tempDir(), "missing-dir", "events.ndjson");
    expect(() => new FileSink(path)).toThrow(path);
  });
});

describe("RedactingSink", () => {
  const key = "AbCdEf0123456789KEY";
  const secret = "s3cr3t/Secret+Value==";

  test("a secret anywhere in an event never reaches the NDJSON output", () => {
    const out = collect();
    const sink = new RedactingSink(new NdjsonSink(out.write), [key, secret]);
    const emit = emitter(sink, "exchange", () => Date.UTC(2026, 10, 20));
    emit("error", "order.failed", {
      reason: `signature mismatch for apiKey=${key}`,
      request: { headers: { "X-BAPI-API-KEY": key }, query: `api_key=${encodeURIComponent(secret)}`, list: [[secret]] },
      [`key-${key}`]: true,
      error: new Error(`auth failed: ${secret}`),
    });
    const text = out.lines.join("");
    expect(text.includes(key)).toBe(false);
    expect(text.includes(secret)).toBe(false);
    expect(text.includes(encodeURIComponent(secret))).toBe(false);
    expect(text.split(REDACTED).length - 1).toBe(6);
  });

  test("passes events without secrets unchanged", () => {
    const memory = new MemorySink();
    const event = wardenEvent("cycle.completed", { ...cycleFields() });
    new RedactingSink(memory, [key, ""]).emit(event);
    expect(memory.events[0]).toEqual(event);
  });
});

describe("catalogue", () => {
  test("emitEvent emits the catalogued name with its fields", () => {
    const memory = new MemorySink();
    emitEvent(emitter(memory, "engine", () => 0), "info", EVENT.cycleCompleted, cycleFields({ due: 7 }));
    expect(memory.named("cycle.completed")[0]).toMatchObject({ component: "engine", due: 7, ts: "1970-01-01T00:00:00.000Z" });
  });
});
