/**
 * Alerts played end to end with real HTTP: real `warden run --exchange sim --latency zero`
 * processes send to a loopback stand-in for the Telegram Bot API and a webhook receiver.
 * Scenarios are one long BTCUSDT position with no stop: adopted past its default stop (an
 * error alert at once), or with every order create failing (an `unprotected` alert every
 * cycle with `protection.alertRepeatMs` 0). Nothing here waits on a clock: tests wait for
 * requests and exits.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { eventsOf, killAllWardens, spawnWarden, tempDir } from "../support/processes.ts";
import { noStopScenario, serverError, startBotApi, startWebhook, tooManyRequests, type Receiver } from "../support/alert-receivers.ts";

const TOKEN = "123456:TEST-token-for-the-stand-in";
const CHAT = "-1001234567890";

let dir: { path: string; remove: () => Promise<void> };
let runNo = 0;
const receivers: Receiver[] = [];

beforeAll(async () => {
  dir = await tempDir("alerts");
});
afterEach(async () => {
  await killAllWardens();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await dir.remove();
});

/** The scenario and config as files; a run of them on the in-process simulator. */
function run(scenario: Record<string, unknown>, config: Record<string, unknown>, env: Record<string, string> = { WARDEN_TELEGRAM_BOT_TOKEN: TOKEN }) {
  runNo++;
  const scenarioFile = join(dir.path, `scenario-${runNo}.json`);
  const configFile = join(dir.path, `config-${runNo}.json`);
  writeFileSync(scenarioFile, JSON.stringify(scenario));
  writeFileSync(configFile, JSON.stringify(config));
  const proc = spawnWarden(["run", "--exchange", "sim", "--latency", "zero", "--scenario", scenarioFile, "--config", configFile, "--state-dir", join(dir.path, `state-${runNo}`), "--json"], { env });
  return proc;
}

async function receiversUp(): Promise<{ bot: Receiver; hook: Receiver }> {
  const bot = await startBotApi(TOKEN);
  const hook = await startWebhook();
  receivers.push(bot, hook);
  return { bot, hook };
}

const alertsTo = (bot: Receiver | undefined, hook: Receiver | undefined, extra: Record<string, unknown> = {}) => ({
  alerts: {
    ...(bot !== undefined ? { telegram: { chatId: CHAT, apiBase: bot.url } } : {}),
    ...(hook !== undefined ? { webhook: { url: `${hook.url}/warden` } } : {}),
    ...extra,
  },
});

const named = (events: Record<string, unknown>[], name: string) => events.filter((e) => e["event"] === name);

