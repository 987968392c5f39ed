/**
 * One engine per state dir: the `lock` file, created with O_EXCL (`wx`), holding
 * `{ pid, host, startedAt, command, token }`. A second acquirer gets LockHeldError (a
 * RuntimeFault, code STATE_LOCKED, exit 3). A stale lock is taken over and reported in the
 * handle (`tookOver`) so the caller can emit an event: on this host, when its pid is gone;
 * from another host, when the file was not touched for `staleAfterMs` (a long-running holder
 * calls `refresh()` each cycle); an unreadable lock file (crash between create and write),
 * after 10 s. Released by `release()`, or at normal process exit; a SIGKILLed holder
 * leaves a stale lock that the next acquirer takes over.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { link, open, readFile, rename, stat, unlink, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { systemClock } from "../clock.ts";
import { RuntimeFault } from "../errors.ts";
import { isProcessAlive, onExit, pid, uptimeMs } from "../runtime.ts";
import { syncDirectory } from "./atomic-file.ts";
import { makeStateDir } from "./state-dir.ts";
import { isJsonObject } from "./state-json.ts";

export const LOCK_FILE = "lock";
export const DEFAULT_STALE_LOCK_MS = 10 * 60_000;
const UNREADABLE_GRACE_MS = 10_000;

export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly command: string;
  /** Tells this acquisition apart from a later one by the same pid. */
  readonly token: string;
}

/** A lock that was found stale and taken over. */
export interface StaleLock {
  /** undefined when the lock file could not be read. */
  readonly holder: LockInfo | undefined;
  readonly why: string;
}

export interface LockHandle {
  readonly info: LockInfo;
  readonly tookOver: StaleLock | undefined;
  /** Marks the lock as alive now (for holders on other hosts to see); throws LOCK_LOST if it is no longer ours. */
  refresh(): Promise<void>;
  /** Removes the lock if it is still ours. Safe to call twice. */
  release(): Promise<void>;
}

/** Who is asking, and how they judge a holder. */
export interface LockIdentity {
  readonly pid: number;
  readonly host: string;
  readonly now: () => number;
  readonly isAlive: (pid: number) => boolean;
  readonly staleAfterMs: number;
  /** When this process started (epoch ms), to tell a reused pid from this process. */
  readonly startedAt?: number;
}

/** This process, judged by the wall clock (lock ages are compared with file times, never a virtual clock). */
export function localIdentity(staleAfterMs = DEFAULT_STALE_LOCK_MS): LockIdentity {
  return { pid: pid(), host: hostname(), now: systemClock.now, isAlive: isProcessAlive, staleAfterMs, startedAt: Date.now() - uptimeMs() };
}

export class LockHeldError extends RuntimeFault {
  readonly holder: LockInfo | undefined;
  constructor(location: string, holder: LockInfo | undefined, me: LockIdentity) {
    super("STATE_LOCKED", heldMessage(location, holder, me));
    this.holder = holder;
  }
}

function heldMessage(location: string, holder: LockInfo | undefined, me: LockIdentity): string {
  if (holder === undefined) return `state dir ${location} is locked (its lock file is being written or unreadable)`;
  const state = holder.host === me.host ? "running" : `on host ${holder.host}`;
  return `state dir ${location} is locked by pid ${holder.pid} (${holder.command}) since ${holder.startedAt} (${state})`;
}

/** "held", or why the lock is stale. `touchedAt`: when the lock was written or last refreshed. */
export function lockVerdict(holder: LockInfo | undefined, touchedAt: number, me: LockIdentity): { stale: false } | { stale: true; why: string } {
  const age = me.now() - touchedAt;
  if (holder === undefined) {
    return age > UNREADABLE_GRACE_MS ? { stale: true, why: "unreadable lock file" } : { stale: false };
  }
  if (holder.host === me.host) {
    // A holder with this very pid that took the lock before this process started was an
    // earlier process the pid was reused for (a container's pid 1 restarted after a kill).
    if (holder.pid === me.pid && me.startedAt !== undefined && Date.parse(holder.startedAt) < me.startedAt - 1_000) {
      return { stale: true, why: `pid ${holder.pid} now belongs to this process, started after the lock was taken` };
    }
    return me.isAlive(holder.pid) ? { stale: false } : { stale: true, why: `pid ${holder.pid} is not running` };
  }
  return age > me.staleAfterMs
    ? { stale: true, why: `host ${holder.host} has not refreshed it for ${Math.round(age / 1000)} s` }
    : { stale: false };
}

