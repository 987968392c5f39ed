import { describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { withEnvCredentials } from "../../cli/commands/sim.ts";
import { main } from "../../cli/main.ts";
import { loadScenario } from "../../core/sim/scenario.ts";
import { signedGet } from "../support/sim-requests.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("warden sim serve", () => {
  test("prints its URL first, serves signed requests with credentials from the environment, stops on SIGTERM", async () => {
    const child = spawn(process.execPath, ["cli/main.ts", "sim", "serve", "--scenario", "basic", "--latency", "zero", "--port", "0"], {
      cwd: ROOT,
      env: { ...process.env, WARDEN_MAIN_API_KEY: "env-key", WARDEN_MAIN_API_SECRET: "env-secret" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once("line", resolve));
    expect(first).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = first.slice("listening on ".length);

    const req = signedGet({ apiKey: "env-key", apiSecret: "env-secret" }, "/v5/position/list", { category: "linear", settleCoin: "USDT" });
    const res = await fetch(`${url}${req.path}?${req.query}`, { headers: req.headers });
    expect(((await res.json()) as { retCode: number }).retCode).toBe(0);
    const old = signedGet({ apiKey: "sim-main-key", apiSecret: "sim-main-secret" }, "/v5/position/list", { category: "linear", settleCoin: "USDT" });
    const refused = await fetch(`${url}${old.path}?${old.query}`, { headers: old.headers });
    expect(((await refused.json()) as { retCode: number }).retCode).toBe(10003);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  test.each([
    [["sim", "start"]],
    [["sim", "serve", "--latency", "fast"]],
    [["sim", "serve", "--port", "70000"]],
    [["sim", "serve", "--seed", "x"]],
    [["sim", "serve", "--scenario", "no-such-scenario"]],
  ])("exits 2 on bad usage or input: %p", async (args) => {
    expect(await main(args)).toBe(2);
  });
});

describe("credentials from the environment", () => {
  const scenario = loadScenario("demo-30");

  test("replace the scenario's where set, one account at a time", () => {
    const vars: Record<string, string> = { WARDEN_MIRROR_API_KEY: "mk", WARDEN_MIRROR_API_SECRET: "ms" };
    const s = withEnvCredentials(scenario, (n) => vars[n]);
    expect([s.accounts["main"]!.apiKey, s.accounts.mirror?.apiKey, s.accounts.mirror?.apiSecret]).toEqual([scenario.accounts["main"]!.apiKey, "mk", "ms"]);
    expect(s.accounts.mirror?.ratio).toBe(scenario.accounts.mirror?.ratio);
  });

  test("a key without its secret is bad input", () => {
    expect(() => withEnvCredentials(scenario, (n) => (n === "WARDEN_MAIN_API_KEY" ? "k" : undefined))).toThrow(/WARDEN_MAIN_API_KEY and WARDEN_MAIN_API_SECRET/);
  });
});
