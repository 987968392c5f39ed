/**
 * The last line of defence for API keys: every string in an event, at any depth (values and
 * object keys, inside arrays and errors), has each secret replaced by "[redacted]" before the
 * event reaches the sink behind. URL-encoded forms of a secret are replaced too. Emitters
 * should never put a key in an event; this guard makes sure a mistake does not leak one.
 */
import type { EventSink, WardenEvent } from "./event.ts";

export const REDACTED = "[redacted]";

export class RedactingSink implements EventSink {
  readonly #sink: EventSink;
  readonly #secrets: readonly string[];
  constructor(sink: EventSink, secrets: readonly string[]) {
    this.#sink = sink;
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (secret === "") continue;
      forms.add(secret);
      forms.add(encodeURIComponent(secret));
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.#secrets = [...forms].sort((a, b) => b.length - a.length);
  }

  emit(event: WardenEvent): void {
    if (this.#secrets.length === 0) {
      this.#sink.emit(event);
      return;
    }
    this.#sink.emit(this.#clean(event, new WeakSet()) as WardenEvent);
  }

  close(): void {
    this.#sink.close?.();
  }

  #text(value: string): string {
    let out = value;
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  #clean(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === "string") return this.#text(value);
    if (typeof value === "bigint") return this.#text(value.toString());
    if (typeof value === "number") {
      const text = String(value);
      return this.#text(text) === text ? value : REDACTED;
    }
    if (value === null || typeof value !== "object") return value;
    if (seen.has(value)) return "[circular]";
    seen.add(value);
    if (Array.isArray(value)) return value.map((item) => this.#clean(item, seen));
    if (value instanceof Error) {
      return { name: this.#text(value.name), message: this.#text(value.message), ...(this.#clean({ ...value }, seen) as object) };
    }
    if (value instanceof Date) return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[this.#text(key)] = this.#clean(item, seen);
    return out;
  }
}
