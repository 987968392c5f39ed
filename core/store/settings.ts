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
  /**
   * Positions the trader runs without a stop by choice, each named by its monitor's lifetime
   * (`account:SYMBOL:side@<opened>`, see lifetimeKey): Warden places and restores no stop for
   * that position and reports it "no-stop", not "unprotected". The choice ends with that
   * position: a later one on the same symbol and side gets its stop. Set with `warden no-stop`;
   * never inferred from orders cancelled on the exchange.
   */
  readonly noStop?: readonly string[];
}

export const MONITOR_ID = /^(main|mirror):[A-Z0-9]{2,30}:(long|short)$/;
export const POSITION_LIFETIME = /^(main|mirror):[A-Z0-9]{2,30}:(long|short)@[0-9a-z]{1,12}$/;

export const INSTANCE_TAG = /^[0-9a-z]{4}$/;

export const DEFAULT_SETTINGS: Settings = { cache: "on" };

export function encodeSettings(settings: Settings): string {
  const { cache, instance, noStop } = settings;
  return `${JSON.stringify({ cache, ...(instance !== undefined ? { instance } : {}), ...(noStop !== undefined && noStop.length > 0 ? { noStop } : {}) }, null, 2)}\n`;
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
  const noStop = value["noStop"];
  if (noStop !== undefined && !(Array.isArray(noStop) && noStop.every((id) => typeof id === "string" && POSITION_LIFETIME.test(id)))) {
    throw new InputError("SETTINGS_INVALID", `${file}: field noStop must be a list of positions like "main:BTCUSDT:long@mdfn3k0w" (written by warden no-stop), got ${JSON.stringify(noStop)}`);
  }
  return { cache, ...(instance !== undefined ? { instance } : {}), ...(noStop !== undefined ? { noStop: noStop as string[] } : {}) };
}

export async function readSettings(dir: string): Promise<Settings> {
  const file = join(dir, SETTINGS_FILE);
  const read = await readFileIfExists(file);
  return read === undefined ? DEFAULT_SETTINGS : decodeSettings(read.text, file);
}

export async function writeSettings(dir: string, settings: Settings): Promise<void> {
  await writeFileAtomic(join(dir, SETTINGS_FILE), encodeSettings(settings));
}
