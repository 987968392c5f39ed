/**
 * The engine's last status, `status.json`: an opaque JSON object the run writes after each
 * cycle (its content is defined by core/status) and `warden status` reads. Written
 * atomically; absent = undefined; unreadable = STATE_CORRUPT naming the file.
 */
import { join } from "node:path";
import { readFileIfExists, writeFileAtomic } from "./atomic-file.ts";
import { corruptFile, isJsonObject, parseStateJson, type JsonObject } from "./state-json.ts";

export const STATUS_FILE = "status.json";

export function encodeStatus(status: JsonObject): string {
  return `${JSON.stringify(status)}\n`;
}

export function decodeStatus(text: string, file: string, bytes?: number): JsonObject {
  const value = parseStateJson(text, file, "STATE_CORRUPT", bytes);
  if (!isJsonObject(value)) throw corruptFile("STATE_CORRUPT", file, "not a JSON object");
  return value;
}

export async function readStatus(dir: string): Promise<JsonObject | undefined> {
  const file = join(dir, STATUS_FILE);
  const read = await readFileIfExists(file);
  return read === undefined ? undefined : decodeStatus(read.text, file, read.bytes);
}

export async function writeStatus(dir: string, status: JsonObject): Promise<void> {
  await writeFileAtomic(join(dir, STATUS_FILE), encodeStatus(status));
}
