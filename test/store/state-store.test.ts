import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { FileStateStore } from "../../core/store/file-state-store.ts";
import { MemoryStateStore } from "../../core/store/memory-state-store.ts";
import { fingerprintDir } from "./fingerprint.ts";
import { stateStoreContract } from "./state-store.contract.ts";

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
