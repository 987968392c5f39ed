/**
 * The delivery's pieces on their own: pacing to Telegram's limits, dedup, the bounded queue,
 * retries and give-ups, the bounded flush, stats; the channels against real loopback HTTP.
 * Time is a virtual timer (a sleep advances it at once), so nothing here waits on a clock.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AlertSink } from "../../core/alerts/alert-sink.ts";
import type { Channel, SendResult } from "../../core/alerts/channel.ts";
import { backoffMs, DELIVERY_POLICY, type Timer } from "../../core/alerts/delivery-lane.ts";
import { Pacer } from "../../core/alerts/pacer.ts";
import { Repeats } from "../../core/alerts/repeats.ts";
import { TelegramChannel, telegramPace } from "../../core/alerts/telegram.ts";
import { WebhookChannel } from "../../core/alerts/webhook.ts";
import { emitter, MemorySink, type Level, type WardenEvent } from "../../core/logs/event.ts";
import { serverError, startBotApi, startWebhook, tooManyRequests, type Receiver } from "../support/alert-receivers.ts";

function alertEvent(fields: { level?: Level; kind?: string; monitor?: string; ts?: string; message?: string } = {}): WardenEvent {
  const { level = "error", kind = "unprotected", monitor = "main:BTCUSDT:long", ts = "2026-11-20T09:00:00.000Z", message = "main:BTCUSDT:long (0.1) is UNPROTECTED" } = fields;
  return { ts, level, component: "engine", event: "alert", kind, monitor, message };
}

/** Virtual time: a sleep moves the clock on at once (and still honours an abort). */
function virtualTimer(): Timer & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    async sleep(ms, signal) {
      signal.throwIfAborted();
      if (ms > 0) slept.push(ms);
      now += Math.max(0, ms);
      await Promise.resolve();
    },
  };
}

/** A channel answering from a script (then ok), or holding every send until released. */
function stubChannel(script: SendResult[] = [], opts: { hold?: boolean } = {}) {
  const sent: { text: string; kind: unknown }[] = [];
  const held: (() => void)[] = [];
  const channel: Channel = {
    name: "webhook",
    pace: { minGapMs: 0 },
    async send(event, text, signal) {
      sent.push({ text, kind: event["kind"] });
      if (opts.hold) {
        await new Promise<void>((resolve, reject) => {
          held.push(resolve);
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        }).catch(() => undefined);
        if (signal.aborted) return { ok: false, reason: "aborted", retryable: true };
      }
      return script.shift() ?? { ok: true, status: 200, answer: "ok" };
    },
  };
  return { channel, sent, release: () => held.splice(0).forEach((r) => r()) };
}

function sinkWith(channel: Channel, extra: { minLevel?: Level; dedupMs?: number; queueSize?: number } = {}) {
  const events = new MemorySink();
  const timer = virtualTimer();
  const sink = new AlertSink({ channels: [channel], minLevel: extra.minLevel ?? "warn", dedupMs: extra.dedupMs ?? 60_000, queueSize: extra.queueSize ?? 100, emit: emitter(events, "alerts", () => 0), timer });
  return { sink, events, timer };
}

describe("Pacer", () => {
  test("a private chat: one message a second", () => {
    const pacer = new Pacer(telegramPace("12345"));
    expect(pacer.delayMs(0)).toBe(0);
    pacer.sent(0);
    expect(pacer.delayMs(400)).toBe(600);
    expect(pacer.delayMs(1_000)).toBe(0);
  });

  test("a group (negative id): also at most 20 in any minute", () => {
    const pacer = new Pacer(telegramPace("-100200300"));
    for (let i = 0; i < 20; i++) {
      const at = i * 1_000;
      expect(pacer.delayMs(at)).toBe(0);
      pacer.sent(at);
    }
    expect(pacer.delayMs(20_000)).toBe(40_000); // the first of the 20 leaves the window at 60 s
    expect(pacer.delayMs(60_000)).toBe(0);
  });

  test("a retry_after holds the next send back", () => {
    const pacer = new Pacer(telegramPace("1"));
    pacer.holdUntil(5_000);
    expect(pacer.delayMs(0)).toBe(5_000);
  });
});

