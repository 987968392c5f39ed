/** The state store on disk: one state directory (file names in state-store.ts). */
import { join } from "node:path";
import { rename } from "node:fs/promises";
import { syncDirectory, writeFileAtomic } from "./atomic-file.ts";
import { readCacheStats, writeCacheStats } from "./cache-stats-file.ts";
import { directoryShelf } from "./checkpoints.ts";
import { JournalWriter, readJournal, type JournalContents, type JournalRecord } from "./journal.ts";
import { acquireFileLock, DEFAULT_STALE_LOCK_MS, localIdentity, type LockHandle } from "./lock.ts";
import { encodeMonitorsDoc, loadMonitorsFile, MONITORS_FILE, type MonitorRecord } from "./monitors-file.ts";
import { clearRestoreMarker, readRestoreMarker, writeRestoreMarker, type RestoreMarker } from "./restore-marker.ts";
import { readSettings, writeSettings, type Settings } from "./settings.ts";
import { readPlans, updatePlans, type PositionPlans } from "./plans-file.ts";
import { readStatus, writeStatus } from "./status-file.ts";
import type { JsonObject } from "./state-json.ts";
import { makeStateDir } from "./state-dir.ts";
import { StateStoreBase, type StateStoreOptions } from "./state-store.ts";

export class FileStateStore extends StateStoreBase {
  readonly location: string;
  readonly #dir: string;
  readonly #journal: JournalWriter;
  readonly #staleLockAfterMs: number;
  /** Saves run one after another, so the last save asked for is the one on disk. */
  #saving: Promise<void> = Promise.resolve();

  constructor(dir: string, options: StateStoreOptions = {}) {
    super(directoryShelf(dir), options);
    this.location = dir;
    this.#dir = dir;
    this.#journal = new JournalWriter(dir);
    this.#staleLockAfterMs = options.staleLockAfterMs ?? DEFAULT_STALE_LOCK_MS;
  }

  async #ensureDir(): Promise<void> {
    await makeStateDir(this.#dir);
  }

  async loadMonitors<T extends MonitorRecord>(): Promise<T[]> {
    await this.#saving; // a save still in flight is part of the state
    return loadMonitorsFile<T>(this.#dir);
  }

  async saveMonitors<T extends MonitorRecord>(monitors: readonly T[]): Promise<void> {
    const text = encodeMonitorsDoc(monitors, this.isoNow()); // encoded now: later changes to the objects are not saved
    const save = this.#saving.then(async () => {
      await this.#ensureDir();
      await writeFileAtomic(join(this.#dir, MONITORS_FILE), text);
    });
    this.#saving = save.catch(() => {});
    return save;
  }

  protected async moveMonitorsFile(name: string): Promise<void> {
    await this.#saving;
    await rename(join(this.#dir, MONITORS_FILE), join(this.#dir, name));
    await syncDirectory(this.#dir);
  }

  protected async appendJournal(record: JournalRecord): Promise<void> {
    await this.#ensureDir();
    await this.#journal.append(record);
  }

  protected async readJournal(): Promise<JournalContents> {
    await this.#journal.settled();
    return readJournal(this.#dir);
  }

  protected async writeRestoreMarker(marker: RestoreMarker): Promise<void> {
    await writeRestoreMarker(this.#dir, marker);
  }

  restoreMarker(): Promise<RestoreMarker | undefined> {
    return readRestoreMarker(this.#dir);
  }

  clearRestoreMarker(): Promise<void> {
    return clearRestoreMarker(this.#dir);
  }

  lock(command: string): Promise<LockHandle> {
    return acquireFileLock(this.#dir, command, localIdentity(this.#staleLockAfterMs));
  }

  settings(): Promise<Settings> {
    return readSettings(this.#dir);
  }

  async saveSettings(settings: Settings): Promise<void> {
    await this.#ensureDir();
    await writeSettings(this.#dir, settings);
  }

  positionPlans(): Promise<PositionPlans> {
    return readPlans(this.#dir);
  }

  async updatePositionPlans(change: (plans: PositionPlans) => PositionPlans): Promise<PositionPlans> {
    await this.#ensureDir();
    return updatePlans(this.#dir, change);
  }

  async writeCacheStats(stats: JsonObject): Promise<void> {
    await this.#ensureDir();
    await writeCacheStats(this.#dir, stats);
  }

  readCacheStats(): Promise<JsonObject | undefined> {
    return readCacheStats(this.#dir);
  }

  async writeStatus(status: JsonObject): Promise<void> {
    await this.#ensureDir();
    await writeStatus(this.#dir, status);
  }

  readStatus(): Promise<JsonObject | undefined> {
    return readStatus(this.#dir);
  }
}
