/**
 * JSON as the state store writes and checks it: a canonical form (keys sorted, no
 * whitespace) whose SHA-256 is the checksum of a state file, and a parser that says *why*
 * a file is unreadable (empty, truncated at byte N, invalid) instead of treating it as empty.
 */
import { createHash } from "node:crypto";
import { InputError } from "../errors.ts";

export type JsonObject = Record<string, unknown>;

/** Canonical JSON: object keys sorted, no whitespace, `undefined` members dropped (as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined || typeof v === "function" ? "null" : canonicalJson(v))).join(",")}]`;
  }
  if (value !== null && typeof value === "object") {
    const record = value as JsonObject;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const v = record[key];
      if (v === undefined || typeof v === "function") continue;
      members.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
    }
    return `{${members.join(",")}}`;
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new RangeError(`cannot store the non-finite number ${value} in a state file`);
  }
  return JSON.stringify(value) ?? "null";
}

/** `sha256:<hex>` of the canonical JSON of a value. */
export function checksumOf(value: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(value)).digest("hex")}`;
}

/** The one error for an unreadable state file: names the file and why, and promises it was kept. */
export function corruptFile(code: string, file: string, why: string): InputError {
  return new InputError(code, `${file} is corrupt (${why}); refusing to use it, the file was left untouched`);
}

/** Parses a state file's text or throws `code` naming the file and the failure. */
export function parseStateJson(text: string, file: string, code: string, byteLength = Buffer.byteLength(text)): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw corruptFile(code, file, describeJsonFailure(text, byteLength));
  }
}

function describeJsonFailure(text: string, byteLength: number): string {
  if (text.trim() === "") return `empty file, ${byteLength} bytes`;
  if (text.includes("\u0000")) return `invalid JSON, contains NUL bytes`;
  if (endsInsideValue(text)) return `truncated JSON at byte ${byteLength}`;
  return "invalid JSON";
}

/** True when the text ends inside a string or with objects/arrays left open: the mark of a cut-off write. */
function endsInsideValue(text: string): boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return inString || depth > 0;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
