/**
 * Where state lives. The default keeps simulated and live runs apart:
 * `.warden/sim-<scenario>` and `.warden/bybit-<host>` under the working directory.
 * Commands that only read or repair state (`rollback`, `cache-stats`) use `--state-dir`, or
 * the single state dir under `.warden/` when there is exactly one.
 */
import { mkdir, stat, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { InputError } from "../errors.ts";

export const STATE_ROOT = ".warden";

/** A name safe in a path: host names and scenario names keep letters, digits, dot, dash, underscore. */
function segment(s: string): string {
  const cleaned = s.trim().toLowerCase().replace(/^[a-z]+:\/\//, "").replace(/[^a-z0-9._-]+/g, "-").replace(/^[.-]+|-+$/g, "");
  return cleaned === "" ? "default" : cleaned;
}

export function defaultStateDir(exchange: "sim" | "bybit", scenarioOrHost: string, cwd = "."): string {
  return resolve(cwd, STATE_ROOT, `${exchange}-${segment(scenarioOrHost)}`);
}

/** Creates the state dir (and its parents); a file in the way is bad input named in one line, not a raw EEXIST. */
export async function makeStateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EEXIST" || code === "ENOTDIR") {
      throw new InputError("STATE_DIR_NOT_DIRECTORY", `state dir ${dir} is not a directory (a file is in the way); pass --state-dir DIR`, { cause: error });
    }
    throw error;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The state dir a maintenance command works on: `explicit` (which must exist), else the only
 * one under `.warden/`. Anything else is an InputError with one line saying what to pass.
 */
export async function existingStateDir(explicit: string | undefined, cwd = "."): Promise<string> {
  if (explicit !== undefined) {
    const dir = resolve(cwd, explicit);
    if (!(await isDirectory(dir))) throw new InputError("STATE_DIR_MISSING", `state dir ${explicit} does not exist`);
    return dir;
  }
  const root = resolve(cwd, STATE_ROOT);
  const names = (await isDirectory(root)) ? (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort() : [];
  if (names.length === 1) return join(root, names[0]!);
  if (names.length === 0) throw new InputError("STATE_DIR_MISSING", `no state dir under ${STATE_ROOT}/; pass --state-dir DIR`);
  throw new InputError("STATE_DIR_AMBIGUOUS", `several state dirs under ${STATE_ROOT}/ (${names.join(", ")}); pass --state-dir DIR`);
}
