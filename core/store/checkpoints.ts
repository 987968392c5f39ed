/**
 * Checkpoints: saved copies of the monitors that `rollback` can return to, one file each,
 * `checkpoints/<id>.json`, in the monitors-file format plus `{ id, createdAt, reason,
 * monitorCount }`. Ids sort by creation time: `20261124T091500.123Z-a1b2` (UTC to the
 * millisecond, strictly increasing within a state dir, 4 random hex digits).
 * Retention keeps the newest 50 and never deletes the newest pre-rollback checkpoint
 * (the way back from the last rollback). A `pre-run` checkpoint identical to the newest
 * checkpoint is not written again (cron runs every minute would otherwise flush history).
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { readFileIfExists, writeFileAtomic } from "./atomic-file.ts";
import { decodeMonitorsDoc, encodeMonitorsDoc, type MonitorRecord } from "./monitors-file.ts";
import { checksumOf } from "./state-json.ts";

export const CHECKPOINTS_DIR = "checkpoints";
export const DEFAULT_KEEP_CHECKPOINTS = 50;
export const CHECKPOINT_REASONS = ["pre-run", "manual", "pre-rollback"] as const;
export type CheckpointReason = (typeof CHECKPOINT_REASONS)[number];

export interface CheckpointInfo {
  readonly id: string;
  readonly createdAt: string;
  readonly reason: CheckpointReason;
  readonly monitorCount: number;
  readonly checksum: string;
}

export interface Checkpoint<T extends MonitorRecord = MonitorRecord> extends CheckpointInfo {
  readonly monitors: T[];
}

/** A checkpoint file that exists but cannot be read: listed, never restored. */
export interface CorruptCheckpoint {
  readonly id: string;
  readonly createdAt: string;
  readonly corrupt: string;
}

export type CheckpointListing = CheckpointInfo | CorruptCheckpoint;

const ID_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z-[0-9a-f]{4}$/;

export function isCheckpointId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** Creation time encoded in an id, in ms since the epoch. */
export function checkpointIdTime(id: string): number {
  const m = ID_PATTERN.exec(id);
  if (m === null) throw new RangeError(`not a checkpoint id: ${id}`);
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!);
}

/** A new id for time `now`, later than `newest` (ids stay strictly ordered even within one millisecond). */
export function checkpointId(now: number, newest: string | undefined, hex = randomBytes(2).toString("hex")): string {
  const t = newest === undefined ? now : Math.max(now, checkpointIdTime(newest) + 1);
  const iso = new Date(t).toISOString(); // 2026-11-24T09:15:00.123Z
  return `${iso.slice(0, 19).replaceAll("-", "").replaceAll(":", "")}.${iso.slice(20, 23)}Z-${hex}`;
}

export function encodeCheckpoint(info: Omit<CheckpointInfo, "checksum">, monitors: readonly MonitorRecord[]): string {
  const { id, createdAt, reason, monitorCount } = info;
  return encodeMonitorsDoc(monitors, createdAt, { id, createdAt, reason, monitorCount });
}

export function decodeCheckpoint<T extends MonitorRecord>(text: string, file: string, id: string, bytes?: number): Checkpoint<T> {
  const { doc, monitors } = decodeMonitorsDoc<T>(text, file, "CHECKPOINT_CORRUPT", bytes);
  const bad = (why: string) => new InputError("CHECKPOINT_CORRUPT", `${file} is corrupt (${why}); refusing to use it, the file was left untouched`);
  if (doc["id"] !== id) throw bad(`its id ${JSON.stringify(doc["id"])} does not match the file name`);
  if (typeof doc["createdAt"] !== "string") throw bad("field createdAt is missing");
  if (!(CHECKPOINT_REASONS as readonly unknown[]).includes(doc["reason"])) throw bad(`unknown reason ${JSON.stringify(doc["reason"])}`);
  if (doc["monitorCount"] !== monitors.length) throw bad("monitorCount does not match the monitors");
  return {
    id,
    createdAt: doc["createdAt"],
    reason: doc["reason"] as CheckpointReason,
    monitorCount: monitors.length,
    checksum: doc["checksum"] as string,
    monitors,
  };
}

/** Oldest first beyond `keep`, sparing the newest pre-rollback checkpoint. `entries` sorted oldest first. */
export function checkpointsToPrune(entries: readonly { id: string; reason: string | undefined }[], keep: number): string[] {
  const excess = entries.length - keep;
  if (excess <= 0) return [];
  const spared = [...entries].reverse().find((e) => e.reason === "pre-rollback")?.id;
  return entries.slice(0, excess).filter((e) => e.id !== spared).map((e) => e.id);
}

