import { createHash } from "node:crypto";
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { FileStateStore } from "../../core/store/file-state-store.ts";
import { MemoryStateStore } from "../../core/store/memory-state-store.ts";
import { stateStoreContract } from "./state-store.contract.ts";

/** Names and contents of every file under `dir`, hashed. */
export async function fingerprintDir(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (d: string, prefix: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const rel = `${prefix}${e.name}`;
      if (e.isDirectory()) await walk(join(d, e.name), `${rel}/`);
      else hash.update(`${rel}\0`).update(await readFile(join(d, e.name))).update("\0");
    }
  };
  await walk(dir, "");
  return hash.digest("hex");
}

stateStoreContract("FileStateStore", async (options) => {
  const dir = join(await mkdtemp(join(tmpdir(), "warden-store-")), "state");
  await mkdir(dir);
  const store = new FileStateStore(dir, options);
  return {
    store,
    reopen: () => new FileStateStore(dir, options),
    read: (name) => readFile(join(dir, name), "utf8").catch(() => undefined),
    async write(name, text) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), text);
    },
    fingerprint: () => fingerprintDir(dir),
    cleanup: () => rm(dirname(dir), { recursive: true, force: true }),
  };
});

stateStoreContract("MemoryStateStore", async (options) => {
  const store = new MemoryStateStore(options);
  return {
    store,
    reopen: () => store,
    read: async (name) => store.files.get(name),
    async write(name, text) {
      store.files.set(name, text);
    },
    fingerprint: async () => JSON.stringify([...store.files.entries()].sort()),
    cleanup: async () => {},
  };
});
