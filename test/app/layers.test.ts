/**
 * Composition lives in app/ (issue "accounts as data"): the core (domain, engine, exchange,
 * store, cache, alerts, metrics, status, logs) never imports the simulator, msw, the bench
 * or the soak, and a live `run` loads the simulator only when it plays one.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dir, "..", "..");
const CORE = ["domain", "engine", "exchange", "store", "cache", "alerts", "metrics", "status", "logs"];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** Value imports (not `import type`), static or dynamic, of each file. */
function valueImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/import\("([^"]+)"\)/g)) out.push(m[1]!);
  return out;
}

describe("layers", () => {
  test("the core imports neither the simulator, msw, the bench, the soak nor app/", () => {
    const offences: string[] = [];
    for (const layer of CORE) {
      for (const file of files(join(root, "core", layer))) {
        for (const spec of valueImports(readFileSync(file, "utf8"))) {
          if (/(^|\/)(sim|bench|soak)\//.test(spec) || spec === "msw" || spec.startsWith("msw/") || /\/app\//.test(spec)) offences.push(`${relative(root, file)} imports ${spec}`);
        }
      }
    }
    expect(offences).toEqual([]);
  });

  test("a live run imports the simulator only inside the simulated branch (dynamic import)", () => {
    const text = readFileSync(join(root, "app", "run.ts"), "utf8");
    const staticSim = [...text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]!).filter((s) => /\/sim\/|sim-session|msw/.test(s));
    expect(staticSim).toEqual([]);
  });
});
