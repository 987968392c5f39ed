/**
 * Where log bytes come from: files, every regular file of a directory (rotated `*.log.1`,
 * `*.log.2.gz` included, in natural name order), or stdin for "-". Gzip is recognised by its
 * magic bytes (1f 8b), not the name, and inflated as a stream. Anything unreadable (missing,
 * a directory with no files, binary content, corrupt gzip) is an InputError naming the file:
 * never skipped. Binary is decided by the file, not by one byte: a text log with a stray NUL
 * (common after a crash) is read, and the scanner counts the lines holding one as unparsed.
 */
import { Buffer } from "node:buffer";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable, pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { InputError } from "../errors.ts";

export interface LogSource {
  /** The name reports use: the path, or "<stdin>". */
  readonly name: string;
  /** The argument it came from: the file itself, its directory, or "<stdin>". */
  readonly origin: string;
  open(): AsyncIterable<Uint8Array>;
}

export const STDIN_NAME = "<stdin>";
const CHUNK_BYTES = 1 << 20;
const byName = new Intl.Collator("en", { numeric: true }).compare;

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return error instanceof Error ? (error.message.split("\n")[0] ?? "unreadable") : String(error);
}

function fileSource(path: string, origin = path): LogSource {
  return { name: path, origin, open: () => createReadStream(path, { highWaterMark: CHUNK_BYTES }) };
}

/** stdin through node:fs on descriptor 0, which Bun and Deno both read. */
function stdinSource(): AsyncIterable<Uint8Array> {
  return createReadStream("", { fd: 0, highWaterMark: CHUNK_BYTES, autoClose: false });
}

/** Expands the command's arguments into sources, checking each exists before anything is read. */
export async function logSources(paths: readonly string[], stdin: () => AsyncIterable<Uint8Array> = stdinSource): Promise<LogSource[]> {
  const sources: LogSource[] = [];
  for (const path of paths) {
    if (path === "-") {
      sources.push({ name: STDIN_NAME, origin: STDIN_NAME, open: stdin });
      continue;
    }
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      throw new InputError("INPUT_LOG_UNREADABLE", `${path}: ${reasonOf(error)}`, { cause: error });
    }
    if (!info.isDirectory()) {
      sources.push(fileSource(path));
      continue;
    }
    const entries = await readdir(path, { withFileTypes: true }).catch((error: unknown) => {
      throw new InputError("INPUT_LOG_UNREADABLE", `${path}: ${reasonOf(error)}`, { cause: error });
    });
    const files: string[] = [];
    for (const entry of entries) {
      const full = join(path, entry.name);
      if (entry.isFile() || (entry.isSymbolicLink() && (await stat(full).then((s) => s.isFile(), () => false)))) files.push(entry.name);
    }
    if (files.length === 0) throw new InputError("INPUT_LOG_EMPTY_DIR", `${path}: directory holds no log files`);
    for (const name of files.sort(byName)) sources.push(fileSource(join(path, name), path));
  }
  return sources;
}

async function* replay(first: Buffer, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Buffer> {
  try {
    yield first;
    for (;;) {
      const next = await rest.next();
      if (next.done === true) return;
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  } finally {
    await rest.return?.();
  }
}

/** How much of the first chunk is looked at, and the share of non-text bytes in it that makes the file binary. */
const SAMPLE_BYTES = 64 * 1024;
export const BINARY_SHARE = 0.1;

/**
 * True when a text log would not look like this: NUL and control bytes (other than tab, line
 * feed, carriage return, form feed, vertical tab, backspace and escape) are at least
 * BINARY_SHARE of the sample. Executables and compressed data score 11% and more; a log with a
 * few stray NULs, or a 4 KiB block of them after a crash in a longer file, scores far less.
 */
export function looksBinary(sample: Uint8Array): boolean {
  const n = Math.min(sample.length, SAMPLE_BYTES);
  if (n === 0) return false;
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const b = sample[i]!;
    if ((b < 32 && !(b >= 8 && b <= 13) && b !== 27) || b === 127) odd++;
  }
  return odd / n >= BINARY_SHARE;
}

/**
 * The text bytes of one source: inflated if gzipped, its first chunk checked for binary content, with
 * every read or inflate failure turned into an InputError that names the source.
 */
export async function* textChunks(source: LogSource): AsyncGenerator<Buffer> {
  const rest = source.open()[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  try {
    while (head.length < 2) {
      const next = await rest.next();
      if (next.done === true) break;
      head = head.length === 0 ? Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength) : Buffer.concat([head, next.value]);
    }
  } catch (error) {
    throw new InputError("INPUT_LOG_UNREADABLE", `${source.name}: ${reasonOf(error)}`, { cause: error });
  }
  if (head.length === 0) return;
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  let body: AsyncIterable<Buffer> = replay(head, rest);
  if (gzipped) {
    const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
    pipeline(Readable.from(body), gunzip, () => {});
    body = gunzip;
  }
  let first = true;
  try {
    for await (const chunk of body) {
      if (first && looksBinary(chunk)) {
        const pct = Math.round(BINARY_SHARE * 100);
        throw new InputError("INPUT_LOG_BINARY", `${source.name}: binary content (${pct}% or more of its first bytes${gzipped ? " after gunzip" : ""} are NUL or control bytes), not a text log`);
      }
      first = false;
      yield chunk;
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    const what = gzipped ? `corrupt gzip (${reasonOf(error)})` : reasonOf(error);
    throw new InputError(gzipped ? "INPUT_LOG_CORRUPT_GZIP" : "INPUT_LOG_UNREADABLE", `${source.name}: ${what}`, { cause: error });
  }
}
