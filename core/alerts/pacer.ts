/**
 * Spaces one channel's messages to its limits: a minimum gap since the last send and at most
 * `count` sends in any `windowMs`. Pure: time is passed in, the caller waits.
 */
import type { PaceLimits } from "./channel.ts";

export class Pacer {
  readonly #limits: PaceLimits;
  /** Send times within the window, oldest first. */
  readonly #sent: number[] = [];
  #last: number | undefined;

  constructor(limits: PaceLimits) {
    this.#limits = limits;
  }

  /** How long to wait from `now` before the next send may go, ms (0: now). */
  delayMs(now: number): number {
    let wait = this.#last === undefined ? 0 : this.#last + this.#limits.minGapMs - now;
    const window = this.#limits.window;
    if (window !== undefined) {
      while (this.#sent.length > 0 && this.#sent[0]! <= now - window.windowMs) this.#sent.shift();
      if (this.#sent.length >= window.count) wait = Math.max(wait, this.#sent[this.#sent.length - window.count]! + window.windowMs - now);
    }
    return Math.max(0, wait);
  }

  /** A send went out at `now`. */
  sent(now: number): void {
    this.#last = now;
    if (this.#limits.window !== undefined) this.#sent.push(now);
  }

  /** The receiver asked for quiet until `until` (a 429's retry-after). */
  holdUntil(until: number): void {
    this.#last = Math.max(this.#last ?? -Infinity, until - this.#limits.minGapMs);
  }
}
