/**
 * A real engine scraped over HTTP: `warden run --exchange sim --latency zero --metrics-port 0`
 * says its port in `metrics.listening`; /metrics has every series and its counters grow
 * between two scrapes; /healthz answers 200; promtool (when on PATH) accepts the scrape.
 * Also: a port in use is one line with a stable code and exit 3; bad flags exit 2.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../support/in-process-cli.ts";
import { eventsOf, isEvent, killAllWardens, spawnWarden } from "../support/processes.ts";
import { promtoolAccepts } from "../support/promtool.ts";

afterEach(killAllWardens);

async function withStateDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "warden-metrics-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function series(text: string): Map<string, number> {
  return new Map(text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((l) => [l.slice(0, l.lastIndexOf(" ")), Number(l.slice(l.lastIndexOf(" ") + 1))]));
}

const cycleAtLeast = (n: number) => (line: string) => isEvent("cycle.completed")(line) && Number(/"cycle":(\d+)/.exec(line)?.[1] ?? 0) >= n;

describe("run --metrics-port", () => {
  test("serves /metrics and /healthz from a running engine; counters grow between two scrapes", async () => {
    await withStateDir(async (dir) => {
      const run = spawnWarden(["run", "--exchange", "sim", "--latency", "zero", "--cycles", "400", "--metrics-port", "0", "--json", "--state-dir", dir]);
      const listening = JSON.parse(await run.waitForLine(isEvent("metrics.listening"))) as { host: string; port: number; url: string };
      expect(listening.host).toBe("127.0.0.1");
      expect(listening.port).toBeGreaterThan(0);
      expect(listening.url).toBe(`http://127.0.0.1:${listening.port}/metrics`);
      await run.waitForLine(cycleAtLeast(3));
      const first = await fetch(listening.url);
      expect(first.status).toBe(200);
      expect(first.headers.get("content-type")).toContain("text/plain; version=0.0.4");
      const firstText = await first.text();
      const cycle = eventsOf(run.lines).filter((e) => e["event"] === "cycle.completed").length;
      await run.waitForLine(cycleAtLeast(cycle + 3));
      const secondText = await (await fetch(listening.url)).text();
      const health = await fetch(`http://127.0.0.1:${listening.port}/healthz`);
      expect(health.status).toBe(200);
      expect(((await health.json()) as { status: string; lastCycleAgeSeconds: number }).status).toBe("ok");
      await run.kill("SIGTERM");

      const a = series(firstText);
      const b = series(secondText);
      for (const name of [
        "warden_cycle_duration_seconds_count",
        'warden_rest_calls_total{account="main",endpoint="/v5/position/list"}',
        'warden_monitor_reads_total{result="hit"}',
        'warden_monitor_reads_total{result="miss"}',
        'warden_positions{state="protected"}',
        'warden_positions{state="unprotected"}',
        'warden_positions{state="stand-by"}',
        'warden_positions{state="no-stop"}',
        "warden_unprotected_position_seconds_total",
        "warden_unprotected_longest_seconds",
        'warden_rate_budget_left{account="main",class="read"}',
        'warden_rate_budget_left{account="mirror",class="write"}',
        "warden_rate_budget_ip_left",
        "warden_stream_state",
      ]) expect([name, a.has(name)]).toEqual([name, true]);
      expect(firstText).toContain("# TYPE warden_alerts_total counter");
      expect(firstText).toContain("# TYPE warden_writes_total counter");
      expect(a.get('warden_positions{state="protected"}')).toBeGreaterThan(0);
      expect(b.get("warden_cycles_total")!).toBeGreaterThanOrEqual(a.get("warden_cycles_total")! + 3);
      expect(b.get('warden_rest_calls_total{account="main",endpoint="/v5/position/list"}')!).toBeGreaterThan(a.get('warden_rest_calls_total{account="main",endpoint="/v5/position/list"}')!);
      expect(b.get('warden_monitor_reads_total{result="hit"}')!).toBeGreaterThan(a.get('warden_monitor_reads_total{result="hit"}')!);
      const counters = new Set(firstText.split("\n").filter((l) => /^# TYPE \S+ (counter|histogram)$/.test(l)).map((l) => l.split(" ")[2]!));
      for (const [key, value] of a) {
        const family = key.split("{")[0]!.replace(/_(bucket|sum|count)$/, "");
        if (counters.has(family) || counters.has(key.split("{")[0]!)) expect([key, b.get(key)! >= value]).toEqual([key, true]);
      }
      await promtoolAccepts(firstText);
      await promtoolAccepts(secondText);
    });
  }, 60_000);

  test("a port in use is one clear line with a stable code, exit 3", async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
    const port = (taken.address() as { port: number }).port;
    try {
      await withStateDir(async (dir) => {
        const { code, stderr } = await runCli(["run", "--latency", "zero", "--cycles", "1", "--quiet", "--metrics-port", String(port), "--state-dir", dir]);
        expect(code).toBe(3);
        expect(stderr.trimEnd().split("\n")).toHaveLength(1);
        expect(stderr).toContain("METRICS_PORT_IN_USE");
        expect(stderr).toContain(`--metrics-port ${port}: port in use`);
      });
    } finally {
      await new Promise((done) => taken.close(done));
    }
  });

  test.each([
    [["--metrics-port", "abc"], "--metrics-port expects an integer"],
    [["--metrics-port", "70000"], "--metrics-port must be at most 65535"],
    [["--metrics-host", "0.0.0.0"], "--metrics-host needs --metrics-port"],
    [["--metrics-port", "0", "--metrics-host", "a b"], "--metrics-host expects an IP address or a host name"],
  ])("bad metrics flags %p: exit 2", async (flags, message) => {
    const { code, stderr } = await runCli(["run", "--cycles", "1", ...flags]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
