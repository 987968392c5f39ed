import { describe, expect, test } from "bun:test";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendDurable, isTempFileName, writeFileAtomic } from "../../core/store/atomic-file.ts";
import { FileStateStore } from "../../core/store/file-state-store.ts";
import { makeMonitors, type TestMonitor } from "./builders.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "warden-atomic-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("atomic file writes", () => {
  test("replace the whole content and leave no temp file behind", () =>
    withDir(async (dir) => {
      const file = join(dir, "monitors.json");
      await writeFileAtomic(file, "old");
      await writeFileAtomic(file, "new content");
      expect(await readFile(file, "utf8")).toBe("new content");
      expect(await readdir(dir)).toEqual(["monitors.json"]);
    }));

  test("a crash before the rename leaves the old monitors readable and the temp file ignored", () =>
    withDir(async (dir) => {
      const store = new FileStateStore(dir);
      const old = makeMonitors(2);
      await store.saveMonitors(old);
      // What a crash mid-write leaves: a half-written temp file beside the intact target.
      const temp = ".monitors.json.1a2b3c4d.tmp";
      expect(isTempFileName(temp)).toBe(true);
      await writeFile(join(dir, temp), '{"schema":1,"monitors":[{"id":"ma');
      expect(await new FileStateStore(dir).loadMonitors<TestMonitor>()).toEqual(old);
      await store.saveMonitors(makeMonitors(3));
      expect(await new FileStateStore(dir).loadMonitors()).toHaveLength(3);
    }));

  test("concurrent saves end with the last one asked for", () =>
    withDir(async (dir) => {
      const store = new FileStateStore(dir);
      await Promise.all([1, 2, 3, 4, 5].map((n) => store.saveMonitors(makeMonitors(n))));
      expect(await store.loadMonitors()).toHaveLength(5);
      expect((await readdir(dir)).filter(isTempFileName)).toEqual([]);
    }));

  test("durable appends accumulate lines", () =>
    withDir(async (dir) => {
      const file = join(dir, "journal.ndjson");
      await appendDurable(file, "a\n");
      await appendDurable(file, "b\n");
      expect(await readFile(file, "utf8")).toBe("a\nb\n");
    }));

  test("concurrent journal intents are all recorded, each on its own line", () =>
    withDir(async (dir) => {
      const store = new FileStateStore(dir);
      const { makePlace } = await import("./builders.ts");
      await Promise.all(Array.from({ length: 40 }, (_, i) => store.journal.intent({ id: `i${i}`, monitor: "m", action: makePlace({ linkId: `w-${i}` }) })));
      const { records } = await new FileStateStore(dir).journal.read();
      expect(records.map((r) => r.id).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `i${i}`).sort());
    }));
});