describe("alerts from a real run to Telegram and a webhook", () => {
  test("an alert reaches the Bot API stand-in as a phone-readable sendMessage and the webhook as the event, after a 500 and a 429 with retry_after", async () => {
    const { bot, hook } = await receiversUp();
    bot.script(serverError(), tooManyRequests(1));
    const proc = run(noStopScenario("alerts-past-stop", 56000), alertsTo(bot, hook));
    const exit = await proc.exited;
    expect({ code: exit.code, stderr: proc.stderr() }).toEqual({ code: 0, stderr: "" });
    const events = eventsOf(proc.lines);
    const alerts = named(events, "alert");
    expect(alerts.map((a) => a["kind"])).toEqual(["adoption-past-stop", "unprotected"]);

    // Telegram: the first alert's first attempt got a 500, its second a 429 (retry_after 1), its third went through.
    const sends = bot.received;
    expect(sends.map((r) => r.path)).toEqual(Array(4).fill(`/bot${TOKEN}/sendMessage`));
    expect(sends.every((r) => r.body["chat_id"] === CHAT)).toBe(true);
    const first = String(sends[0]!.body["text"]);
    expect(sends[2]!.body["text"]).toBe(first);
    expect(first.split("\n")).toEqual([
      "🔴 Stop past the mark at adoption: main BTCUSDT long",
      "Stop 57000, mark 56000.",
      "Warden: placed the stop at 53200 instead (from the mark).",
      "You: check the stop suits you; move it by hand if not.",
      "10:00:00 UTC",
    ]);
    expect(String(sends[3]!.body["text"])).toStartWith("🟠 UNPROTECTED: main BTCUSDT long 0.1\n");
    // the 429's retry_after was honoured: a second at least between the 429 and the retry
    expect(sends[2]!.at - sends[1]!.at).toBeGreaterThanOrEqual(950);

    const retries = named(events, "alert.retrying").filter((e) => e["channel"] === "telegram");
    expect(retries.map((e) => [e["attempt"], e["status"], e["inMs"]])).toEqual([
      [1, 500, 1000],
      [2, 429, 1000],
    ]);
    const delivered = named(events, "alert.delivered");
    expect(delivered.filter((e) => e["channel"] === "telegram").map((e) => [e["kind"], e["attempts"], e["answer"]])).toEqual([
      ["adoption-past-stop", 3, "message 1"],
      ["unprotected", 1, "message 2"],
    ]);

    // Webhook: each alert event as JSON, with the text beside it.
    expect(hook.received.map((r) => [r.path, r.body["event"], r.body["kind"], r.body["monitor"]])).toEqual([
      ["/warden", "alert", "adoption-past-stop", "main:BTCUSDT:long"],
      ["/warden", "alert", "unprotected", "main:BTCUSDT:long"],
    ]);
    expect(hook.received[0]!.body["text"]).toBe(first);
    expect(named(events, "alert.delivery-failed")).toEqual([]);
  }, 30_000);

  test("repeats of one alert within alerts.dedupMs are sent once; a repeat at a higher level goes through", async () => {
    const { hook } = await receiversUp();
    const scenario = noStopScenario("alerts-refused", 60000, [{ kind: "5xx", path: "/v5/order/create" }]);
    const proc = run(scenario, { protection: { alertRepeatMs: 0 }, ...alertsTo(undefined, hook) });
    const exit = await proc.exited;
    expect({ code: exit.code, stderr: proc.stderr() }).toEqual({ code: 0, stderr: "" });
    const events = eventsOf(proc.lines);
    const alerts = named(events, "alert").filter((e) => e["kind"] === "unprotected");
    expect(alerts.map((e) => e["level"])).toEqual(["warn", ...Array(7).fill("error")]); // every cycle, 5 s of virtual time apart
    expect(hook.received.map((r) => [r.body["kind"], r.body["level"]])).toEqual([
      ["unprotected", "warn"],
      ["unprotected", "error"],
    ]);
    expect(named(events, "alert.deduplicated").map((e) => e["deduplicated"])).toEqual([1, 2, 3, 4, 5, 6]);
  }, 30_000);

  test("a receiver that never answers does not hold the run: every cycle completes, then delivery is given up after alerts.flushMs", async () => {
    const { bot, hook } = await receiversUp();
    bot.script("hang", "hang");
    hook.script("hang", "hang");
    const proc = run(noStopScenario("alerts-hang", 56000), alertsTo(bot, hook, { flushMs: 300 }));
    const exit = await proc.exited;
    expect({ code: exit.code, stderr: proc.stderr() }).toEqual({ code: 0, stderr: "" });
    const events = eventsOf(proc.lines);
    expect(named(events, "cycle.completed")).toHaveLength(8);
    const stopped = events.findIndex((e) => e["event"] === "run.stopped");
    expect(stopped).toBeGreaterThan(0);
    // both channels were sending the first alert (the second queued behind it) while the engine cycled on and stopped
    expect(bot.received.map((r) => r.body["text"])).toEqual([expect.stringContaining("Stop past the mark")]);
    expect(hook.received.map((r) => r.body["kind"])).toEqual(["adoption-past-stop"]);
    expect(named(events, "alert.delivered")).toEqual([]);
    const failed = named(events, "alert.delivery-failed");
    expect(failed.map((e) => [e["channel"], e["kind"]]).sort()).toEqual([
      ["telegram", "adoption-past-stop"],
      ["telegram", "unprotected"],
      ["webhook", "adoption-past-stop"],
      ["webhook", "unprotected"],
    ]);
    expect(failed.every((e) => /shut down/.test(String(e["reason"])))).toBe(true);
    expect(events.findIndex((e) => e["event"] === "alert.delivery-failed")).toBeGreaterThan(stopped);
    expect(proc.lines.at(-1)).toStartWith('{"summary":'); // still the last line
  }, 30_000);

  test("a telegram config without WARDEN_TELEGRAM_BOT_TOKEN is refused in one line, exit 2, before any request", async () => {
    const { bot } = await receiversUp();
    const proc = run(noStopScenario("alerts-no-token", 56000), alertsTo(bot, undefined), {});
    const exit = await proc.exited;
    expect(exit.code).toBe(2);
    expect(proc.stderr().trim().split("\n")).toEqual([expect.stringContaining("WARDEN_TELEGRAM_BOT_TOKEN is not set")]);
    expect(proc.stdout()).toBe("");
    expect(bot.received).toEqual([]);
  }, 30_000);
});

