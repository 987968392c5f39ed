/**
 * One channel's delivery: a bounded queue (the oldest message dropped when full, counted and
 * said), sent one at a time at the channel's pace, retried with exponential back-off on
 * network errors, timeouts, 5xx and 429 (a receiver's retry-after wins over the back-off), up
 * to the policy's attempts. It runs beside the engine, never in its cycle: `push` returns at
 * once. An abort of `shutdown` ends it; what is left is counted as failed.
 */
import { sleep } from "../clock.ts";
import type { Emit, WardenEvent } from "../logs/event.ts";
import type { Channel, SendResult } from "./channel.ts";
import { Pacer } from "./pacer.ts";

export interface DeliveryPolicy {
  /** Attempts per message, the first included. */
  readonly attempts: number;
  /** Back-off after the first failed attempt, doubled after each next one, ms. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** One request's answer is awaited this long, ms. */
  readonly requestTimeoutMs: number;
}

/** Retry policy as data (ofetch keeps its own so): about a minute and a half of trying, then given up. */
export const DELIVERY_POLICY: DeliveryPolicy = { attempts: 6, firstDelayMs: 1_000, maxDelayMs: 60_000, requestTimeoutMs: 10_000 };

export function backoffMs(policy: DeliveryPolicy, failedAttempts: number): number {
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, failedAttempts - 1));
}

/** Real time, injectable. */
export interface Timer {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realTimer: Timer = { now: () => Date.now(), sleep };

export interface LaneCounts {
  delivered: number;
  failed: number;
  dropped: number;
  retries: number;
}

export interface Message {
  readonly event: WardenEvent;
  readonly text: string;
}

export class DeliveryLane {
  readonly counts: LaneCounts = { delivered: 0, failed: 0, dropped: 0, retries: 0 };
  readonly #channel: Channel;
  readonly #queueSize: number;
  readonly #policy: DeliveryPolicy;
  readonly #timer: Timer;
  readonly #emit: Emit;
  readonly #shutdown: AbortSignal;
  readonly #pacer: Pacer;
  readonly #queue: Message[] = [];
  #running: Promise<void> | undefined;

  constructor(channel: Channel, opts: { queueSize: number; policy: DeliveryPolicy; timer: Timer; emit: Emit; shutdown: AbortSignal }) {
    this.#channel = channel;
    this.#queueSize = opts.queueSize;
    this.#policy = opts.policy;
    this.#timer = opts.timer;
    this.#emit = opts.emit;
    this.#shutdown = opts.shutdown;
    this.#pacer = new Pacer(channel.pace);
  }

  get queued(): number {
    return this.#queue.length + (this.#running !== undefined ? 1 : 0);
  }

  push(message: Message): void {
    if (this.#shutdown.aborted) {
      this.#fail(message, 0, "shut down before it could be sent");
      return;
    }
    if (this.#queue.length >= this.#queueSize) {
      const oldest = this.#queue.shift()!;
      this.counts.dropped++;
      this.#emit("warn", "alert.dropped", { channel: this.#channel.name, ...subject(oldest.event), reason: `queue full (${this.#queueSize})`, dropped: this.counts.dropped });
    }
    this.#queue.push(message);
    this.#kick();
  }

  #kick(): void {
    if (this.#running !== undefined) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#queue.length > 0) this.#kick(); // pushed while the drain was finishing
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #drain(): Promise<void> {
    for (let message = this.#queue.shift(); message !== undefined; message = this.#queue.shift()) {
      await this.#deliver(message);
    }
  }

  async #deliver(message: Message): Promise<void> {
    const channel = this.#channel.name;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#timer.sleep(this.#pacer.delayMs(this.#timer.now()), this.#shutdown);
        this.#shutdown.throwIfAborted(); // a sleep of 0 does not look at the signal
      } catch {
        return this.#fail(message, attempt - 1, "shut down before it could be sent");
      }
      this.#pacer.sent(this.#timer.now());
      const request = new AbortController();
      const onShutdown = () => request.abort(this.#shutdown.reason);
      this.#shutdown.addEventListener("abort", onShutdown, { once: true });
      const timeout = setTimeout(() => request.abort(new DOMException("no answer in time", "TimeoutError")), this.#policy.requestTimeoutMs);
      const result: SendResult = await this.#channel
        .send(message.event, message.text, request.signal)
        .catch((error: unknown): SendResult => ({ ok: false, reason: `channel failed: ${error instanceof Error ? error.message : String(error)}`, retryable: false }))
        .finally(() => {
          clearTimeout(timeout);
          this.#shutdown.removeEventListener("abort", onShutdown);
        });
      if (result.ok) {
        this.counts.delivered++;
        this.#emit("info", "alert.delivered", { channel, ...subject(message.event), attempts: attempt, status: result.status, answer: result.answer });
        return;
      }
      const status = result.status !== undefined ? { status: result.status } : {};
      if (this.#shutdown.aborted) return this.#fail(message, attempt, `shut down while sending (${result.reason})`, status);
      if (!result.retryable || attempt >= this.#policy.attempts) {
        return this.#fail(message, attempt, result.retryable ? `gave up after ${attempt} attempts: ${result.reason}` : result.reason, status);
      }
      const delayMs = result.retryAfterMs ?? backoffMs(this.#policy, attempt);
      if (result.retryAfterMs !== undefined) this.#pacer.holdUntil(this.#timer.now() + delayMs);
      this.counts.retries++;
      this.#emit("info", "alert.retrying", { channel, ...subject(message.event), attempt, inMs: delayMs, reason: result.reason, ...status });
      try {
        await this.#timer.sleep(delayMs, this.#shutdown);
      } catch {
        return this.#fail(message, attempt, `shut down while waiting to retry (${result.reason})`, status);
      }
    }
  }

  #fail(message: Message, attempts: number, reason: string, status: { status?: number } = {}): void {
    this.counts.failed++;
    this.#emit("warn", "alert.delivery-failed", { channel: this.#channel.name, ...subject(message.event), attempts, reason, ...status });
  }
}

/** What an event about an alert says about the alert it carries. */
export function subject(event: WardenEvent): { kind?: string; account?: string; monitor?: string } {
  return {
    ...(typeof event["kind"] === "string" ? { kind: event["kind"] } : {}),
    ...(typeof event["account"] === "string" ? { account: event["account"] } : {}),
    ...(typeof event["monitor"] === "string" ? { monitor: event["monitor"] } : {}),
  };
}
