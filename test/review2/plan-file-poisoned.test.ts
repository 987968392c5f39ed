/**
 * Review 2: `warden plan` accepts levels that plans.json's own schema refuses (a % over 100,
 * a trail after TP 5..9, a trail distance of 0%). The write is not validated, so the command
 * says "plan saved" and leaves a plans.json every reader calls corrupt: the running engine
 * stops applying every plan ("keeping the plans applied before"), and every later
 * `warden plan` / `warden trade` / `plan --list` fails on STATE_CORRUPT.
 */
import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStateStore } from "../../core/store/file-state-store.ts";
import { readPlans } from "../../core/store/plans-file.ts";
import { makeMonitor } from "../domain/builders.ts";
import { runCli } from "../support/in-process-cli.ts";

async function withState(fn: (dir: string) => Promise<void>) {
  const parent = await mkdtemp(join(tmpdir(), "review2-plan-"));
  const dir = join(parent, "state");
  try {
    await new FileStateStore(dir).saveMonitors([makeMonitor({ plan: "fast" })]);
    await fn(dir);
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

describe("warden plan never writes a plans.json it cannot read back", () => {
  for (const args of [["--stop", "150%"], ["--tp", "150%"], ["--trail", "5:1%"], ["--trail", "2:0%"]]) {
    test(`plan BTCUSDT ${args.join(" ")}: refused (exit 2), or saved in a plans.json that still reads`, async () => {
      await withState(async (dir) => {
        const ok = await runCli(["plan", "BTCUSDT", "--stop", "58000", "--state-dir", dir]);
        expect(ok.code).toBe(0);
        const r = await runCli(["plan", "BTCUSDT", ...args, "--state-dir", dir]);
        const readable = await readPlans(dir).then(() => "readable", (e: Error) => e.message);
        const list = await runCli(["plan", "--list", "--state-dir", dir]);
        expect({ code: r.code, readable, listCode: list.code }).toEqual(r.code === 2 ? { code: 2, readable: "readable", listCode: 0 } : { code: 0, readable: "readable", listCode: 0 });
      });
    });
  }
});
