/**
 * Where log bytes come from: files, every regular file of a directory (rotated `*.log.1`,
 * `*.log.2.gz` included, in natural name order), or stdin for "-". Gzip is recognised by its
 * magic bytes (1f 8b), not the name, and inflated as a stream. Anything unreadable (missing,
 * a directory with no files, binary content, corrupt gzip) is an InputError naming the file:
 * never skipped.
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

function fileSource(path: string): LogSource {
  return { name: path, open: () => createReadStream(path, { highWaterMark: CHUNK_BYTES }) };
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
      sources.push({ name: STDIN_NAME, open: stdin });
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
    for (const name of files.sort(byName)) sources.push(fileSource(join(path, name)));
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

/**
 * The text bytes of one source: inflated if gzipped, checked for NUL bytes (binary), with
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
  let offset = 0;
  try {
    for await (const chunk of body) {
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        throw new InputError("INPUT_LOG_BINARY", `${source.name}: binary content (NUL byte at offset ${offset + nul}${gzipped ? " after gunzip" : ""}), not a text log`);
      }
      offset += chunk.length;
      yield chunk;
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    const what = gzipped ? `corrupt gzip (${reasonOf(error)})` : reasonOf(error);
    throw new InputError(gzipped ? "INPUT_LOG_CORRUPT_GZIP" : "INPUT_LOG_UNREADABLE", `${source.name}: ${what}`, { cause: error });
  }
}
