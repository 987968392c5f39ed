/**
 * The Telegram bot token never leaves the process but in the Bot API's URL (issue 11, as
 * issue 3 for the exchange keys): real `warden run` processes (NDJSON and the human view, a
 * log file, the state dir) and `warden alerts test` (text and --json) against a Bot API
 * stand-in whose error answers echo the request path, token included, plainly and
 * URL-encoded. The token's ':' makes the encoded form a distinct needle.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { noStopScenario, serverError, startBotApi, startWebhook, type Receiver } from "../support/alert-receivers.ts";
import { killAllProcesses, spawnWarden, tempDir, type WardenProcess } from "../support/processes.ts";

const TOKEN = `987654321:AAH-${randomBytes(16).toString("hex")}`;
const needles = [TOKEN, encodeURIComponent(TOKEN), TOKEN.split(":")[1]!];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

describe("the Telegram bot token in everything warden writes", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let bot: Receiver;
  let hook: Receiver;
  beforeAll(async () => {
    dir = await tempDir("token");
    bot = await startBotApi(TOKEN);
    hook = await startWebhook();
  });
  afterAll(async () => {
    await killAllProcesses();
    await Promise.all([bot.close(), hook.close()]);
    await dir.remove();
  });

  test("appears in no stdout, stderr, log file, state file, webhook body or message, through failures that echo it", async () => {
    const echo = (status: number) => ({ status, body: { ok: false, error_code: status, description: `failed at /bot${TOKEN}/sendMessage (${encodeURIComponent(TOKEN)})` } });
    // run 1: a 500 echoing the token (retried), then a 400 echoing it (given up); run 2 (human view): the same again
    bot.script(echo(500), serverError(), echo(400), echo(500), echo(400));
    const scenario = join(dir.path, "scenario.json");
    const config = join(dir.path, "config.json");
    const logFile = join(dir.path, "run.ndjson");
    const stateDir = join(dir.path, "state");
    writeFileSync(scenario, JSON.stringify(noStopScenario("token-secrecy", 56000)));
    writeFileSync(config, JSON.stringify({ alerts: { telegram: { chatId: "42", apiBase: bot.url }, webhook: { url: hook.url }, minLevel: "info" } }));
    const env = { WARDEN_TELEGRAM_BOT_TOKEN: TOKEN };
    const procs: WardenProcess[] = [];
    for (const view of [["--json"], []]) {
      const proc = spawnWarden(["run", "--exchange", "sim", "--latency", "zero", "--scenario", scenario, "--config", config, "--state-dir", stateDir, "--log-file", logFile, ...view], { env });
      procs.push(proc);
      expect((await proc.exited).code).toBe(0);
    }
    for (const extra of [["--json"], []]) {
      bot.script(echo(400));
      const proc = spawnWarden(["alerts", "test", "--config", config, ...extra], { env });
      procs.push(proc);
      expect((await proc.exited).code).toBe(1);
    }

    // the failures did happen and were reported (redacted), and the token did reach the Bot API's URL
    const log = readFileSync(logFile, "utf8");
    expect(log).toContain('"event":"alert.delivery-failed"');
    expect(log).toContain("failed at /bot[redacted]/sendMessage");
    expect(procs[2]!.stdout()).toContain("[redacted]");
    expect(bot.received.some((r) => r.path === `/bot${TOKEN}/sendMessage`)).toBe(true);

    const places: { where: string; text: string }[] = [];
    procs.forEach((p, i) => places.push({ where: `process ${i + 1} stdout`, text: p.stdout() }, { where: `process ${i + 1} stderr`, text: p.stderr() }));
    for (const file of [logFile, ...filesUnder(stateDir)]) places.push({ where: file, text: readFileSync(file, "utf8") });
    for (const r of [...bot.received, ...hook.received]) places.push({ where: `request body to ${r.path.slice(0, 4)}`, text: JSON.stringify(r.body) });
    const leaks = places.flatMap(({ where, text }) => needles.filter((n) => text.includes(n)).map((n) => `${where} contains ${n.slice(0, 6)}...`));
    expect(leaks).toEqual([]);
  }, 60_000);
});
