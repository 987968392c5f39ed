/**
 * Deduplication of alert repeats: one alert per kind and subject (monitor, else account,
 * symbol or message) within a window, measured on the events' own time (the engine's clock:
 * virtual on the simulator, so a simulated hour dedups as a real one would). A repeat at a
 * higher level than the one sent (warn, then error) is not a repeat. Pure.
 */
import { levelRank, type WardenEvent } from "../logs/event.ts";

export function repeatKey(event: WardenEvent): string {
  const text = (name: string) => (typeof event[name] === "string" ? (event[name] as string) : undefined);
  return `${text("kind") ?? ""}|${text("monitor") ?? text("account") ?? text("symbol") ?? text("message") ?? ""}`;
}

export class Repeats {
  readonly #windowMs: number;
  readonly #sent = new Map<string, { at: number; rank: number }>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** True when this event repeats one passed within the window; otherwise it is recorded as passed. */
  isRepeat(event: WardenEvent, fallbackNow: number): boolean {
    const parsed = Date.parse(event.ts);
    const at = Number.isNaN(parsed) ? fallbackNow : parsed;
    const key = repeatKey(event);
    const rank = levelRank(event.level);
    const last = this.#sent.get(key);
    if (last !== undefined && at - last.at < this.#windowMs && at >= last.at && rank <= last.rank) return true;
    this.#sent.set(key, { at, rank });
    if (this.#sent.size > 1_000) this.#forget(at);
    return false;
  }

  #forget(now: number): void {
    for (const [key, last] of this.#sent) if (now - last.at >= this.#windowMs) this.#sent.delete(key);
  }
}
