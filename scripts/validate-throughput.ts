/**
 * Measures `validate` throughput: writes a large old-format log (the 15 s TTL era, from the
 * seeded sample generator) into a temp directory, plain and gzipped, runs the real CLI over
 * each, and prints MB/s of log text (uncompressed bytes) per second of wall time.
 *
 *   bun scripts/validate-throughput.ts [--mb 300] [--runs 3]
 *   deno run -A scripts/validate-throughput.ts [--mb 300] [--runs 3]
 */
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeSync, openSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";
import { Buffer } from "node:buffer";
import { oldLog } from "./log-samples.ts";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const targetMb = flag("mb", 300);
const runs = flag("runs", 3);
const onDeno = (globalThis as Record<string, unknown>)["Deno"] !== undefined;
const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "warden-validate-"));
const plain = join(dir, "bot.log");
const gz = join(dir, "bot.log.gz");

function writeLog(): number {
  // 200 cycles of the healthy era (about 2.7 MB), repeated: line content is what matters.
  const block = Buffer.from(`${oldLog(42, "ttl", 200).join("\n")}\n`);
  const fd = openSync(plain, "w");
  let written = 0;
  while (written < targetMb * 1e6) {
    let offset = 0;
    while (offset < block.length) offset += writeSync(fd, block, offset);
    written += block.length;
  }
  closeSync(fd);
  return written;
}

function measure(file: string, bytes: number): { seconds: number; mbps: number; verdict: string } {
  let best = Infinity;
  let verdict = "";
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const runtimeArgs = onDeno ? ["run", "-A"] : [];
    const result = spawnSync(process.execPath, [...runtimeArgs, join(root, "cli/main.ts"), "validate", file, "--json"], { encoding: "utf8", maxBuffer: 1 << 24 });
    const seconds = (performance.now() - started) / 1000;
    if (result.status !== 0 && result.status !== 1) throw new Error(`validate exited ${result.status}: ${result.stderr}`);
    verdict = (JSON.parse(result.stdout) as { verdict: string }).verdict;
    best = Math.min(best, seconds);
  }
  return { seconds: best, mbps: bytes / 1e6 / best, verdict };
}

try {
  const bytes = writeLog();
  await pipeline(createReadStream(plain), createGzip({ level: 6 }), createWriteStream(gz));
  const gzBytes = statSync(gz).size;
  const p = measure(plain, bytes);
  const z = measure(gz, bytes);
  const mb = (n: number) => (n / 1e6).toFixed(1);
  process.stdout.write(
    [
      `validate throughput (best of ${runs}, whole CLI process, ${onDeno ? "deno" : "bun"})`,
      `  plain: ${mb(bytes)} MB in ${p.seconds.toFixed(2)} s = ${p.mbps.toFixed(0)} MB/s (verdict ${p.verdict})`,
      `  gzip:  ${mb(gzBytes)} MB compressed, ${mb(bytes)} MB of text in ${z.seconds.toFixed(2)} s = ${z.mbps.toFixed(0)} MB/s of text (verdict ${z.verdict})`,
      "",
    ].join("\n"),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