describe("Repeats", () => {
  test("the same kind and monitor within the window is a repeat; another monitor, a later time or a higher level is not", () => {
    const repeats = new Repeats(60_000);
    const at = (s: number) => new Date(Date.UTC(2026, 10, 20, 9, 0, s)).toISOString();
    expect(repeats.isRepeat(alertEvent({ level: "warn", ts: at(0) }), 0)).toBe(false);
    expect(repeats.isRepeat(alertEvent({ level: "warn", ts: at(5) }), 0)).toBe(true);
    expect(repeats.isRepeat(alertEvent({ level: "error", ts: at(10) }), 0)).toBe(false);
    expect(repeats.isRepeat(alertEvent({ level: "warn", ts: at(15) }), 0)).toBe(true);
    expect(repeats.isRepeat(alertEvent({ monitor: "main:ETHUSDT:short", ts: at(15) }), 0)).toBe(false);
    expect(repeats.isRepeat(alertEvent({ kind: "stop-refused", ts: at(15) }), 0)).toBe(false);
    expect(repeats.isRepeat(alertEvent({ level: "error", ts: new Date(Date.parse(at(10)) + 60_000).toISOString() }), 0)).toBe(false);
  });
});

describe("AlertSink", () => {
  test("emit returns before delivery; alerts below minLevel and other events are not sent", async () => {
    const stub = stubChannel();
    const { sink } = sinkWith(stub.channel);
    sink.emit(alertEvent({ level: "info", kind: "outage-over" }));
    sink.emit({ ...alertEvent(), event: "cycle.completed" });
    sink.emit(alertEvent());
    expect(stub.sent).toHaveLength(0); // nothing sent inside emit
    await sink.flush(1_000);
    expect(stub.sent.map((s) => s.kind)).toEqual(["unprotected"]);
    expect(sink.stats()).toEqual({ alerts: 1, deduplicated: 0, channels: { webhook: { delivered: 1, failed: 0, dropped: 0, retries: 0, queued: 0 } } });
  });

  test("retries with exponential back-off, then gives up after the policy's attempts", async () => {
    const fail: SendResult = { ok: false, status: 503, reason: "HTTP 503", retryable: true };
    const stub = stubChannel(Array(DELIVERY_POLICY.attempts).fill(fail));
    const { sink, events, timer } = sinkWith(stub.channel);
    sink.emit(alertEvent());
    await sink.flush(1_000_000);
    expect(stub.sent).toHaveLength(DELIVERY_POLICY.attempts);
    expect(timer.slept).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(events.named("alert.retrying").map((e) => e["attempt"])).toEqual([1, 2, 3, 4, 5]);
    expect(events.named("alert.delivery-failed")).toEqual([expect.objectContaining({ channel: "webhook", kind: "unprotected", attempts: 6, status: 503, reason: "gave up after 6 attempts: HTTP 503" })]);
    expect(sink.stats().channels["webhook"]).toMatchObject({ delivered: 0, failed: 1, retries: 5 });
    expect(backoffMs(DELIVERY_POLICY, 20)).toBe(DELIVERY_POLICY.maxDelayMs);
  });

  test("a refusal (4xx) is not retried", async () => {
    const stub = stubChannel([{ ok: false, status: 400, reason: "400: Bad Request: chat not found", retryable: false }]);
    const { sink, events } = sinkWith(stub.channel);
    sink.emit(alertEvent());
    await sink.flush(1_000);
    expect(stub.sent).toHaveLength(1);
    expect(events.named("alert.delivery-failed").map((e) => e["reason"])).toEqual(["400: Bad Request: chat not found"]);
  });

  test("a full queue drops its oldest message, counted and said; a bounded flush gives up the rest", async () => {
    const stub = stubChannel([], { hold: true });
    const { sink, events } = sinkWith(stub.channel, { queueSize: 2 });
    for (const monitor of ["m1", "m2", "m3", "m4"]) sink.emit(alertEvent({ monitor }));
    // m1 is in flight, m2 and m3 waited: m4 pushed m2 out
    expect(events.named("alert.dropped").map((e) => [e["monitor"], e["dropped"]])).toEqual([["m2", 1]]);
    expect(sink.stats().channels["webhook"]).toMatchObject({ dropped: 1, queued: 3 });
    await sink.flush(50); // virtual: the held send never answers
    expect(events.named("alert.delivery-failed").map((e) => e["monitor"])).toEqual(["m1", "m3", "m4"]);
    expect(sink.stats().channels["webhook"]).toMatchObject({ delivered: 0, failed: 3, dropped: 1, queued: 0 });
    sink.emit(alertEvent({ monitor: "m5" })); // after shutdown: counted, never sent
    expect(stub.sent.map((s) => s.text.includes("m1"))).toEqual([true]);
  });
});

