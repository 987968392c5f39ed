/**
 * The state store port: everything the engine and the operator commands persist.
 * Two implementations with the same semantics: FileStateStore (a state directory, see
 * file-state-store.ts) and MemoryStateStore (engine unit tests). Both are checked by one
 * contract suite (test/store/state-store.contract.ts). The behaviour they share (journal
 * records, checkpoints and their retention, restore with its safety checkpoint) lives here
 * in StateStoreBase; the subclasses only say where bytes go.
 *
 * Files in a state dir: monitors.json, journal.ndjson, checkpoints/<id>.json, lock,
 * settings.json, cache-stats.json, status.json, restored.json.
 */
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import { InputError } from "../errors.ts";
import { Checkpoints, infoOf, type Checkpoint, type CheckpointInfo, type CheckpointListing, type CheckpointReason, type CheckpointShelf } from "./checkpoints.ts";
import {
  intentRecord,
  openIntentsOf,
  outcomeRecord,
  type IntentInput,
  type IntentRecord,
  type JournalContents,
  type JournalRecord,
  type OutcomeInput,
  type OutcomeRecord,
} from "./journal.ts";
import type { LockHandle } from "./lock.ts";
import { diffMonitors, type MonitorDiff } from "./monitor-diff.ts";
import { MONITORS_FILE, type MonitorRecord } from "./monitors-file.ts";
import type { RestoreMarker } from "./restore-marker.ts";
import type { Settings } from "./settings.ts";
import type { PositionPlans } from "./plans-file.ts";
import type { JsonObject } from "./state-json.ts";

export interface StateJournal {
  /** Records a write before it is sent; returns the record (its id names the outcome). */
  intent(input: IntentInput): Promise<IntentRecord>;
  outcome(input: OutcomeInput): Promise<OutcomeRecord>;
  /** Intents with no outcome or an "unknown" one: look them up by linkId before acting. */
  openIntents(): Promise<IntentRecord[]>;
  read(): Promise<JournalContents>;
}

export interface RestoreResult {
  readonly from: CheckpointInfo;
  /** The pre-rollback checkpoint of the state that was replaced: `restore(safety.id)` undoes the restore. */
  readonly safety: CheckpointInfo;
  readonly marker: RestoreMarker;
  readonly changes: MonitorDiff;
  /** Where a corrupt monitors file was moved before the restore (its name in the state dir), when there was one. */
  readonly setAside?: string;
}

export interface StateStore {
  /** The state dir, or "memory". */
  readonly location: string;
  /** [] for fresh state; throws STATE_CORRUPT (InputError) for a corrupt file, never returns [] for it. */
  loadMonitors<T extends MonitorRecord>(): Promise<T[]>;
  saveMonitors<T extends MonitorRecord>(monitors: readonly T[]): Promise<void>;
  readonly journal: StateJournal;
  /** A checkpoint of the saved monitors. A "pre-run" identical to the newest checkpoint returns that one. */
  checkpoint(reason: CheckpointReason): Promise<CheckpointInfo>;
  /** Oldest first; unreadable checkpoint files are listed with `corrupt`. */
  listCheckpoints(): Promise<CheckpointListing[]>;
  /** CHECKPOINT_UNKNOWN or CHECKPOINT_CORRUPT (InputError) when it cannot be used. */
  loadCheckpoint<T extends MonitorRecord>(id: string): Promise<Checkpoint<T>>;
  /** What `restore(id)` would change; changes nothing. */
  diffCheckpoint(id: string): Promise<MonitorDiff>;
  /**
   * Under the lock: safety checkpoint of the present, then the checkpoint's monitors saved, then
   * restored.json. A corrupt present monitors file is moved aside (`monitors.json.corrupt-<time>`,
   * kept, named in the result) and the safety checkpoint is of no monitors: the way out of it.
   */
  restore(id: string): Promise<RestoreResult>;
  restoreMarker(): Promise<RestoreMarker | undefined>;
  clearRestoreMarker(): Promise<void>;
  /** Exclusive: LockHeldError (STATE_LOCKED, exit 3) while another live holder has it. */
  lock(command: string): Promise<LockHandle>;
  settings(): Promise<Settings>;
  saveSettings(settings: Settings): Promise<void>;
  writeCacheStats(stats: JsonObject): Promise<void>;
  readCacheStats(): Promise<JsonObject | undefined>;
  /** The engine's status after its last cycle (`warden status`): opaque here, defined by core/status. */
  writeStatus(status: JsonObject): Promise<void>;
  readStatus(): Promise<JsonObject | undefined>;
  /** The plans the trader gave per position (`warden plan`, plans.json), by monitor id; {} when none. */
  positionPlans(): Promise<PositionPlans>;
  /** Changes them (read-modify-write; two commands at once never lose one). */
  updatePositionPlans(change: (plans: PositionPlans) => PositionPlans): Promise<PositionPlans>;
}

