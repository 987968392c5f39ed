/** Every event name the code emits is in the catalogue (catalogue.ts) and documented (EVENTS.md). */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { EVENT } from "../../core/logs/catalogue.ts";

const root = resolve(import.meta.dir, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Names passed as the event argument of an emit call: `emit(<level expression>, "name", ...)`. */
function emitted(): Map<string, string> {
  const found = new Map<string, string>();
  const call = /emit\([^,();]*?,\s*"([a-z][a-z.-]*)"/g;
  for (const file of [...sources(join(root, "core")), ...sources(join(root, "cli"))]) {
    for (const match of readFileSync(file, "utf8").matchAll(call)) found.set(match[1]!, file.slice(root.length + 1));
  }
  return found;
}

describe("event catalogue", () => {
  test("finds the emit calls it checks (the scan itself works)", () => {
    const names = emitted();
    for (const name of ["cycle.completed", "alert", "protection.changed", "read.failed", "snapshot.loaded"]) expect(names.has(name)).toBe(true);
  });

  test("every emitted event is in the catalogue and in EVENTS.md", () => {
    const catalogued = new Set<string>(Object.values(EVENT));
    const documented = readFileSync(join(root, "core/logs/EVENTS.md"), "utf8");
    const missing = [...emitted()].filter(([name]) => !catalogued.has(name) || !documented.includes(`\`${name}\``)).map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });
});
