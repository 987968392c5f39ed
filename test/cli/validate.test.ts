import { describe, expect, test } from "bun:test";
import { Buffer } from "node:buffer";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { withStdin } from "../../cli/commands/validate.ts";
import { OLD, oldLine, tempDir } from "../logs/builders.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = join(root, "fixtures", "logs");

function validate(args: string[], input?: string | Buffer): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, "cli/main.ts"), "validate", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    ...(input === undefined ? {} : { input }),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("warden validate on the sample logs", () => {
  test.each([
    ["old-healthy.log", 0],
    ["old-failing.log", 1],
    ["warden-healthy.ndjson", 0],
    ["warden-failing.ndjson", 1],
    ["rotated", 1],
    ["warden-unprotected.ndjson", 1],
    ["old-crashed.log", 0],
  ])("%s exits %d", (name, status) => {
    const result = validate([join(fixtures, name)]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(status);
    expect(result.stdout).toContain(`verdict: ${status === 0 ? "pass" : "fail"}`);
  });

  test("the rotated directory names the gzipped part where the trouble starts", () => {
    const report = JSON.parse(validate([join(fixtures, "rotated"), "--json"]).stdout);
    const uncached = report.indicators.find((i: { id: string }) => i.id === "uncached-fetch");
    expect(report.files).toBe(3);
    expect(uncached.first.file).toBe(join(fixtures, "rotated", "bot.log.2.gz"));
  });

  test("loosened limits turn the failing benchmarks into passes but not the indicators", () => {
    const args = ["--max-cycle-s", "60", "--max-cycle-avg-s", "60", "--min-hit-rate", "0", "--max-calls", "200", "--json"];
    const report = JSON.parse(validate([join(fixtures, "old-failing.log"), ...args]).stdout);
    expect(report.benchmarks.every((b: { pass: boolean }) => b.pass)).toBe(true);
    expect(report.indicators.map((i: { id: string; count: number }) => [i.id, i.count > 0])).toEqual([
      ["uncached-fetch", true],
      ["slow-cycle", false],
      ["pool-warning", true],
      ["no-cache-hits", true],
      ["unprotected", false],
      ["stop-refused", false],
    ]);
    expect(report.verdict).toBe("fail");
  });

  test("Warden's protection failures fail the run's log: unprotected and stop-refused, first where they start", () => {
    const report = JSON.parse(validate([join(fixtures, "warden-unprotected.ndjson"), "--json"]).stdout);
    const found = Object.fromEntries(report.indicators.filter((i: { count: number }) => i.count > 0).map((i: { id: string; count: number; first: { line: number } }) => [i.id, [i.count, i.first.line]]));
    expect(found).toEqual({ unprotected: [4, 22], "stop-refused": [3, 21] });
    expect(report.benchmarks.every((b: { pass: boolean }) => b.pass)).toBe(true);
  });

  test("a log torn by a crash (a NUL block) is read, the torn line unparsed", () => {
    const report = JSON.parse(validate([join(fixtures, "old-crashed.log"), "--json"]).stdout);
    expect([report.unparsed, report.verdict]).toEqual([1, "pass"]);
  });

  test("an empty log exits 2 saying nothing was recognised, naming the file", () => {
    const path = join(fixtures, "empty.log");
    const result = validate([path]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`warden: INPUT_LOG_UNRECOGNISED: ${path}: nothing recognised (not one Warden event or log record)\n`);
  });
});

describe("warden validate --json", () => {
  test("prints exactly files, lines, unparsed, indicators, benchmarks and verdict", () => {
    const result = validate([join(fixtures, "old-failing.log"), "--json"]);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report)).toEqual(["files", "lines", "unparsed", "indicators", "benchmarks", "verdict"]);
    expect(report.indicators.map((i: { id: string }) => i.id)).toEqual(["uncached-fetch", "slow-cycle", "pool-warning", "no-cache-hits", "unprotected", "stop-refused"]);
    for (const i of report.indicators) {
      expect(Object.keys(i)).toEqual(["id", "count", "first"]);
      if (i.count > 0) expect(Object.keys(i.first)).toEqual(["file", "line", "text"]);
      else expect(i.first).toBeNull();
    }
    for (const b of report.benchmarks) expect(Object.keys(b)).toEqual(["id", "limit", "value", "pass"]);
    expect(report.unparsed).toBe(3);
    expect(report.verdict).toBe("fail");
  });

  test("the first occurrence's text is the line as written, emoji included", () => {
    const report = JSON.parse(validate([join(fixtures, "old-failing.log"), "--json"]).stdout);
    const first = report.indicators[0].first;
    const lines = readFileSync(join(fixtures, "old-failing.log"), "utf8").split("\n");
    expect(first.text).toBe(lines[first.line - 1]);
    expect(first.text).toContain("🔍");
  });
});

describe("warden validate input handling", () => {
  test("reads stdin for -", () => {
    const result = validate(["-", "--json"], `${oldLine(OLD.uncachedFetch)}\n`);
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout).indicators[0].first).toMatchObject({ file: "<stdin>", line: 1 });
  });

  test("no input is a usage error, exit 2", () => {
    const result = validate([]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("validate needs at least one log file");
  });

  test("a bad limit is a usage error naming the flag", () => {
    const result = validate([join(fixtures, "old-healthy.log"), "--min-hit-rate", "1.5"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--min-hit-rate");
  });

  test.each([
    ["missing", (dir: string) => join(dir, "gone.log")],
    ["binary", (dir: string) => {
      const path = join(dir, "core.bin");
      writeFileSync(path, Buffer.from([1, 2, 0, 3]));
      return path;
    }],
    ["corrupt gzip", (dir: string) => {
      const path = join(dir, "bot.log.1.gz");
      writeFileSync(path, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff]));
      return path;
    }],
  ])("a %s input exits 2 with one line naming the file and prints no report", (_kind, make) => {
    const path = make(tempDir());
    const result = validate([join(fixtures, "old-healthy.log"), path, "--json"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(path);
  });
});

describe("withStdin", () => {
  test("puts a bare - back among the inputs where it stood", () => {
    expect(withStdin(["bun", "warden", "validate", "a.log", "-", "b.log", "--json"], ["a.log", "b.log"])).toEqual(["a.log", "-", "b.log"]);
    expect(withStdin(["bun", "warden", "validate", "a.log"], ["a.log"])).toEqual(["a.log"]);
  });
});