export interface StateStoreOptions {
  /** Timestamps of records, checkpoints and saves (not lock ages: those use the wall clock). */
  readonly clock?: Clock;
  readonly keepCheckpoints?: number;
  /** A lock from another host is stale after this long without a refresh. */
  readonly staleLockAfterMs?: number;
}

export abstract class StateStoreBase implements StateStore {
  abstract readonly location: string;
  protected readonly clock: Clock;
  readonly #checkpoints: Checkpoints;
  readonly journal: StateJournal;

  constructor(shelf: CheckpointShelf, options: StateStoreOptions) {
    this.clock = options.clock ?? systemClock;
    this.#checkpoints = new Checkpoints(shelf, options.keepCheckpoints);
    this.journal = {
      intent: async (input) => {
        const record = intentRecord(input, this.isoNow());
        await this.appendJournal(record);
        return record;
      },
      outcome: async (input) => {
        const record = outcomeRecord(input, this.isoNow());
        await this.appendJournal(record);
        return record;
      },
      openIntents: async () => openIntentsOf((await this.readJournal()).records),
      read: () => this.readJournal(),
    };
  }

  protected isoNow(): string {
    return new Date(this.clock.now()).toISOString();
  }

  abstract loadMonitors<T extends MonitorRecord>(): Promise<T[]>;
  /** Renames the monitors file to `name` (in the state dir), keeping its bytes. */
  protected abstract moveMonitorsFile(name: string): Promise<void>;
  abstract saveMonitors<T extends MonitorRecord>(monitors: readonly T[]): Promise<void>;
  protected abstract appendJournal(record: JournalRecord): Promise<void>;
  protected abstract readJournal(): Promise<JournalContents>;
  protected abstract writeRestoreMarker(marker: RestoreMarker): Promise<void>;
  abstract restoreMarker(): Promise<RestoreMarker | undefined>;
  abstract clearRestoreMarker(): Promise<void>;
  abstract lock(command: string): Promise<LockHandle>;
  abstract settings(): Promise<Settings>;
  abstract saveSettings(settings: Settings): Promise<void>;
  abstract writeCacheStats(stats: JsonObject): Promise<void>;
  abstract readCacheStats(): Promise<JsonObject | undefined>;
  abstract writeStatus(status: JsonObject): Promise<void>;
  abstract readStatus(): Promise<JsonObject | undefined>;
  abstract positionPlans(): Promise<PositionPlans>;
  abstract updatePositionPlans(change: (plans: PositionPlans) => PositionPlans): Promise<PositionPlans>;

  async checkpoint(reason: CheckpointReason): Promise<CheckpointInfo> {
    return this.#checkpoints.create(await this.loadMonitors(), reason, this.clock.now());
  }

  listCheckpoints(): Promise<CheckpointListing[]> {
    return this.#checkpoints.list();
  }

  loadCheckpoint<T extends MonitorRecord>(id: string): Promise<Checkpoint<T>> {
    return this.#checkpoints.load<T>(id);
  }

  async diffCheckpoint(id: string): Promise<MonitorDiff> {
    const target = await this.loadCheckpoint(id);
    return diffMonitors(await this.loadMonitors(), target.monitors);
  }

  async restore(id: string): Promise<RestoreResult> {
    await this.loadCheckpoint(id); // unknown or corrupt: refuse before taking the lock or writing anything
    const lock = await this.lock("rollback");
    try {
      const target = await this.loadCheckpoint(id);
      let present: MonitorRecord[];
      let setAside: string | undefined;
      try {
        present = await this.loadMonitors();
      } catch (error) {
        if (!(error instanceof InputError && error.code === "STATE_CORRUPT")) throw error;
        setAside = corruptName(this.clock.now());
        await this.moveMonitorsFile(setAside);
        present = [];
      }
      const safety = await this.checkpoint("pre-rollback");
      await this.saveMonitors(target.monitors);
      const marker: RestoreMarker = { from: id, at: this.isoNow(), safety: safety.id };
      await this.writeRestoreMarker(marker);
      return { from: infoOf(target), safety, marker, changes: diffMonitors(present, target.monitors), ...(setAside !== undefined ? { setAside } : {}) };
    } finally {
      await lock.release();
    }
  }
}

/** `monitors.json.corrupt-20261129T050412.345Z`: where restore keeps a corrupt monitors file. */
export function corruptName(nowMs: number): string {
  return `${MONITORS_FILE}.corrupt-${new Date(nowMs).toISOString().replace(/[-:]/g, "")}`;
}
