/**
 * The log scanner behind `validate`: streams every source chunk by chunk in constant memory,
 * splits lines without holding a file, and hands each line of interest to its format's reader
 * (`{` starts a Warden NDJSON event, anything else is read as the old Python text format).
 *
 * The hot path: a chunk's complete lines are decoded as latin1 (one char per byte, so string
 * offsets are byte offsets and the UTF-8 text of a line can be decoded from the same bytes
 * when an indicator needs it); one case-insensitive alternation of a few keywords, run over
 * the whole chunk, marks the lines worth a regex, and only those are sliced and matched. Every
 * other line costs a newline search and a look at its first bytes.
 *
 * Lines that are neither a logging record nor a JSON object (tracebacks, noise, a broken
 * event) are counted as `unparsed`, and so is a line holding a NUL byte (what a crash leaves);
 * blank lines are counted as lines only. An input (a file, a directory, stdin) in which not
 * one line is recognised is an InputError naming it: an empty or foreign file never passes.
 */
import { Buffer } from "node:buffer";
import { InputError } from "../errors.ts";
import { logSources, textChunks, type LogSource } from "./log-source.ts";
import { DEFAULT_LIMITS, LogTally, type LinePosition, type ValidateLimits, type ValidationReport } from "./log-tally.ts";
import { PYTHON_BITS, PYTHON_KEYWORDS, PythonLogReader, isPythonRecord } from "./python-log.ts";
import { WARDEN_KEYWORDS, WardenLogReader } from "./warden-log.ts";

export interface ScanOptions {
  readonly limits?: ValidateLimits;
  /** Where "-" reads from; stdin by default. */
  readonly stdin?: () => AsyncIterable<Uint8Array>;
}

/**
 * All pre-filter words in one case-insensitive alternation, run over the whole chunk (one
 * native pass), and each word's bit found by its first character, which must be unique.
 */
const KEYWORDS: Readonly<Record<string, number>> = { ...PYTHON_KEYWORDS, ...WARDEN_KEYWORDS };
const KEYWORD_PATTERN = new RegExp(Object.keys(KEYWORDS).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "gi");
const BIT_BY_FIRST = new Uint8Array(128);
for (const [word, bit] of Object.entries(KEYWORDS)) {
  const first = word.charCodeAt(0) | 0x20;
  if (BIT_BY_FIRST[first] !== 0) throw new Error(`pre-filter words must start with distinct letters: ${word}`);
  BIT_BY_FIRST[first] = bit;
}
/** A line longer than this is counted as one unparsed line and not held in memory. */
const MAX_LINE_BYTES = 1 << 20;
const NEWLINE = 10;

class Position implements LinePosition {
  file = "";
  line = 0;
  bytes: Buffer | undefined;
  start = 0;
  end = 0;
  text(): string {
    return this.bytes === undefined ? "" : this.bytes.toString("utf8", this.start, this.end);
  }
}

/** Scans one source after another into one tally. */
export class LogScanner {
  readonly tally: LogTally;
  readonly #python: PythonLogReader;
  readonly #warden: WardenLogReader;
  #files = 0;
  #lineCount = 0;
  #unparsed = 0;
  #recognised = 0;

  constructor(limits: ValidateLimits = DEFAULT_LIMITS) {
    this.tally = new LogTally(limits);
    this.#python = new PythonLogReader(this.tally);
    this.#warden = new WardenLogReader(this.tally);
  }

  /** Scans one source; returns how many of its lines were recognised (a record or an event). */
  async scan(source: LogSource): Promise<number> {
    const recognisedBefore = this.#recognised;
    this.#files++;
    const at = new Position();
    at.file = source.name;
    // The start of a line not yet ended, in the pieces it arrived in (joined once it ends).
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let skippingLongLine = false;
    for await (const chunk of textChunks(source)) {
      let buf = chunk;
      let lastNewline = buf.lastIndexOf(NEWLINE);
      if (skippingLongLine) {
        if (lastNewline < 0) continue;
        skippingLongLine = false;
        const firstNewline = buf.indexOf(NEWLINE);
        buf = buf.subarray(firstNewline + 1);
        lastNewline -= firstNewline + 1;
      } else if (lastNewline < 0) {
        pending.push(buf);
        pendingBytes += buf.length;
        if (pendingBytes > MAX_LINE_BYTES) {
          this.#overlong(at);
          pending = [];
          pendingBytes = 0;
          skippingLongLine = true;
        }
        continue;
      } else if (pendingBytes > 0) {
        pending.push(buf);
        buf = Buffer.concat(pending);
        lastNewline += pendingBytes;
      }
      if (lastNewline >= 0) this.#readLines(at, buf, lastNewline + 1);
      const rest = buf.subarray(lastNewline + 1);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
    }
    if (pendingBytes > 0) {
      const last = Buffer.concat(pending);
      this.#readLines(at, last, last.length);
    }
    return this.#recognised - recognisedBefore;
  }

