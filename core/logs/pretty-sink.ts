/**
 * The terminal reporter: one readable line per event, coloured when asked (on a TTY and
 * never with NO_COLOR: the caller decides with `useColor()`; kleur also honours NO_COLOR).
 *
 *   10:15:32 INFO  engine  cycle.completed  monitors=30 due=12 1.23s calls=3 hits=12/12
 *
 * Time is the event's UTC wall time. Known fields are rendered compactly (durations in
 * seconds, cache hits as hits/lookups, the urgency breakdown as c/u/a/i counts); others as
 * key=value, with strings quoted only when they hold spaces.
 */
import kleur from "kleur";
import type { EventSink, Level, WardenEvent } from "./event.ts";

export interface PrettyOptions {
  readonly color: boolean;
}

type Paint = (text: string) => string;
const plain: Paint = (text) => text;

const LEVEL_PAINT: Record<Level, Paint> = {
  debug: (t) => kleur.gray(t),
  info: (t) => kleur.green(t),
  warn: (t) => kleur.yellow(t),
  error: (t) => kleur.red(t),
};

const HIDDEN = new Set(["ts", "level", "component", "event"]);

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}

function scalar(value: unknown): string {
  if (typeof value === "string") return value === "" || /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === null) return "null";
  if (value instanceof Error) return JSON.stringify(value.message);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return "[unserialisable]";
  }
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The fields of one event as compact `key=value` words. */
export function renderFields(event: WardenEvent): string {
  const words: string[] = [];
  const done = new Set(HIDDEN);
  const hits = num(event["cacheHits"]);
  const misses = num(event["cacheMisses"]);
  for (const [key, value] of Object.entries(event)) {
    if (done.has(key) || value === undefined) continue;
    done.add(key);
    const n = num(value);
    if (key === "durationMs" && n !== undefined) words.push(seconds(n));
    else if (key === "restCalls") words.push(`calls=${scalar(value)}`);
    else if ((key === "cacheHits" || key === "cacheMisses") && hits !== undefined && misses !== undefined) {
      if (key === "cacheHits") words.push(`hits=${hits}/${hits + misses}`);
    } else if (key === "urgency" && value !== null && typeof value === "object") {
      const u = value as Record<string, unknown>;
      words.push(`urgency=${scalar(u["critical"])}c/${scalar(u["urgent"])}u/${scalar(u["active"])}a/${scalar(u["idle"])}i`);
    } else if ((key === "ms" || key.endsWith("Ms")) && n !== undefined) {
      words.push(`${key === "ms" ? "took" : key.slice(0, -2)}=${n >= 1000 ? seconds(n) : `${Math.round(n)}ms`}`);
    } else words.push(`${key}=${scalar(value)}`);
  }
  return words.join(" ");
}

/** One event as one line, without the trailing newline. */
export function prettyLine(event: WardenEvent, options: PrettyOptions): string {
  const dim: Paint = options.color ? (t) => kleur.dim(t) : plain;
  const bold: Paint = options.color ? (t) => kleur.bold(t) : plain;
  const levelPaint: Paint = options.color ? LEVEL_PAINT[event.level] ?? plain : plain;
  const time = typeof event.ts === "string" && event.ts.length >= 19 ? event.ts.slice(11, 19) : String(event.ts);
  const level = String(event.level).toUpperCase().padEnd(5);
  const fields = renderFields(event);
  const head = `${dim(time)} ${levelPaint(level)} ${event.component.padEnd(7)} ${bold(event.event)}`;
  return fields === "" ? head : `${head}  ${fields}`;
}

export class PrettySink implements EventSink {
  readonly #write: (line: string) => void;
  readonly #options: PrettyOptions;
  constructor(write: (line: string) => void, options: PrettyOptions) {
    this.#write = write;
    this.#options = options;
  }
  emit(event: WardenEvent): void {
    this.#write(`${prettyLine(event, this.#options)}\n`);
  }
}
