/**
 * The state store in memory, for engine unit tests: the same encodings, checksums,
 * journal rules, checkpoints and lock exclusivity as FileStateStore, over a map from the
 * file name each text would have on disk to that text. Tests may tamper with `files` to
 * check corruption handling.
 */
import { decodeCacheStats, encodeCacheStats, CACHE_STATS_FILE } from "./cache-stats-file.ts";
import { memoryShelf } from "./checkpoints.ts";
import { formatRecord, JOURNAL_FILE, parseJournal, type JournalContents, type JournalRecord } from "./journal.ts";
import { DEFAULT_STALE_LOCK_MS, LockHeldError, localIdentity, lockVerdict, newLockInfo, type LockHandle, type LockInfo, type StaleLock } from "./lock.ts";
import { decodeMonitorsDoc, encodeMonitorsDoc, MONITORS_FILE, type MonitorRecord } from "./monitors-file.ts";
import { decodeRestoreMarker, encodeRestoreMarker, RESTORED_FILE, type RestoreMarker } from "./restore-marker.ts";
import { checkPlans, decodePlans, encodePlans, PLANS_FILE, type PositionPlans } from "./plans-file.ts";
import { decodeSettings, DEFAULT_SETTINGS, encodeSettings, SETTINGS_FILE, type Settings } from "./settings.ts";
import type { JsonObject } from "./state-json.ts";
import { decodeStatus, encodeStatus, STATUS_FILE } from "./status-file.ts";
import { StateStoreBase, type StateStoreOptions } from "./state-store.ts";
import { RuntimeFault } from "../errors.ts";

export class MemoryStateStore extends StateStoreBase {
  readonly location = "memory";
  /** File name (as on disk, e.g. "monitors.json", "checkpoints/<id>.json") -> text. */
  readonly files: Map<string, string>;
  #lock: { info: LockInfo; touchedAt: number } | undefined;
  readonly #staleLockAfterMs: number;

  constructor(options: StateStoreOptions = {}) {
    const files = new Map<string, string>();
    super(memoryShelf(files), options);
    this.files = files;
    this.#staleLockAfterMs = options.staleLockAfterMs ?? DEFAULT_STALE_LOCK_MS;
  }

  #label(name: string): string {
    return `memory:${name}`;
  }

  async loadMonitors<T extends MonitorRecord>(): Promise<T[]> {
    const text = this.files.get(MONITORS_FILE);
    return text === undefined ? [] : decodeMonitorsDoc<T>(text, this.#label(MONITORS_FILE)).monitors;
  }

  async saveMonitors<T extends MonitorRecord>(monitors: readonly T[]): Promise<void> {
    this.files.set(MONITORS_FILE, encodeMonitorsDoc(monitors, this.isoNow()));
  }

  protected async moveMonitorsFile(name: string): Promise<void> {
    const text = this.files.get(MONITORS_FILE);
    if (text === undefined) return;
    this.files.set(name, text);
    this.files.delete(MONITORS_FILE);
  }

  protected async appendJournal(record: JournalRecord): Promise<void> {
    let text = this.files.get(JOURNAL_FILE) ?? "";
    if (text !== "" && !text.endsWith("\n")) {
      const contents = parseJournal(text, this.#label(JOURNAL_FILE));
      text = contents.truncatedTail ? text.slice(0, text.lastIndexOf("\n") + 1) : `${text}\n`;
    }
    this.files.set(JOURNAL_FILE, text + formatRecord(record));
  }

  protected async readJournal(): Promise<JournalContents> {
    return parseJournal(this.files.get(JOURNAL_FILE) ?? "", this.#label(JOURNAL_FILE));
  }

  protected async writeRestoreMarker(marker: RestoreMarker): Promise<void> {
    this.files.set(RESTORED_FILE, encodeRestoreMarker(marker));
  }

  async restoreMarker(): Promise<RestoreMarker | undefined> {
    const text = this.files.get(RESTORED_FILE);
    return text === undefined ? undefined : decodeRestoreMarker(text, this.#label(RESTORED_FILE));
  }

  async clearRestoreMarker(): Promise<void> {
    this.files.delete(RESTORED_FILE);
  }

  async lock(command: string): Promise<LockHandle> {
    const me = localIdentity(this.#staleLockAfterMs);
    let tookOver: StaleLock | undefined;
    if (this.#lock !== undefined) {
      const verdict = lockVerdict(this.#lock.info, this.#lock.touchedAt, me);
      if (!verdict.stale) throw new LockHeldError(this.location, this.#lock.info, me);
      tookOver = { holder: this.#lock.info, why: verdict.why };
    }
    const info = newLockInfo(command, me);
    this.#lock = { info, touchedAt: me.now() };
    this.files.set("lock", `${JSON.stringify(info)}\n`);
    const ours = () => this.#lock?.info.token === info.token;
    return {
      info,
      tookOver,
      refresh: async () => {
        if (!ours()) throw new RuntimeFault("LOCK_LOST", `the lock of ${this.location} is no longer held by this holder`);
        this.#lock = { info, touchedAt: me.now() };
      },
      release: async () => {
        if (!ours()) return;
        this.#lock = undefined;
        this.files.delete("lock");
      },
    };
  }

  async settings(): Promise<Settings> {
    const text = this.files.get(SETTINGS_FILE);
    return text === undefined ? DEFAULT_SETTINGS : decodeSettings(text, this.#label(SETTINGS_FILE));
  }

  async saveSettings(settings: Settings): Promise<void> {
    this.files.set(SETTINGS_FILE, encodeSettings(settings));
  }

  async positionPlans(): Promise<PositionPlans> {
    const text = this.files.get(PLANS_FILE);
    return text === undefined ? {} : decodePlans(text, this.#label(PLANS_FILE));
  }

  async updatePositionPlans(change: (plans: PositionPlans) => PositionPlans): Promise<PositionPlans> {
    const next = checkPlans(change(await this.positionPlans()), this.#label(PLANS_FILE));
    this.files.set(PLANS_FILE, encodePlans(next, this.isoNow()));
    return next;
  }

  async writeCacheStats(stats: JsonObject): Promise<void> {
    this.files.set(CACHE_STATS_FILE, encodeCacheStats(stats));
  }

  async readCacheStats(): Promise<JsonObject | undefined> {
    const text = this.files.get(CACHE_STATS_FILE);
    return text === undefined ? undefined : decodeCacheStats(text, this.#label(CACHE_STATS_FILE));
  }

  async writeStatus(status: JsonObject): Promise<void> {
    this.files.set(STATUS_FILE, encodeStatus(status));
  }

  async readStatus(): Promise<JsonObject | undefined> {
    const text = this.files.get(STATUS_FILE);
    return text === undefined ? undefined : decodeStatus(text, this.#label(STATUS_FILE));
  }
}
