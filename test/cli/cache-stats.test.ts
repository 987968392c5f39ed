/** `warden cache-stats`: table, --json, --prometheus, and one clear line with exit 2 when there is nothing to show. */
import { describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { runCli } from "../support/in-process-cli.ts";
import { SnapshotCache } from "../../core/cache/snapshot-cache.ts";
import { toStatsFile, type CacheStatsFile } from "../../core/cache/stats.ts";
import { promtoolAccepts } from "../support/promtool.ts";
import { VirtualClock } from "../../core/clock.ts";
import { MemoryExchange } from "../../core/exchange/memory-exchange.ts";

const warden = runCli;

function text(series: Map<string, number>): string {
  return [...series.keys()].join("\n");
}

/** Statistics as a real cache produces them: 3 cycles on main and mirror. */
async function makeStatsFile(quietCycles = 0): Promise<CacheStatsFile> {
  const clock = new VirtualClock(1_764_000_000_000);
  const exchanges = (["main", "mirror"] as const).map((id) => {
    const ex = new MemoryExchange(id, { marks: { BTCUSDT: 60000 }, clock });
    ex.setPosition("BTCUSDT", "long", 0.1);
    return ex;
  });
  const cache = new SnapshotCache(exchanges, { clock, ttlMs: 1000 });
  for (let cycle = 0; cycle < 3; cycle++) {
    cache.resetCycle();
    await Promise.all([cache.snapshot("main"), cache.snapshot("main"), cache.snapshot("mirror")]);
    await cache.snapshot("main");
    clock.advance(5000);
  }
  await cache.instruments("main");
  for (let i = 0; i < quietCycles; i++) {
    cache.resetCycle(); // a cycle with nothing due: the last cycle's counts fall to 0
    clock.advance(5000);
  }
  return toStatsFile(cache.stats(), 3 + quietCycles, clock.now());
}

async function withStateDir(file: CacheStatsFile | string | undefined, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "warden-cache-stats-"));
  try {
    if (file !== undefined) await writeFile(join(dir, "cache-stats.json"), typeof file === "string" ? file : JSON.stringify(file));
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("warden cache-stats", () => {
  test("renders a table per window, account and kind", async () => {
    await withStateDir(await makeStatsFile(), async (dir) => {
      const { code, stdout } = await warden(["cache-stats", "--state-dir", dir]);
      expect(code).toBe(0);
      expect(stdout).toContain("cycle 3");
      expect(stdout).toMatch(/hits\s+misses\s+coalesced\s+hit rate/);
      const rows = stdout.split("\n").filter((l) => /^(last cycle|since start)\s/.test(l));
      expect(rows).toHaveLength(12);
      expect(stdout).toMatch(/since start\s+main\s+positions\s+3\s+3\s+3\s+66\.7%/);
    });
  });

  test("--json prints the statistics file", async () => {
    const file = await makeStatsFile();
    await withStateDir(file, async (dir) => {
      const { code, stdout } = await warden(["cache-stats", "--state-dir", dir, "--json"]);
      expect(code).toBe(0);
      const parsed = JSON.parse(stdout) as CacheStatsFile & { stateDir: string };
      expect(parsed.cycle).toBe(3);
      expect(parsed.sinceStart.accounts["main"]?.orders).toMatchObject({ hits: 3, misses: 3, coalesced: 3, loads: 3, restCalls: 3 });
      expect(parsed.sinceStart.accounts["main"]?.markets).toMatchObject({ misses: 1, loads: 1, restCalls: 2 });
    });
  });

  test("--prometheus prints the text exposition format", async () => {
    await withStateDir(await makeStatsFile(), async (dir) => {
      const { code, stdout } = await warden(["cache-stats", "--state-dir", dir, "--prometheus"]);
      expect(code).toBe(0);
      const lines = stdout.trimEnd().split("\n");
      expect(lines).toContain("# TYPE warden_cache_hits_total counter");
      expect(lines).toContain('warden_cache_hits_total{account="main",kind="orders"} 3');
      expect(lines).toContain("# TYPE warden_cache_last_cycle_rest_calls gauge");
      expect(lines).toContain('warden_cache_last_cycle_rest_calls{account="mirror",kind="positions"} 1');
      await promtoolAccepts(stdout);
      for (const line of lines) expect(line).toMatch(/^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? -?[0-9.e+-]+)$/);
      const types = lines.filter((l) => l.startsWith("# TYPE")).map((l) => l.split(" ")[2]);
      expect(new Set(types).size).toBe(types.length);
    });
  });

  test("counters only grow: _total series are since start, last-cycle figures are gauges", async () => {
    // regression: `_total` series carried the last cycle's figures, which reset every cycle
    const file = await makeStatsFile();
    const quiet = await makeStatsFile(1);
    expect(quiet.lastCycle.accounts["main"]?.orders.hits).toBe(0);
    const scrape = async (f: CacheStatsFile): Promise<Map<string, number>> => {
      let text = "";
      await withStateDir(f, async (dir) => {
        text = (await warden(["cache-stats", "--state-dir", dir, "--prometheus"])).stdout;
      });
      const counters = new Set(text.split("\n").filter((l) => l.startsWith("# TYPE") && l.endsWith(" counter")).map((l) => l.split(" ")[2]));
      expect(counters.size).toBeGreaterThan(0);
      for (const l of text.split("\n").filter((l) => l.startsWith("# TYPE") && l.endsWith(" gauge"))) expect(l.split(" ")[2]).not.toEndWith("_total");
      return new Map(text.split("\n").filter((l) => counters.has(l.split(/[{ ]/)[0])).map((l) => [l.slice(0, l.lastIndexOf(" ")), Number(l.slice(l.lastIndexOf(" ") + 1))]));
    };
    const before = await scrape(file);
    const after = await scrape(quiet);
    for (const [series, value] of before) expect(after.get(series) ?? -1).toBeGreaterThanOrEqual(value);
    expect(text(after)).not.toContain("window=");
  });

  test("with no statistics yet: one clear line and exit 2", async () => {
    await withStateDir(undefined, async (dir) => {
      const { code, stdout, stderr } = await warden(["cache-stats", "--state-dir", dir]);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(stderr).toContain("no cache statistics yet");
      expect(stderr).toContain("cache-stats.json");
    });
  });

  test("a malformed statistics file names the file and exits 2", async () => {
    await withStateDir('{"writtenAt": 1, "cycle": "x"}', async (dir) => {
      const { code, stderr } = await warden(["cache-stats", "--state-dir", dir]);
      expect(code).toBe(2);
      expect(stderr).toContain("cache-stats.json");
    });
  });

  test("a missing state dir exits 2", async () => {
    const { code } = await warden(["cache-stats", "--state-dir", join(tmpdir(), "warden-no-such-dir-4f2a")]);
    expect(code).toBe(2);
  });

  test("--json with --prometheus is a usage error", async () => {
    await withStateDir(await makeStatsFile(), async (dir) => {
      expect((await warden(["cache-stats", "--state-dir", dir, "--json", "--prometheus"])).code).toBe(2);
    });
  });
});

describe("warden cache-stats --watch", () => {
  test("redraws until SIGINT, then exits 0", async () => {
    const { spawn } = await import("node:child_process");
    const { resolve } = await import("node:path");
    await withStateDir(await makeStatsFile(), async (dir) => {
      const child = spawn(process.execPath, [resolve(import.meta.dir, "../../cli/main.ts"), "cache-stats", "--watch", "--state-dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      const firstDraw = new Promise<void>((done) => {
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("since start")) done();
        });
      });
      const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
      await firstDraw;
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(out).toContain("cycle 3");
    });
  });
});
