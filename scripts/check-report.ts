/**
 * Renders a bench report in headless Chromium (Debian's `chromium`, /usr/bin/chromium, or
 * $CHROMIUM) and checks its charts in the rendered DOM: every svg[data-chart] must have
 * more than zero laid-out data marks, and there must be as many charts as the page says.
 *
 *   bun scripts/check-report.ts report.html     exit 0 ok, 1 charts missing, 2 bad usage / no browser
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { checkRenderedDom, type ReportCheck } from "../core/bench/report-check.ts";
import { argv, env, exit, writeStderr, writeStdout } from "../core/runtime.ts";

export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

export function chromiumPath(): string | undefined {
  const p = env("CHROMIUM") ?? DEFAULT_CHROMIUM;
  return existsSync(p) ? p : undefined;
}

/** The DOM Chromium serialises after loading the page (its inline render check included). */
export function dumpDom(file: string, chromium: string): string {
  const profile = mkdtempSync(join(tmpdir(), "warden-chromium-"));
  try {
    const r = spawnSync(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        `--user-data-dir=${profile}`,
        "--dump-dom",
        pathToFileURL(resolve(file)).href,
      ],
      { encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${(r.stderr ?? "").split("\n").slice(-3).join(" ")}`);
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

export function checkReportInChromium(file: string, chromium: string): ReportCheck {
  return checkRenderedDom(dumpDom(file, chromium));
}

if (import.meta.main) {
  const file = argv()[0];
  if (!file || !existsSync(file)) {
    writeStderr(`check-report: usage: check-report FILE.html (${file ? `no such file ${file}` : "no file given"})\n`);
    exit(2);
  }
  const chromium = chromiumPath();
  if (!chromium) {
    writeStderr(`check-report: no chromium at ${env("CHROMIUM") ?? DEFAULT_CHROMIUM} (apt-get install chromium, or set CHROMIUM)\n`);
    exit(2);
  }
  const check = checkReportInChromium(file, chromium);
  for (const c of check.charts) writeStdout(`chart ${c.id}: ${c.marks} rendered marks\n`);
  for (const p of check.problems) writeStdout(`problem: ${p}\n`);
  writeStdout(check.ok ? `ok: ${check.charts.length} charts rendered in ${chromium}\n` : "FAILED\n");
  exit(check.ok ? 0 : 1);
}
