/**
 * Where state lives, wherever the command is run from: under the state root, one directory
 * per exchange, so simulated and live runs stay apart (`sim-<scenario>`, `bybit-<host>`), and
 * dry runs apart from both (`bybit-<host>-dry-run`).
 * The root is `$WARDEN_HOME`, else `$XDG_STATE_HOME/warden`, else `~/.local/state/warden`.
 * Commands that only read or repair state (`rollback`, `cache-stats`, `no-stop`) use
 * `--state-dir`, or the single state dir under the root when there is exactly one.
 */
import { mkdir, stat, readdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { InputError } from "../errors.ts";
import { env } from "../runtime.ts";

/** Where state dirs were before they moved to the state root: `.warden/` under the working directory. */
const LEGACY_ROOT = ".warden";

/** The directory that holds one state dir per exchange; `read` is the environment. */
export function stateRoot(read: (name: string) => string | undefined = env, home: () => string = homedir): string {
  const own = read("WARDEN_HOME");
  if (own !== undefined) return resolve(own);
  const xdg = read("XDG_STATE_HOME");
  if (xdg !== undefined && xdg.startsWith("/")) return join(xdg, "warden"); // the XDG spec ignores a relative one
  return join(home(), ".local", "state", "warden");
}

/** A name safe in a path: host names and scenario names keep letters, digits, dot, dash, underscore. */
function segment(s: string): string {
  const cleaned = s.trim().toLowerCase().replace(/^[a-z]+:\/\//, "").replace(/[^a-z0-9._-]+/g, "-").replace(/^[.-]+|-+$/g, "");
  return cleaned === "" ? "default" : cleaned;
}

/** Appended to a dry run's default state dir, so a dry run never leaves monitors a real run would trust. */
export const DRY_RUN_SUFFIX = "-dry-run";

/**
 * `account`: a run of that one account alone (`run --account NAME`) gets a state dir of its own,
 * `<exchange>-<host>@<name>`, so that processes running accounts apart never share a lock or
 * monitors (account names are `[a-z0-9-]`, safe in a path).
 */
export function defaultStateDir(exchange: "sim" | "bybit", scenarioOrHost: string, root = stateRoot(), dryRun = false, account?: string): string {
  return join(root, `${exchange}-${segment(scenarioOrHost)}${account !== undefined ? `@${segment(account)}` : ""}${dryRun ? DRY_RUN_SUFFIX : ""}`);
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

async function subdirectories(root: string): Promise<string[]> {
  if (!(await isDirectory(root))) return [];
  return (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/**
 * The state dir a maintenance command works on: `explicit` (which must exist; relative to the
 * working directory), else the only one under the state root. Anything else is an InputError
 * with one line saying what to pass.
 */
export async function existingStateDir(explicit: string | undefined, root = stateRoot()): Promise<string> {
  if (explicit !== undefined) {
    const dir = resolve(explicit);
    if (!(await isDirectory(dir))) throw new InputError("STATE_DIR_MISSING", `state dir ${explicit} does not exist`);
    return dir;
  }
  const names = await subdirectories(root);
  if (names.length === 1) return join(root, names[0]!);
  if (names.length === 0) {
    const legacy = await subdirectories(LEGACY_ROOT);
    const hint = legacy.length > 0 ? ` (an older Warden kept state under ./${LEGACY_ROOT}/: pass --state-dir ${LEGACY_ROOT}/${legacy[0]})` : "";
    throw new InputError("STATE_DIR_MISSING", `no state dir under ${root}/; pass --state-dir DIR${hint}`);
  }
  throw new InputError("STATE_DIR_AMBIGUOUS", `several state dirs under ${root}/ (${names.join(", ")}); pass --state-dir DIR`);
}
