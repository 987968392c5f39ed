/**
 * Test support: `promtool check metrics` (Debian's `prometheus` package, which .ci/run
 * installs) on an exposition, when promtool is on PATH; without it, nothing is checked here
 * (CI checks a real scrape with it anyway).
 */
import { expect } from "bun:test";
import { spawnSync } from "node:child_process";

export function hasPromtool(): boolean {
  return spawnSync("promtool", ["--version"], { stdio: "ignore" }).status === 0;
}

/** Fails the test with promtool's own words when it rejects the exposition. */
export async function promtoolAccepts(exposition: string): Promise<void> {
  if (!hasPromtool()) return;
  const result = spawnSync("promtool", ["check", "metrics"], { input: exposition, encoding: "utf8" });
  expect(`${result.stdout}${result.stderr}`.trim()).toBe("");
  expect(result.status).toBe(0);
}
