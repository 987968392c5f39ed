/**
 * `restored.json` `{ from, at, safety }`: written by a rollback, it tells the next `run` that
 * its monitors came from checkpoint `from` (and that checkpoint `safety` holds what was
 * replaced), so it announces it. The engine reconciles with the exchange at every start
 * anyway; it clears the marker once reconciliation succeeded.
 */
import { join } from "node:path";
import { unlink } from "node:fs/promises";
import { readFileIfExists, writeFileAtomic } from "./atomic-file.ts";
import { corruptFile, isJsonObject, parseStateJson } from "./state-json.ts";

export const RESTORED_FILE = "restored.json";

export interface RestoreMarker {
  /** The checkpoint restored. */
  readonly from: string;
  /** When, ISO time. */
  readonly at: string;
  /** The pre-rollback checkpoint of the state that was replaced. */
  readonly safety: string;
}

export function encodeRestoreMarker(marker: RestoreMarker): string {
  return `${JSON.stringify(marker, null, 2)}\n`;
}

export function decodeRestoreMarker(text: string, file: string): RestoreMarker {
  const v = parseStateJson(text, file, "STATE_CORRUPT");
  if (!isJsonObject(v) || typeof v["from"] !== "string" || typeof v["at"] !== "string" || typeof v["safety"] !== "string") {
    throw corruptFile("STATE_CORRUPT", file, "expected { from, at, safety }");
  }
  return { from: v["from"], at: v["at"], safety: v["safety"] };
}

export async function readRestoreMarker(dir: string): Promise<RestoreMarker | undefined> {
  const file = join(dir, RESTORED_FILE);
  const read = await readFileIfExists(file);
  return read === undefined ? undefined : decodeRestoreMarker(read.text, file);
}

export async function writeRestoreMarker(dir: string, marker: RestoreMarker): Promise<void> {
  await writeFileAtomic(join(dir, RESTORED_FILE), encodeRestoreMarker(marker));
}

export async function clearRestoreMarker(dir: string): Promise<void> {
  await unlink(join(dir, RESTORED_FILE)).catch((error: unknown) => {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
  });
}
