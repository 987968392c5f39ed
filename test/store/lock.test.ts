import { describe, expect, test } from "bun:test";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { acquireFileLock, localIdentity, LockHeldError, type LockIdentity } from "../../core/store/lock.ts";

const lockModule = resolve(import.meta.dir, "../../core/store/lock.ts");

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "warden-lock-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A real process that takes the lock, says so, and sleeps until killed. */
function holderProcess(dir: string): Promise<ChildProcess> {
  const code = `
    const { acquireFileLock, localIdentity } = await import(${JSON.stringify(lockModule)});
    await acquireFileLock(${JSON.stringify(dir)}, "run --once", localIdentity());
    process.stdout.write("locked\\n");
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolveChild, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("locked")) resolveChild(child);
    });
    child.on("exit", (status) => reject(new Error(`lock holder exited early with ${status}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.on("exit", () => done());
  });
}

function otherHost(staleAfterMs: number): LockIdentity {
  return { ...localIdentity(staleAfterMs), host: "elsewhere" };
}

describe("state dir lock", () => {
  test("a live process holding the lock keeps others out; once SIGKILLed, its lock is taken over as stale", () =>
    withDir(async (dir) => {
      const child = await holderProcess(dir);
      try {
        const held = acquireFileLock(dir, "run --once", localIdentity());
        await expect(held).rejects.toBeInstanceOf(LockHeldError);
        await expect(acquireFileLock(dir, "run", localIdentity())).rejects.toThrow(
          new RegExp(`state dir .* is locked by pid ${child.pid} \\(run --once\\) since .* \\(running\\)`),
        );
      } finally {
        child.kill("SIGKILL");
        await exited(child);
      }
      const handle = await acquireFileLock(dir, "run", localIdentity());
      expect(handle.tookOver?.holder?.pid).toBe(child.pid!);
      expect(handle.tookOver?.why).toBe(`pid ${child.pid} is not running`);
      expect(JSON.parse(await readFile(join(dir, "lock"), "utf8"))).toMatchObject({ pid: process.pid, host: hostname(), command: "run" });
      await handle.release();
    }));

  test("two acquirers racing in one process: exactly one wins", () =>
    withDir(async (dir) => {
      const results = await Promise.allSettled([1, 2, 3].map(() => acquireFileLock(dir, "run", localIdentity())));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(results.filter((r) => r.status === "rejected" && r.reason instanceof LockHeldError)).toHaveLength(2);
    }));

  test("a lock from another host is held while refreshed and stale after the threshold", () =>
    withDir(async (dir) => {
      const theirs = await acquireFileLock(dir, "run", otherHost(60_000));
      await expect(acquireFileLock(dir, "run", localIdentity(60_000))).rejects.toThrow("on host elsewhere");
      await theirs.refresh();
      const old = new Date(Date.now() - 120_000);
      await utimes(join(dir, "lock"), old, old);
      const mine = await acquireFileLock(dir, "run", localIdentity(60_000));
      expect(mine.tookOver?.holder?.host).toBe("elsewhere");
      expect(mine.tookOver?.why).toContain("has not refreshed it");
      await theirs.release(); // must not remove the lock it lost
      await expect(acquireFileLock(dir, "run", localIdentity(60_000))).rejects.toBeInstanceOf(LockHeldError);
      await expect(theirs.refresh()).rejects.toMatchObject({ code: "LOCK_LOST" });
      await mine.release();
    }));

  test("an unreadable lock file counts as held while fresh and stale once old", () =>
    withDir(async (dir) => {
      await writeFile(join(dir, "lock"), "");
      await expect(acquireFileLock(dir, "run", localIdentity())).rejects.toThrow("being written or unreadable");
      const old = new Date(Date.now() - 60_000);
      await utimes(join(dir, "lock"), old, old);
      const handle = await acquireFileLock(dir, "run", localIdentity());
      expect(handle.tookOver).toEqual({ holder: undefined, why: "unreadable lock file" });
      await handle.release();
    }));

  test("a lock left by an earlier process whose pid this process now has is taken over; this process's own is not", () =>
    withDir(async (dir) => {
      const me = localIdentity();
      const earlier = { pid: me.pid, host: me.host, startedAt: new Date((me.startedAt ?? Date.now()) - 60_000).toISOString(), command: "run", token: "0123456789abcdef" };
      await writeFile(join(dir, "lock"), `${JSON.stringify(earlier)}\n`);
      const handle = await acquireFileLock(dir, "run", me);
      expect(handle.tookOver?.why).toContain("now belongs to this process");
      await expect(acquireFileLock(dir, "run", localIdentity())).rejects.toBeInstanceOf(LockHeldError);
      await handle.release();
    }));

  test("release removes the lock file", () =>
    withDir(async (dir) => {
      const handle = await acquireFileLock(dir, "run", localIdentity());
      await handle.release();
      await expect(readFile(join(dir, "lock"))).rejects.toMatchObject({ code: "ENOENT" });
    }));

  test("a normal exit without release frees the lock", () =>
    withDir(async (dir) => {
      const code = `
        const { acquireFileLock, localIdentity } = await import(${JSON.stringify(lockModule)});
        await acquireFileLock(${JSON.stringify(dir)}, "run", localIdentity());
      `;
      const child = spawn(process.execPath, ["-e", code], { stdio: "inherit" });
      await exited(child);
      expect(child.exitCode).toBe(0);
      await expect(readFile(join(dir, "lock"))).rejects.toMatchObject({ code: "ENOENT" });
    }));
});