/** Where checkpoint texts live: a directory, or a map in memory. */
export interface CheckpointShelf {
  ids(): Promise<string[]>;
  read(id: string): Promise<{ text: string; bytes: number } | undefined>;
  write(id: string, text: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** The name of a checkpoint's file, for messages. */
  label(id: string): string;
}

export function directoryShelf(stateDir: string): CheckpointShelf {
  const dir = join(stateDir, CHECKPOINTS_DIR);
  const file = (id: string) => join(dir, `${id}.json`);
  return {
    async ids() {
      try {
        return (await readdir(dir)).filter((n) => n.endsWith(".json") && isCheckpointId(n.slice(0, -5))).map((n) => n.slice(0, -5));
      } catch (error) {
        if ((error as { code?: string }).code === "ENOENT") return [];
        throw error;
      }
    },
    read: (id) => readFileIfExists(file(id)),
    async write(id, text) {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(file(id), text);
    },
    remove: (id) => unlink(file(id)),
    label: file,
  };
}

export function memoryShelf(files: Map<string, string>): CheckpointShelf {
  const key = (id: string) => `${CHECKPOINTS_DIR}/${id}.json`;
  return {
    async ids() {
      const prefix = `${CHECKPOINTS_DIR}/`;
      return [...files.keys()].filter((k) => k.startsWith(prefix) && k.endsWith(".json")).map((k) => k.slice(prefix.length, -5)).filter(isCheckpointId);
    },
    async read(id) {
      const text = files.get(key(id));
      return text === undefined ? undefined : { text, bytes: Buffer.byteLength(text) };
    },
    async write(id, text) {
      files.set(key(id), text);
    },
    async remove(id) {
      files.delete(key(id));
    },
    label: (id) => `memory:${key(id)}`,
  };
}

/** Checkpoint operations over a shelf; the file and memory state stores share them. */
export class Checkpoints {
  readonly #shelf: CheckpointShelf;
  readonly #keep: number;
  constructor(shelf: CheckpointShelf, keep = DEFAULT_KEEP_CHECKPOINTS) {
    this.#shelf = shelf;
    this.#keep = keep;
  }

  async #sortedIds(): Promise<string[]> {
    return (await this.#shelf.ids()).sort();
  }

  async create(monitors: readonly MonitorRecord[], reason: CheckpointReason, now: number): Promise<CheckpointInfo> {
    const ids = await this.#sortedIds();
    const newestId = ids.at(-1);
    if (reason === "pre-run" && newestId !== undefined) {
      const newest = await this.#tryLoad(newestId);
      if (newest !== undefined && newest.checksum === checksumOf(monitors)) return infoOf(newest);
    }
    const id = checkpointId(now, newestId);
    const info = { id, createdAt: new Date(now).toISOString(), reason, monitorCount: monitors.length };
    await this.#shelf.write(id, encodeCheckpoint(info, monitors));
    await this.#prune([...ids, id]);
    return { ...info, checksum: checksumOf(monitors) };
  }

  async list(): Promise<CheckpointListing[]> {
    const out: CheckpointListing[] = [];
    for (const id of await this.#sortedIds()) {
      try {
        out.push(infoOf(await this.load(id)));
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        out.push({ id, createdAt: new Date(checkpointIdTime(id)).toISOString(), corrupt: error.message });
      }
    }
    return out;
  }

  async load<T extends MonitorRecord>(id: string): Promise<Checkpoint<T>> {
    const read = isCheckpointId(id) ? await this.#shelf.read(id) : undefined;
    if (read === undefined) {
      throw new InputError("CHECKPOINT_UNKNOWN", `no checkpoint ${JSON.stringify(id)}; "warden rollback --list" shows the ids`);
    }
    return decodeCheckpoint<T>(read.text, this.#shelf.label(id), id, read.bytes);
  }

  async #tryLoad(id: string): Promise<Checkpoint | undefined> {
    try {
      return await this.load(id);
    } catch (error) {
      if (error instanceof InputError) return undefined;
      throw error;
    }
  }

  async #prune(sortedIds: string[]): Promise<void> {
    if (sortedIds.length <= this.#keep) return;
    const entries: { id: string; reason: string | undefined }[] = [];
    let sparedFound = false;
    for (const id of [...sortedIds].reverse()) {
      // Only the newest pre-rollback matters, so stop reading files once it is found.
      const reason = sparedFound ? undefined : (await this.#tryLoad(id))?.reason;
      if (reason === "pre-rollback") sparedFound = true;
      entries.unshift({ id, reason });
    }
    for (const id of checkpointsToPrune(entries, this.#keep)) await this.#shelf.remove(id);
  }
}

export function infoOf(c: CheckpointInfo): CheckpointInfo {
  return { id: c.id, createdAt: c.createdAt, reason: c.reason, monitorCount: c.monitorCount, checksum: c.checksum };
}

export function isCorrupt(listing: CheckpointListing): listing is CorruptCheckpoint {
  return "corrupt" in listing;
}
