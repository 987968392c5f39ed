/**
 * The terminal reporter: one readable line per event, coloured when asked (on a TTY and
 * never with NO_COLOR: the caller decides with `useColor()`; kleur also honours NO_COLOR).
 *
 *   10:15:32 INFO  engine  cycle.completed  monitors=30 due=12 1.23s calls=3 hits=12/12
 *
 * Time is the event's UTC wall time. Known fields are rendered compactly (durations in
 * seconds, cache hits as hits/lookups, the urgency breakdown as c/u/a/i counts); others as
 * key=value, with strings quoted only when they hold spaces.
 *
 * Live (on a TTY): a steady engine would print a `cycle.completed` line every interval (1,800
 * an hour). Instead each one rewrites a single status line at the bottom (`\r`, erase to the end
 * of the line), the routine snapshot reloads of each cycle are folded into it (its calls and
 * loads say them), every other event is printed above it as a line of its own, and a cycle that
 * is not steady (its level above info, or its monitor or unprotected counts changed) is
 * printed as a line too. `close()` leaves the last status line on the screen.
 */
import kleur from "kleur";
import { EVENT } from "./catalogue.ts";
import type { EventSink, Level, WardenEvent } from "./event.ts";

export interface PrettyOptions {
  readonly color: boolean;
  /** A terminal that honours `\r` and erase-line: collapse steady cycles into one status line. */
  readonly live?: boolean;
  /** Its width: the status line is cut to fit (a wrapped line cannot be rewritten). */
  readonly columns?: number;
}

const ERASE_LINE = "\r\u001b[K";
const CYCLE_COMPLETED = EVENT.cycleCompleted;
/** What every steady cycle does (reload the account snapshots): folded into the status line once it shows. */
const ROUTINE = new Set<string>([EVENT.snapshotLoaded, EVENT.cacheHit]);

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

/** What makes a cycle not steady when it changes: the number of monitors and of unprotected positions. */
function shapeOf(event: WardenEvent): string {
  return `${scalar(event["monitors"])}/${scalar(event["unprotected"] ?? 0)}`;
}

export class PrettySink implements EventSink {
  readonly #write: (line: string) => void;
  readonly #options: PrettyOptions;
  /** The status line on screen now (live mode), without colour. */
  #status: string | undefined;
  #shape: string | undefined;
  #steady = 0;

  constructor(write: (line: string) => void, options: PrettyOptions) {
    this.#write = write;
    this.#options = options;
  }

  emit(event: WardenEvent): void {
    if (this.#options.live !== true) {
      this.#write(`${prettyLine(event, this.#options)}\n`);
      return;
    }
    if (event.event !== CYCLE_COMPLETED) {
      if (this.#status !== undefined && event.level === "info" && ROUTINE.has(event.event)) return;
      this.#above(event);
      return;
    }
    const shape = shapeOf(event);
    const steady = event.level === "info" && (this.#shape === undefined || shape === this.#shape);
    this.#shape = shape;
    if (steady) this.#steady++;
    else {
      this.#steady = 0;
      this.#above(event);
    }
    this.#draw(event);
  }

  close(): void {
    if (this.#status !== undefined) this.#write("\n");
    this.#status = undefined;
  }

  /** Prints one event as a line above the status line, which is drawn again below it. */
  #above(event: WardenEvent): void {
    const status = this.#status;
    this.#write(`${status !== undefined ? ERASE_LINE : ""}${prettyLine(event, this.#options)}\n`);
    if (status !== undefined) this.#write(this.#paint(status));
  }

  #draw(cycle: WardenEvent): void {
    const time = typeof cycle.ts === "string" && cycle.ts.length >= 19 ? cycle.ts.slice(11, 19) : String(cycle.ts);
    const fields = renderFields(cycle);
    const steady = this.#steady > 0 ? ` (steady for ${this.#steady} cycle${this.#steady === 1 ? "" : "s"})` : "";
    let text = `${time} ${CYCLE_COMPLETED}${steady}  ${fields}`;
    const width = this.#options.columns;
    if (width !== undefined && width > 1 && text.length > width - 1) text = `${text.slice(0, Math.max(0, width - 2))}…`;
    this.#status = text;
    this.#write(`${ERASE_LINE}${this.#paint(text)}`);
  }

  #paint(text: string): string {
    return this.#options.color ? kleur.dim(text) : text;
  }
}
