/**
 * The journal `journal.ndjson`: append-only, one JSON record per line.
 * `intent` before every exchange write (carries the action and its orderLinkId), `outcome`
 * after it. On restart, `openIntents` (intents with no outcome, or whose last outcome is
 * "unknown") are the writes whose fate must be looked up by linkId before acting again.
 * A truncated LAST line (a crash mid-append) is tolerated and repaired before the next
 * append; a bad line anywhere else is corruption (STATE_CORRUPT naming file and line).
 */
import { randomBytes } from "node:crypto";
import { open, truncate } from "node:fs/promises";
import { join } from "node:path";
import type { WriteAction } from "../domain/action.ts";
import { appendDurable, readFileIfExists, syncDirectory } from "./atomic-file.ts";
import { corruptFile, isJsonObject } from "./state-json.ts";

export const JOURNAL_FILE = "journal.ndjson";

export interface IntentRecord {
  readonly ts: string;
  readonly kind: "intent";
  readonly id: string;
  /** The monitor id the write belongs to. */
  readonly monitor: string;
  readonly action: WriteAction;
}

/** ok: done (incl. "already exists"/"not modified"); failed: rejected, nothing changed; unknown: sent, fate not known. */
export type OutcomeStatus = "ok" | "failed" | "unknown";

export interface OutcomeRecord {
  readonly ts: string;
  readonly kind: "outcome";
  readonly id: string;
  readonly status: OutcomeStatus;
  readonly orderId?: string;
  readonly detail?: string;
}

export type JournalRecord = IntentRecord | OutcomeRecord;

export interface IntentInput {
  /** Unique per write; a random id when omitted. */
  readonly id?: string;
  readonly monitor: string;
  readonly action: WriteAction;
}

export interface OutcomeInput {
  readonly id: string;
  readonly status: OutcomeStatus;
  readonly orderId?: string;
  readonly detail?: string;
}

export interface JournalContents {
  readonly records: JournalRecord[];
  /** The last line was cut off by a crash and was ignored. */
  readonly truncatedTail: boolean;
}

export function newIntentId(): string {
  return randomBytes(6).toString("hex");
}

export function intentRecord(input: IntentInput, ts: string): IntentRecord {
  return { ts, kind: "intent", id: input.id ?? newIntentId(), monitor: input.monitor, action: input.action };
}

export function outcomeRecord(input: OutcomeInput, ts: string): OutcomeRecord {
  return {
    ts,
    kind: "outcome",
    id: input.id,
    status: input.status,
    ...(input.orderId !== undefined ? { orderId: input.orderId } : {}),
    ...(input.detail !== undefined ? { detail: input.detail } : {}),
  };
}

export function formatRecord(record: JournalRecord): string {
  return `${JSON.stringify(record)}\n`;
}

const WRITE_KINDS = new Set(["place", "amend", "cancel"]);
const STATUSES = new Set(["ok", "failed", "unknown"]);

function asRecord(value: unknown): JournalRecord | undefined {
  if (!isJsonObject(value) || typeof value["ts"] !== "string" || typeof value["id"] !== "string") return undefined;
  if (value["kind"] === "intent") {
    const action = value["action"];
    if (typeof value["monitor"] !== "string" || !isJsonObject(action)) return undefined;
    if (!WRITE_KINDS.has(String(action["kind"])) || typeof action["linkId"] !== "string") return undefined;
    return value as unknown as IntentRecord;
  }
  if (value["kind"] === "outcome" && STATUSES.has(String(value["status"]))) return value as unknown as OutcomeRecord;
  return undefined;
}

function parseLine(line: string): JournalRecord | undefined {
  try {
    return asRecord(JSON.parse(line));
  } catch {
    return undefined;
  }
}

export function parseJournal(text: string, file: string): JournalContents {
  const lines = text.split("\n");
  const last = lines.pop() ?? ""; // "" when the text ends with a newline
  const records: JournalRecord[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const record = parseLine(line);
    if (record === undefined) throw corruptFile("STATE_CORRUPT", file, `line ${i + 1} is not a journal record`);
    records.push(record);
  }
  if (last.trim() === "") return { records, truncatedTail: false };
  const tail = parseLine(last);
  if (tail === undefined) return { records, truncatedTail: true };
  records.push(tail); // complete record, only its newline was lost
  return { records, truncatedTail: false };
}

/** Intents with no outcome, or whose latest outcome is "unknown", in journal order. */
export function openIntentsOf(records: readonly JournalRecord[]): IntentRecord[] {
  const intents = new Map<string, IntentRecord>();
  for (const r of records) {
    if (r.kind === "intent") intents.set(r.id, r);
    else if (r.status !== "unknown") intents.delete(r.id);
  }
  return [...intents.values()];
}

export async function readJournal(dir: string): Promise<JournalContents> {
  const file = join(dir, JOURNAL_FILE);
  const read = await readFileIfExists(file);
  return read === undefined ? { records: [], truncatedTail: false } : parseJournal(read.text, file);
}

/**
 * Appends records durably. Concurrent appends are grouped: one write and one fsync for all
 * records queued while the previous flush ran. Before its first append it repairs a
 * truncated tail left by a crash, so new records never join a cut-off line.
 */
export class JournalWriter {
  readonly #file: string;
  readonly #dir: string;
  #pending: string[] = [];
  #waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  #flushing: Promise<void> | undefined;
  #prepared = false;

  constructor(dir: string) {
    this.#dir = dir;
    this.#file = join(dir, JOURNAL_FILE);
  }

  append(record: JournalRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push(formatRecord(record));
      this.#waiters.push({ resolve, reject });
      this.#kick();
    });
  }

  /** Resolves when every append queued so far is on disk (or failed). */
  async settled(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
  }

  #kick(): void {
    if (this.#flushing !== undefined) return;
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = undefined;
      if (this.#pending.length > 0) this.#kick();
    });
  }

  async #flush(): Promise<void> {
    const text = this.#pending.join("");
    const waiters = this.#waiters;
    this.#pending = [];
    this.#waiters = [];
    try {
      const created = await this.#prepare();
      await appendDurable(this.#file, text);
      if (created) await syncDirectory(this.#dir);
      for (const w of waiters) w.resolve();
    } catch (error) {
      for (const w of waiters) w.reject(error);
    }
  }

  /** Repairs a cut-off last line once; returns true when the file does not exist yet. */
  async #prepare(): Promise<boolean> {
    if (this.#prepared) return false;
    const read = await readFileIfExists(this.#file);
    this.#prepared = true;
    if (read === undefined) return true;
    const contents = parseJournal(read.text, this.#file); // throws on corruption before we add to it
    if (read.text === "" || read.text.endsWith("\n")) return false;
    if (contents.truncatedTail) {
      const keep = Buffer.byteLength(read.text.slice(0, read.text.lastIndexOf("\n") + 1));
      await truncate(this.#file, keep);
    } else {
      await appendDurable(this.#file, "\n");
    }
    const handle = await open(this.#file, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    return false;
  }
}
