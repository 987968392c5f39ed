/**
 * Operator settings of one state dir, `settings.json`: `{ cache: "on" | "off", instance? }`.
 * `instance`: this state dir's Warden instance tag (4 characters [0-9a-z]), carried in every
 * orderLinkId it writes, so that a second Warden on the same account recognises them.
 * `cache: "off"` is the rollback path to direct per-monitor reads; `run` states it at start.
 * Missing file = defaults; an invalid file is an InputError naming the file (never ignored).
 */
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { readFileIfExists, writeFileAtomic } from "./atomic-file.ts";
import { isJsonObject, parseStateJson } from "./state-json.ts";

export const SETTINGS_FILE = "settings.json";

export interface Settings {
  readonly cache: "on" | "off";
  readonly instance?: string;
}

export const INSTANCE_TAG = /^[0-9a-z]{4}$/;

export const DEFAULT_SETTINGS: Settings = { cache: "on" };

export function encodeSettings(settings: Settings): string {
  return `${JSON.stringify({ cache: settings.cache, ...(settings.instance !== undefined ? { instance: settings.instance } : {}) }, null, 2)}\n`;
}

export function decodeSettings(text: string, file: string): Settings {
  const value = parseStateJson(text, file, "SETTINGS_INVALID");
  if (!isJsonObject(value)) throw new InputError("SETTINGS_INVALID", `${file}: expected a JSON object like {"cache":"on"}`);
  const cache = value["cache"] ?? DEFAULT_SETTINGS.cache;
  if (cache !== "on" && cache !== "off") {
    throw new InputError("SETTINGS_INVALID", `${file}: field cache must be "on" or "off", got ${JSON.stringify(cache)}`);
  }
  const instance = value["instance"];
  if (instance !== undefined && !(typeof instance === "string" && INSTANCE_TAG.test(instance))) {
    throw new InputError("SETTINGS_INVALID", `${file}: field instance must be 4 characters of [0-9a-z], got ${JSON.stringify(instance)}`);
  }
  return instance === undefined ? { cache } : { cache, instance };
}

export async function readSettings(dir: string): Promise<Settings> {
  const file = join(dir, SETTINGS_FILE);
  const read = await readFileIfExists(file);
  return read === undefined ? DEFAULT_SETTINGS : decodeSettings(read.text, file);
}

export async function writeSettings(dir: string, settings: Settings): Promise<void> {
  await writeFileAtomic(join(dir, SETTINGS_FILE), encodeSettings(settings));
}
