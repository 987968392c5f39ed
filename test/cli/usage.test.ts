/** Command-line rough edges a new user hit: each refusal is one line naming what is wrong, with the documented exit code. */
import { describe, expect, test } from "bun:test";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { runCli } from "../support/in-process-cli.ts";

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), "warden-usage-"));
}

function oneLine(text: string): string {
  const lines = text.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe("flags and arguments", () => {
  test.each([
    [["run", "--interval", "-1"], "--interval must be at least 0, got -1"],
    [["run", "--cycles", "-3"], "--cycles must be at least 1, got -3"],
    [["sim", "serve", "--port", "-80"], "--port must be at least 0, got -80"],
  ])("a negative value %p is refused naming the flag, not read as an unknown option", async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe(`warden: USAGE_BAD_FLAG: ${message}`);
  });

  test("a --state-dir that is a file is bad input with a code, not a raw EEXIST", async () => {
    const file = join(await scratch(), "not-a-dir");
    await writeFile(file, "x");
    const r = await runCli(["run", "--latency", "zero", "--cycles", "1", "--quiet", "--state-dir", file]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toStartWith("warden: STATE_DIR_NOT_DIRECTORY: state dir ");
    expect(r.stderr).not.toContain("EEXIST");
  });

  test.each([[["run", "extra-arg"]], [["sim", "serve", "extra-arg"]]])("an extra argument %p is refused", async (args) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toContain('USAGE_EXTRA_ARGUMENT: unexpected argument "extra-arg"');
  });

  test("--json --quiet leaves only warnings, errors and the summary on stdout", async () => {
    const r = await runCli(["run", "--latency", "zero", "--cycles", "2", "--json", "--quiet", "--state-dir", join(await scratch(), "state")]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { level?: string; summary?: unknown });
    expect(lines.at(-1)?.summary).toBeDefined();
    expect(lines.filter((l) => l.level === "info" || l.level === "debug")).toEqual([]);
  });
});

describe("help and version", () => {
  test("warden help prints the help", async () => {
    const r = await runCli(["help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage:");
    expect(r.stdout).toContain("Commands:");
  });

  test("warden help run prints the command's help", async () => {
    const r = await runCli(["help", "run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--state-dir");
  });

  test("--version prints Warden's version and the runtime's", async () => {
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(oneLine(r.stdout)).toMatch(new RegExp(`^warden ${pkg.version.replace(/\./g, "\\.")} \\((bun|deno|node) \\d+\\.\\d+\\.\\d+`));
    expect(r.stdout).not.toContain("node-v");
  });

  test("sim serve --help names the control endpoints", async () => {
    const r = await runCli(["sim", "serve", "--help"]);
    expect(r.stdout).toContain("/__sim/step");
    expect(r.stdout).toContain("/__sim/state");
  });
});

describe("sim serve on a port in use", () => {
  test("exits 3 with one line and a stable code", async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)));
    try {
      const r = await runCli(["sim", "serve", "--port", String(port)]);
      expect(r.code).toBe(3);
      expect(oneLine(r.stderr)).toBe(`warden: SIM_PORT_IN_USE: port ${port} on 127.0.0.1 is in use; pick another --port, or 0 for a free one`);
    } finally {
      blocker.close();
    }
  });
});
