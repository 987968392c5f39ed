/**
 * Review 2: `warden trade ... --stop 150%` (or `--tp 150%`, a stop pct over 100). planTrade
 * (core/domain/trade.ts) never checks the stop's % (positionPlanProblems gets the plan
 * without its stop) nor any % against plans.json's schema (pct <= 100); updatePlans writes
 * without validating. The trade says the plan is recorded and places the entry; plans.json
 * is then refused as corrupt by every reader: the engine applies no trader plan at all (this
 * one or any other) and every later `warden plan` fails.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readPlans } from "../../core/store/plans-file.ts";
import { DEMO_KEYS, killAllProcesses, spawnWarden, startSimServer, tempDir, type SimServerProcess } from "../support/processes.ts";

const MAIN_KEYS = { WARDEN_MAIN_API_KEY: DEMO_KEYS["WARDEN_MAIN_API_KEY"]!, WARDEN_MAIN_API_SECRET: DEMO_KEYS["WARDEN_MAIN_API_SECRET"]! };
let sim: SimServerProcess;
let dir: { path: string; remove: () => Promise<void> };
const state = () => join(dir.path, "state");

beforeAll(async () => {
  dir = await tempDir("review2-trade-pct");
  const scenario = {
    name: "pct", seed: 3, start: "2025-07-24T10:00:00Z", stepMs: 5000, latency: "zero",
    accounts: { main: { apiKey: "sim-main-key", apiSecret: "sim-main-secret", balance: 100000 } },
    instruments: ["ETHUSDT"], positions: [],
    prices: { ETHUSDT: Array.from({ length: 10 }, () => 3_000) },
  };
  writeFileSync(join(dir.path, "pct.json"), JSON.stringify(scenario));
  sim = await startSimServer({ scenario: join(dir.path, "pct.json"), latency: "zero", env: MAIN_KEYS });
});

afterAll(async () => {
  await killAllProcesses();
  await dir.remove();
});

describe("warden trade with a % the plans file refuses", () => {
  test("--stop 150%: refused with nothing placed, or a plans.json that still reads", async () => {
    const p = spawnWarden(["trade", "ETHUSDT", "short", "--qty", "0.1", "--market", "--stop", "150%", "--base-url", sim.url, "--state-dir", state()], { env: MAIN_KEYS });
    const exit = await p.exited;
    const position = Number((await sim.state()).accounts["main"]!.positions.find((x) => x.symbol === "ETHUSDT")?.size ?? 0);
    const plans = await readPlans(state()).then(() => "readable", (e: Error) => e.message);
    expect({ code: exit.code, position, plans }).toEqual(exit.code === 2 ? { code: 2, position: 0, plans: "readable" } : { code: 0, position: 0.1, plans: "readable" });
  }, 60_000);
});