export function parseLockInfo(text: string): LockInfo | undefined {
  try {
    const v: unknown = JSON.parse(text);
    if (!isJsonObject(v)) return undefined;
    const { pid: p, host, startedAt, command, token } = v;
    if (typeof p !== "number" || typeof host !== "string" || typeof startedAt !== "string") return undefined;
    if (typeof command !== "string" || typeof token !== "string") return undefined;
    return { pid: p, host, startedAt, command, token };
  } catch {
    return undefined;
  }
}

export function newLockInfo(command: string, me: LockIdentity): LockInfo {
  return { pid: me.pid, host: me.host, startedAt: new Date(me.now()).toISOString(), command, token: randomBytes(8).toString("hex") };
}

/**
 * Creates the lock file with its content in one step: the content is written and fsynced in a
 * temp file first, then hard-linked to the lock's name (link fails with EEXIST when a lock
 * exists). A competitor never sees an empty or half-written lock file.
 */
async function createExclusive(file: string, text: string): Promise<boolean> {
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(tmp, "wx");
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

async function readLock(file: string): Promise<{ text: string; mtime: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(file, "utf8"), stat(file)]);
    return { text, mtime: st.mtimeMs };
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Who holds the state dir's lock, for operator commands that only look (`warden status`):
 * undefined when there is no lock file; `holder` undefined when it is unreadable; `held`
 * false when the holder is gone (the verdict a new acquirer would reach).
 */
export async function inspectLock(dir: string, me: LockIdentity = localIdentity()): Promise<{ readonly holder: LockInfo | undefined; readonly held: boolean } | undefined> {
  const found = await readLock(join(dir, LOCK_FILE));
  if (found === undefined) return undefined;
  const holder = parseLockInfo(found.text);
  return { holder, held: !lockVerdict(holder, found.mtime, me).stale };
}

function isOurs(file: string, token: string): boolean {
  try {
    return parseLockInfo(readFileSync(file, "utf8"))?.token === token;
  } catch {
    return false;
  }
}

export async function acquireFileLock(dir: string, command: string, me: LockIdentity): Promise<LockHandle> {
  await makeStateDir(dir);
  const file = join(dir, LOCK_FILE);
  const info = newLockInfo(command, me);
  let tookOver: StaleLock | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createExclusive(file, `${JSON.stringify(info)}\n`)) {
      await syncDirectory(dir);
      return fileLockHandle(file, info, tookOver);
    }
    const found = await readLock(file);
    if (found === undefined) continue; // released meanwhile
    const holder = parseLockInfo(found.text);
    const verdict = lockVerdict(holder, found.mtime, me);
    if (!verdict.stale) throw new LockHeldError(dir, holder, me);
    // Move the stale lock aside, then check that what moved is what was judged stale:
    // another process may have taken it over and written its own lock in between.
    const aside = `${file}.stale-${randomBytes(4).toString("hex")}`;
    try {
      await rename(file, aside);
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") continue;
      throw error;
    }
    const moved = await readFile(aside, "utf8").catch(() => "");
    if (moved !== found.text) await link(aside, file).catch(() => {}); // put the live lock back unless replaced
    else tookOver = { holder, why: verdict.why };
    await unlink(aside).catch(() => {});
  }
  const last = await readLock(file);
  throw new LockHeldError(dir, last === undefined ? undefined : parseLockInfo(last.text), me);
}

function fileLockHandle(file: string, info: LockInfo, tookOver: StaleLock | undefined): LockHandle {
  let released = false;
  const removeExitHook = onExit(() => {
    if (!released && isOurs(file, info.token)) unlinkSync(file);
  });
  return {
    info,
    tookOver,
    async refresh() {
      if (released || !isOurs(file, info.token)) throw new RuntimeFault("LOCK_LOST", `the lock ${file} is no longer held by this process`);
      const now = new Date();
      await utimes(file, now, now);
    },
    async release() {
      if (released) return;
      released = true;
      removeExitHook();
      if (isOurs(file, info.token)) await unlink(file).catch(() => {});
    },
  };
}
