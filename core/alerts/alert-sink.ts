/**
 * Alerts delivered to people: an EventSink that takes every `alert` event at or above
 * `minLevel`, drops repeats (repeats.ts), writes it as a phone-readable text (alert-text.ts)
 * and queues it on every channel's lane (delivery-lane.ts). `emit` returns at once: delivery
 * never blocks or slows a cycle. Its own events (`alert.delivered`, `alert.retrying`,
 * `alert.delivery-failed`, `alert.dropped`, `alert.deduplicated`) go to `emit`; `stats()`
 * counts them for a metrics endpoint; `flush(ms)` gives what is queued a bounded time at
 * shutdown, `close()` ends at once.
 */
import { sleep } from "../clock.ts";
import { levelRank, type Emit, type EventSink, type Level, type WardenEvent } from "../logs/event.ts";
import { EVENT } from "../logs/catalogue.ts";
import { alertText } from "./alert-text.ts";
import type { Channel } from "./channel.ts";
import { DELIVERY_POLICY, DeliveryLane, realTimer, subject, type DeliveryPolicy, type LaneCounts, type Timer } from "./delivery-lane.ts";
import { Repeats } from "./repeats.ts";

export interface AlertSinkOptions {
  readonly channels: readonly Channel[];
  readonly minLevel: Level;
  readonly dedupMs: number;
  readonly queueSize: number;
  /** Where the delivery's own events go (the run's redacting sink). */
  readonly emit: Emit;
  readonly policy?: DeliveryPolicy;
  readonly timer?: Timer;
}

export interface AlertStats {
  /** `alert` events at or above minLevel. */
  readonly alerts: number;
  readonly deduplicated: number;
  readonly channels: Readonly<Record<string, Readonly<LaneCounts> & { readonly queued: number }>>;
}

export class AlertSink implements EventSink {
  readonly #minRank: number;
  readonly #repeats: Repeats;
  readonly #lanes: Map<string, DeliveryLane>;
  readonly #emit: Emit;
  readonly #timer: Timer;
  readonly #shutdown = new AbortController();
  #alerts = 0;
  #deduplicated = 0;

  constructor(opts: AlertSinkOptions) {
    this.#minRank = levelRank(opts.minLevel);
    this.#repeats = new Repeats(opts.dedupMs);
    this.#emit = opts.emit;
    this.#timer = opts.timer ?? realTimer;
    const lane = { queueSize: opts.queueSize, policy: opts.policy ?? DELIVERY_POLICY, timer: this.#timer, emit: opts.emit, shutdown: this.#shutdown.signal };
    this.#lanes = new Map(opts.channels.map((channel) => [channel.name, new DeliveryLane(channel, lane)]));
  }

  emit(event: WardenEvent): void {
    if (event.event !== EVENT.alert || levelRank(event.level) < this.#minRank) return;
    this.#alerts++;
    if (this.#repeats.isRepeat(event, this.#timer.now())) {
      this.#deduplicated++;
      this.#emit("debug", "alert.deduplicated", { ...subject(event), deduplicated: this.#deduplicated });
      return;
    }
    const message = { event, text: alertText(event) };
    for (const lane of this.#lanes.values()) lane.push(message);
  }

  stats(): AlertStats {
    const channels: Record<string, LaneCounts & { queued: number }> = {};
    for (const [name, lane] of this.#lanes) channels[name] = { ...lane.counts, queued: lane.queued };
    return { alerts: this.#alerts, deduplicated: this.#deduplicated, channels };
  }

  /** Waits until every lane is idle, at most `withinMs`; then gives up what is left (each a counted `alert.delivery-failed`). */
  async flush(withinMs: number): Promise<void> {
    const idle = Promise.all([...this.#lanes.values()].map((lane) => lane.idle()));
    const deadline = new AbortController();
    // wall time, like the request timeouts: the timer paces and backs off, it does not bound a shutdown
    const done = await Promise.race([idle.then(() => true), sleep(withinMs, deadline.signal).then(() => false, () => true)]);
    deadline.abort();
    if (!done) {
      this.#shutdown.abort(new Error(`not delivered within ${withinMs} ms of shutdown`));
      await idle;
    }
  }

  close(): void {
    this.#shutdown.abort(new Error("closed"));
  }
}