  report(): ValidationReport {
    return this.tally.report(this.#files, this.#lineCount, this.#unparsed);
  }

  #overlong(at: Position): void {
    at.line++;
    this.#lineCount++;
    this.#unparsed++;
  }

  /** The lines in bytes [0, length): complete lines, the last one ending at `length`. */
  #readLines(at: Position, bytes: Buffer, length: number): void {
    const s = bytes.toString("latin1", 0, length);
    const n = s.length;
    const keywords = KEYWORD_PATTERN;
    keywords.lastIndex = 0;
    let match = keywords.exec(s);
    let hitAt = match === null ? n + 1 : match.index;
    let nulAt = s.indexOf("\0");
    if (nulAt < 0) nulAt = n + 1;
    at.bytes = bytes;
    let p = 0;
    let line = at.line;
    let lines = 0;
    let nonBlank = 0;
    let unparsed = 0;
    while (p < n) {
      let e = s.indexOf("\n", p);
      if (e < 0) e = n;
      line++;
      lines++;
      let end = e;
      if (end > p && s.charCodeAt(end - 1) === 13) end--;
      let mask = 0;
      while (hitAt < e && match !== null) {
        mask |= BIT_BY_FIRST[match[0].charCodeAt(0) | 0x20] ?? 0;
        match = keywords.exec(s);
        hitAt = match === null ? n + 1 : match.index;
      }
      if (nulAt < p) {
        nulAt = s.indexOf("\0", p);
        if (nulAt < 0) nulAt = n + 1;
      }
      if (end > p) nonBlank++;
      if (nulAt < end) unparsed++;
      else if (end > p) {
        const c = s.charCodeAt(p);
        if (c === 123) {
          if (s.charCodeAt(lastNonSpace(s, p, end)) !== 125) unparsed++;
          else if (mask !== 0) {
            at.line = line;
            at.start = p;
            at.end = end;
            if (!this.#warden.line(s.slice(p, end), at)) unparsed++;
          }
        } else {
          if (!isPythonRecord(s, p)) unparsed++;
          if ((mask & PYTHON_BITS) !== 0) {
            at.line = line;
            at.start = p;
            at.end = end;
            this.#python.line(s.slice(p, end), at, mask & PYTHON_BITS);
          }
        }
      }
      p = e + 1;
    }
    at.line = line;
    at.bytes = undefined;
    this.#lineCount += lines;
    this.#unparsed += unparsed;
    this.#recognised += nonBlank - unparsed;
  }
}

function lastNonSpace(s: string, p: number, end: number): number {
  let i = end - 1;
  while (i > p && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i--;
  return i;
}

/** Scans the given paths ("-" for stdin, directories expanded) and returns the report. */
export async function scanLogs(paths: readonly string[], options: ScanOptions = {}): Promise<ValidationReport> {
  const sources = await logSources(paths, options.stdin);
  const scanner = new LogScanner(options.limits ?? DEFAULT_LIMITS);
  let recognised = 0;
  for (const [i, source] of sources.entries()) {
    recognised += await scanner.scan(source);
    if (sources[i + 1]?.origin === source.origin) continue; // the directory goes on
    if (recognised === 0) {
      throw new InputError("INPUT_LOG_UNRECOGNISED", `${source.origin}: nothing recognised (not one Warden event or log record)${source.origin === source.name ? "" : " in its files"}`);
    }
    recognised = 0;
  }
  return scanner.report();
}
