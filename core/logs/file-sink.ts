/**
 * NDJSON appended to a file (`--log-file`). By default each event is written as it comes,
 * so a killed process loses nothing it emitted; `bufferBytes` batches writes for high
 * volume, flushed when full, on any warning or error, and on close.
 */
import { Buffer } from "node:buffer";
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { InputError } from "../errors.ts";
import type { EventSink, WardenEvent } from "./event.ts";
import { toNdjson } from "./ndjson-sink.ts";

export interface FileSinkOptions {
  /** Bytes to hold before writing; 0 (the default) writes every event at once. */
  readonly bufferBytes?: number;
}

export class FileSink implements EventSink {
  readonly path: string;
  readonly #bufferBytes: number;
  #fd: number | undefined;
  #pending: string[] = [];
  #pendingBytes = 0;

  constructor(path: string, options: FileSinkOptions = {}) {
    this.path = path;
    this.#bufferBytes = options.bufferBytes ?? 0;
    try {
      this.#fd = openSync(path, "a");
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      throw new InputError("INPUT_LOG_FILE", `cannot open log file ${path} for appending: ${reason}`, { cause: error });
    }
  }

  emit(event: WardenEvent): void {
    if (this.#fd === undefined) return;
    const line = `${toNdjson(event)}\n`;
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    if (this.#pendingBytes >= this.#bufferBytes || event.level === "warn" || event.level === "error") this.flush();
  }

  flush(): void {
    if (this.#fd === undefined || this.#pending.length === 0) return;
    const text = this.#pending.join("");
    this.#pending = [];
    this.#pendingBytes = 0;
    const bytes = Buffer.from(text, "utf8");
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.#fd, bytes, offset);
  }

  close(): void {
    if (this.#fd === undefined) return;
    this.flush();
    try {
      fsyncSync(this.#fd);
    } finally {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }
}