describe("warden alerts test", () => {
  const alertsTest = (config: Record<string, unknown> | undefined, env: Record<string, string> = { WARDEN_TELEGRAM_BOT_TOKEN: TOKEN }, extra: string[] = []) => {
    const args = ["alerts", "test", ...extra];
    if (config !== undefined) {
      runNo++;
      const file = join(dir.path, `alerts-test-${runNo}.json`);
      writeFileSync(file, JSON.stringify(config));
      args.push("--config", file);
    }
    return spawnWarden(args, { env });
  };

  test("sends one test message through every channel and prints each answer; exit 0", async () => {
    const { bot, hook } = await receiversUp();
    const proc = alertsTest(alertsTo(bot, hook));
    expect((await proc.exited).code).toBe(0);
    expect(proc.lines).toEqual([expect.stringMatching(/^telegram +delivered +HTTP 200 +message 1$/), expect.stringMatching(/^webhook +delivered +HTTP 204 +HTTP 204$/)]);
    expect(String(bot.received[0]!.body["text"])).toStartWith("🟢 Test message\n");
    expect(hook.received[0]!.body).toMatchObject({ event: "alert", kind: "test", level: "info" });
  });

  test("a channel that refuses (a wrong token) exits 1 and says what it answered, in --json too", async () => {
    const { bot, hook } = await receiversUp();
    const proc = alertsTest(alertsTo(bot, hook), { WARDEN_TELEGRAM_BOT_TOKEN: "999:wrong-token" }, ["--json"]);
    expect((await proc.exited).code).toBe(1);
    const out = JSON.parse(proc.stdout()) as { channels: Record<string, unknown>[] };
    expect(out.channels).toEqual([
      { channel: "telegram", delivered: false, status: 401, reason: "401: Unauthorized", retryable: false },
      { channel: "webhook", delivered: true, status: 204, answer: "HTTP 204" },
    ]);
    expect(proc.stdout()).not.toContain("wrong-token");
  });

  test("no channel configured, or a bad alerts section: exit 2 with one line", async () => {
    const none = alertsTest(undefined);
    expect((await none.exited).code).toBe(2);
    expect(none.stderr()).toContain("no alert channel configured");
    const bad = alertsTest({ alerts: { webhook: { url: "ftp://example.com" }, telegram: { chatId: "1", token: "x" } } });
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr().trim().split("\n")).toEqual([expect.stringMatching(/CONFIG_INVALID: .*alerts-test-\d+\.json: 2 problem\(s\): alerts\.telegram: Unrecognized key: "token"; alerts\.webhook\.url: expected an http\(s\) URL$/)]);
  });
});
