/**
 * `npm ci` on a fresh machine reads clean: every installed package with an install script is
 * settled in package.json's `allowScripts` (npm 11 blocks the unlisted ones and prints a
 * warning per package that reads like a failure). Only the runtimes' postinstalls run.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { allowScripts?: Record<string, boolean> };

/** Installed packages (scoped included, nested node_modules too) that declare an install-time script. */
function withInstallScripts(dir: string, found = new Set<string>()): Set<string> {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith(".")) continue;
    const names = entry.startsWith("@") ? readdirSync(join(dir, entry)).map((n) => `${entry}/${n}`) : [entry];
    for (const name of names) {
      const manifest = join(dir, name, "package.json");
      if (!existsSync(manifest)) continue;
      const { scripts = {} } = JSON.parse(readFileSync(manifest, "utf8")) as { scripts?: Record<string, string> };
      const gyp = existsSync(join(dir, name, "binding.gyp")); // npm runs node-gyp for these without a script
      if (["preinstall", "install", "postinstall"].some((s) => s in scripts) || gyp) found.add(name);
      withInstallScripts(join(dir, name, "node_modules"), found);
    }
  }
  return found;
}

describe("install scripts", () => {
  test("every installed package with an install script is approved or denied in package.json", () => {
    const settled = new Set(Object.keys(pkg.allowScripts ?? {}).map((k) => k.replace(/(.)@.*$/, "$1")));
    const pending = [...withInstallScripts(join(ROOT, "node_modules"))].filter((name) => !settled.has(name)).sort();
    expect(pending).toEqual([]);
  });

  test("only the runtimes' postinstalls (they put the native bun and deno binaries on the bin path) may run", () => {
    const allowed = Object.entries(pkg.allowScripts ?? {}).filter(([, ok]) => ok).map(([name]) => name).sort();
    expect(allowed).toEqual(["bun", "deno"]);
  });
});
