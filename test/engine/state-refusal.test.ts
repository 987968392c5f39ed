/**
 * A damaged monitors file is never treated as empty (issue 3): `run` refuses with exit 2,
 * one line naming the file, leaves the file byte for byte as it was, and makes no
 * exchange request (the simulator's request counts do not move).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_KEYS, killAllProcesses, spawnWarden, startSimServer, tempDir, type SimServerProcess, type SimState } from "../support/processes.ts";

interface Damage {
  readonly name: string;
  readonly damage: (text: string) => string;
  /** What the message must say about why. */
  readonly why: RegExp;
}

const damages: Damage[] = [
  { name: "truncated half way", damage: (text) => text.slice(0, Math.floor(text.length / 2)), why: /truncated|end of|unexpected/i },
  {
    name: "a wrong checksum",
    damage: (text) => text.replace(/"checksum": "sha256:([0-9a-f])/, (_m, c: string) => `"checksum": "sha256:${c === "0" ? "1" : "0"}`),
    why: /checksum/i,
  },
  {
    name: "valid JSON whose content no longer matches its checksum",
    damage: (text) => text.replace(/"size": (\d+)/, (_m, n: string) => `"size": ${Number(n) + 1}`),
    why: /checksum/i,
  },
];

/** Every file under the state dir with its size. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => `${name} ${statSync(join(dir, name)).size}`)
    .sort();
}

/** Request counts per exchange endpoint (the simulator's own control routes left out). */
function exchangeRequests(state: SimState): Record<string, number> {
  return Object.fromEntries(Object.entries(state.requests).filter(([path]) => !path.startsWith("/__sim/")));
}

describe("warden run on a damaged monitors.json", () => {
  let sim: SimServerProcess;
  const dirs: { remove: () => Promise<void> }[] = [];
  const runArgs = (stateDir: string) => ["run", "--exchange", "bybit", "--base-url", sim.url, "--state-dir", stateDir, "--once", "--json"];

  beforeAll(async () => {
    sim = await startSimServer({ latency: "zero", env: DEMO_KEYS });
  });
  afterAll(async () => {
    await killAllProcesses();
    for (const d of dirs) await d.remove();
  });

  for (const { name, damage, why } of damages) {
    test(`refuses with exit 2 naming the file, keeps it byte-identical and calls no exchange endpoint, when it has ${name}`, async () => {
      const dir = await tempDir("state");
      dirs.push(dir);
      const good = spawnWarden(runArgs(dir.path), { env: DEMO_KEYS });
      expect((await good.exited).code).toBe(0);
      const file = join(dir.path, "monitors.json");
      const damaged = damage(readFileSync(file, "utf8"));
      expect(damaged).not.toBe(readFileSync(file, "utf8"));
      writeFileSync(file, damaged);
      const before = readFileSync(file);
      const requestsBefore = exchangeRequests(await sim.state());
      const filesBefore = listing(dir.path);

      const refused = spawnWarden(runArgs(dir.path), { env: DEMO_KEYS });
      const exit = await refused.exited;

      const message = refused.stderr().trim();
      expect({ code: exit.code, lines: message.split("\n").length }).toEqual({ code: 2, lines: 1 });
      expect(message).toContain(file);
      expect(message).toMatch(why);
      expect(Buffer.compare(readFileSync(file), before)).toBe(0);
      expect(exchangeRequests(await sim.state())).toEqual(requestsBefore);
      // Nothing else written either (no checkpoint of the damaged state, no journal), and no cycle ran.
      expect(listing(dir.path)).toEqual(filesBefore);
      expect(refused.stdout()).not.toContain('"event":"cycle.completed"');
    }, 30_000);
  }
});
