/**
 * The monitors file `monitors.json`:
 * `{ schema: 1, savedAt, checksum: "sha256:<hex of the canonical JSON of monitors>", monitors }`.
 * Monitors are opaque JSON records with a string `id` (the store never reads other fields).
 * A missing file means fresh state (no monitors); a corrupt, truncated or unknown-schema file
 * throws STATE_CORRUPT naming the file and why, and is left untouched (`rollback --to` moves
 * it aside, state-store.ts).
 * Checkpoints reuse this format with extra header fields (checkpoints.ts).
 */
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { readFileIfExists, writeFileAtomic } from "./atomic-file.ts";
import { checksumOf, corruptFile, isJsonObject, parseStateJson, type JsonObject } from "./state-json.ts";

export const MONITORS_FILE = "monitors.json";
export const STATE_SCHEMA = 1;

/** What the store needs of a monitor: nothing but a unique string id. */
export interface MonitorRecord {
  readonly id: string;
}

/** The file text for `monitors` with the header fields first and `extra` (checkpoint fields) before the monitors. */
export function encodeMonitorsDoc(monitors: readonly MonitorRecord[], savedAt: string, extra: JsonObject = {}): string {
  assertUniqueIds(monitors);
  const doc = { schema: STATE_SCHEMA, savedAt, checksum: checksumOf(monitors), ...extra, monitors };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Parses and verifies (JSON, schema, shape, unique ids, checksum) or throws `code` naming `file`. */
export function decodeMonitorsDoc<T extends MonitorRecord>(
  text: string,
  file: string,
  code = "STATE_CORRUPT",
  byteLength?: number,
): { doc: JsonObject; monitors: T[] } {
  const doc = parseStateJson(text, file, code, byteLength);
  if (!isJsonObject(doc)) throw corruptFile(code, file, "not a JSON object");
  if (doc["schema"] !== STATE_SCHEMA) {
    const schema = doc["schema"] === undefined ? "missing" : JSON.stringify(doc["schema"]);
    throw corruptFile(code, file, `unknown schema ${schema}, expected ${STATE_SCHEMA}`);
  }
  const monitors = doc["monitors"];
  if (!Array.isArray(monitors)) throw corruptFile(code, file, "field monitors is not an array");
  if (typeof doc["checksum"] !== "string") throw corruptFile(code, file, "field checksum is missing");
  const seen = new Set<string>();
  for (const [i, m] of monitors.entries()) {
    if (!isJsonObject(m) || typeof m["id"] !== "string") throw corruptFile(code, file, `monitors[${i}] has no string id`);
    if (seen.has(m["id"])) throw corruptFile(code, file, `duplicate monitor id ${m["id"]}`);
    seen.add(m["id"]);
  }
  if (checksumOf(monitors) !== doc["checksum"]) throw corruptFile(code, file, "checksum mismatch");
  return { doc, monitors: monitors as T[] };
}

export function assertUniqueIds(monitors: readonly MonitorRecord[]): void {
  const seen = new Set<string>();
  for (const m of monitors) {
    if (typeof m.id !== "string") throw new TypeError("every monitor needs a string id");
    if (seen.has(m.id)) throw new RangeError(`two monitors share the id ${m.id}`);
    seen.add(m.id);
  }
}

export async function loadMonitorsFile<T extends MonitorRecord>(dir: string): Promise<T[]> {
  const file = join(dir, MONITORS_FILE);
  const read = await readFileIfExists(file);
  if (read === undefined) return [];
  try {
    return decodeMonitorsDoc<T>(read.text, file, "STATE_CORRUPT", read.bytes).monitors;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(error.code, `${error.message}; the way out: warden rollback --list, then warden rollback --to ID (it keeps this file aside)`, { cause: error });
  }
}

export async function saveMonitorsFile(dir: string, monitors: readonly MonitorRecord[], savedAt: string): Promise<void> {
  await writeFileAtomic(join(dir, MONITORS_FILE), encodeMonitorsDoc(monitors, savedAt));
}