describe("channels over real HTTP", () => {
  let bot: Receiver;
  let hook: Receiver;
  beforeAll(async () => {
    bot = await startBotApi("1:tok");
    hook = await startWebhook();
  });
  afterAll(async () => {
    await Promise.all([bot.close(), hook.close()]);
  });
  const signal = () => AbortSignal.timeout(5_000);

  test("Telegram: a message id when sent; retry_after from a 429; a 5xx retryable; a wrong token refused", async () => {
    const telegram = new TelegramChannel({ apiBase: `${bot.url}/`, token: "1:tok", chatId: "42", fetch });
    bot.script(tooManyRequests(7), serverError());
    expect(await telegram.send(alertEvent(), "hello", signal())).toEqual({ ok: false, status: 429, reason: "429: Too Many Requests: retry after 7", retryable: true, retryAfterMs: 7_000 });
    expect(await telegram.send(alertEvent(), "hello", signal())).toEqual({ ok: false, status: 500, reason: "500: Internal Server Error", retryable: true });
    expect(await telegram.send(alertEvent(), "hello", signal())).toEqual({ ok: true, status: 200, answer: "message 1" });
    expect(bot.received.at(-1)).toMatchObject({ path: "/bot1:tok/sendMessage", body: { chat_id: "42", text: "hello" } });
    const wrong = new TelegramChannel({ apiBase: bot.url, token: "2:nope", chatId: "42", fetch });
    expect(await wrong.send(alertEvent(), "hello", signal())).toEqual({ ok: false, status: 401, reason: "401: Unauthorized", retryable: false });
  });

  test("Telegram: nothing listening is a retryable network failure", async () => {
    const { closedPort } = await import("../support/processes.ts");
    const telegram = new TelegramChannel({ apiBase: `http://127.0.0.1:${await closedPort()}`, token: "1:tok", chatId: "42", fetch });
    const result = await telegram.send(alertEvent(), "hello", signal());
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.ok ? "" : result.reason).not.toContain("1:tok");
  });

  test("webhook: the event and its text as JSON; Retry-After honoured", async () => {
    const webhook = new WebhookChannel(`${hook.url}/in`, fetch);
    hook.script({ status: 429, body: "slow down", headers: { "retry-after": "3" } });
    expect(await webhook.send(alertEvent(), "text", signal())).toEqual({ ok: false, status: 429, reason: "HTTP 429: slow down", retryable: true, retryAfterMs: 3_000 });
    expect(await webhook.send(alertEvent(), "text", signal())).toEqual({ ok: true, status: 204, answer: "HTTP 204" });
    expect(hook.received.at(-1)!.body).toEqual({ ...alertEvent(), text: "text" });
  });
});

describe("network failure reasons", () => {
  test("name no URL (Deno's fetch errors carry the request URL: a token, a webhook's secret)", async () => {
    const { networkReason } = await import("../../core/alerts/channel.ts");
    const error = new TypeError("error sending request for url (https://api.telegram.org/bot1:secret/sendMessage): connection refused");
    expect(networkReason(error, new AbortController().signal)).toBe("TypeError: error sending request for url ([url]): connection refused");
  });
});
