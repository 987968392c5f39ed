/**
 * Review 2: README "Alerts": "A webhook URL that carries a secret of its own (Slack-style) is
 * kept out of every event too: Warden never reports URLs." A receiver that refuses the POST
 * and echoes its path (Express's default 404 page: "Cannot POST /services/..."; many proxies
 * do the same) puts the URL's secret into `alert.delivery-failed`'s reason: webhook.ts puts
 * the answer's body in the reason unscrubbed, and run's RedactingSink knows only the API keys
 * and the bot token.
 */
import { describe, expect, test } from "bun:test";
import { AlertSink } from "../../core/alerts/alert-sink.ts";
import type { FetchPort } from "../../core/alerts/channel.ts";
import type { Timer } from "../../core/alerts/delivery-lane.ts";
import { WebhookChannel } from "../../core/alerts/webhook.ts";
import { emitter, MemorySink, type WardenEvent } from "../../core/logs/event.ts";

const SECRET = "xoxWebhookSecret9f3a71c2";
const URL_WITH_SECRET = `https://hooks.example.com/services/T0001/B0001/${SECRET}`;

const timer: Timer = { now: () => 0, sleep: async (_ms, signal) => signal.throwIfAborted() };

describe("a webhook's secret in no event", () => {
  test("a receiver answering 404 with its path in the body: the delivery events do not carry the URL's secret", async () => {
    const answer404: FetchPort = async (url) => ({
      status: 404,
      headers: { get: () => null },
      text: async () => `<!DOCTYPE html><html><body><pre>Cannot POST ${new URL(url).pathname}</pre></body></html>`,
    });
    const events = new MemorySink();
    const sink = new AlertSink({ channels: [new WebhookChannel(URL_WITH_SECRET, answer404)], minLevel: "warn", dedupMs: 60_000, queueSize: 10, emit: emitter(events, "alerts", () => 0), timer });
    const alert: WardenEvent = { ts: "2026-11-20T09:00:00.000Z", level: "error", component: "engine", event: "alert", kind: "unprotected", monitor: "main:BTCUSDT:long", message: "main:BTCUSDT:long (0.1) is UNPROTECTED" };
    sink.emit(alert);
    await sink.flush(1_000);
    const delivery = events.events.filter((e) => e.event.startsWith("alert."));
    expect(delivery.length).toBeGreaterThan(0);
    const leaking = delivery.filter((e) => JSON.stringify(e).includes(SECRET)).map((e) => `${e.event}: ${String(e["reason"])}`);
    expect(leaking).toEqual([]);
  });
});
