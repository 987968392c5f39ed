/** One option normaliser: flags arrive from cac as strings/numbers/booleans and leave typed, or a UsageError names the flag. */
import type { CAC } from "cac";
import { UsageError } from "../core/errors.ts";

const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * `--interval -1`: cac (mri) reads `-1` as a short option. A negative number after a flag that
 * takes a value is joined to it (`--interval=-1`), so the flag's own check names it.
 */
export function joinNegativeValues(args: readonly string[], cli: CAC): string[] {
  const valued = new Set<string>();
  for (const command of [cli.globalCommand, ...cli.commands]) {
    for (const option of command.options) {
      if (option.isBoolean === true) continue;
      for (const part of option.rawName.split(/[ ,]+/)) if (part.startsWith("-")) valued.add(part);
    }
  }
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (valued.has(arg) && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** cac gives a flag repeated on the command line as an array. */
function single(name: string, value: unknown): unknown {
  if (Array.isArray(value)) throw new UsageError("USAGE_BAD_FLAG", `--${name} is given ${value.length} times; give it once`);
  return value;
}

export function intFlag(name: string, raw: unknown, opts: { min?: number; max?: number } = {}): number | undefined {
  const value = single(name, raw);
  if (value === undefined) return undefined;
  const n = typeof value === "number" ? value : Number(String(value));
  if (!Number.isInteger(n)) throw new UsageError("USAGE_BAD_FLAG", `--${name} expects an integer, got "${String(value)}"`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError("USAGE_BAD_FLAG", `--${name} must be at least ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError("USAGE_BAD_FLAG", `--${name} must be at most ${opts.max}, got ${n}`);
  return n;
}

export function numberFlag(name: string, raw: unknown, opts: { min?: number; max?: number } = {}): number | undefined {
  const value = single(name, raw);
  if (value === undefined) return undefined;
  const n = typeof value === "number" ? value : Number(String(value));
  if (!Number.isFinite(n)) throw new UsageError("USAGE_BAD_FLAG", `--${name} expects a number, got "${String(value)}"`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError("USAGE_BAD_FLAG", `--${name} must be at least ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError("USAGE_BAD_FLAG", `--${name} must be at most ${opts.max}, got ${n}`);
  return n;
}

export function stringFlag(name: string, raw: unknown): string | undefined {
  const value = single(name, raw);
  if (value === undefined) return undefined;
  if (typeof value !== "string" && typeof value !== "number") throw new UsageError("USAGE_BAD_FLAG", `--${name} expects a value`);
  const s = String(value);
  if (s === "") throw new UsageError("USAGE_BAD_FLAG", `--${name} expects a non-empty value`);
  return s;
}

export function enumFlag<T extends string>(name: string, value: unknown, allowed: readonly T[]): T | undefined {
  const s = stringFlag(name, value);
  if (s === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(s)) throw new UsageError("USAGE_BAD_FLAG", `--${name} must be one of ${allowed.join(", ")}, got "${s}"`);
  return s as T;
}

export function boolFlag(value: unknown): boolean {
  return value === true || value === "true";
}
