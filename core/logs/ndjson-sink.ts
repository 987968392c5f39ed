/**
 * The machine reporter: one JSON object per line, keys `ts`, `level`, `component`, `event`
 * first, then the fields in the order they were given. Values JSON cannot carry are made
 * readable instead of dropping the event: bigints as strings, errors as name and message.
 */
import type { EventSink, WardenEvent } from "./event.ts";

function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** One event as one NDJSON line, without the trailing newline. */
export function toNdjson(event: WardenEvent): string {
  const { ts, level, component, event: name, ...fields } = event;
  const ordered = { ts, level, component, event: name, ...fields };
  try {
    return JSON.stringify(ordered, jsonValue);
  } catch (error) {
    // A circular field: keep the event, say which part could not be written.
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return JSON.stringify({ ts, level, component, event: name, unserialisable: reason });
  }
}

export class NdjsonSink implements EventSink {
  readonly #write: (line: string) => void;
  constructor(write: (line: string) => void) {
    this.#write = write;
  }
  emit(event: WardenEvent): void {
    this.#write(`${toNdjson(event)}\n`);
  }
}
