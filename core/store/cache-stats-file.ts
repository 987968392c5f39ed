/**
 * The last cache statistics, `cache-stats.json`: an opaque JSON object the engine writes
 * each cycle (its content is defined by core/cache) and `cache-stats` reads. Written
 * atomically; absent = undefined; unreadable = STATE_CORRUPT naming the file.
 */
import { join } from "node:path";
import { readFileIfExists, writeFileAtomic } from "./atomic-file.ts";
import { corruptFile, isJsonObject, parseStateJson, type JsonObject } from "./state-json.ts";

export const CACHE_STATS_FILE = "cache-stats.json";

export function encodeCacheStats(stats: JsonObject): string {
  return `${JSON.stringify(stats)}\n`;
}

export function decodeCacheStats(text: string, file: string, bytes?: number): JsonObject {
  const value = parseStateJson(text, file, "STATE_CORRUPT", bytes);
  if (!isJsonObject(value)) throw corruptFile("STATE_CORRUPT", file, "not a JSON object");
  return value;
}

export async function readCacheStats(dir: string): Promise<JsonObject | undefined> {
  const file = join(dir, CACHE_STATS_FILE);
  const read = await readFileIfExists(file);
  return read === undefined ? undefined : decodeCacheStats(read.text, file, read.bytes);
}

export async function writeCacheStats(dir: string, stats: JsonObject): Promise<void> {
  await writeFileAtomic(join(dir, CACHE_STATS_FILE), encodeCacheStats(stats));
}
