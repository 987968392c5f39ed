/**
 * The one contract suite of the StateStore port: every implementation (file, memory) must
 * pass it. Run from state-store.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { InputError } from "../../core/errors.ts";
import { isCorrupt, type CheckpointInfo } from "../../core/store/checkpoints.ts";
import { LockHeldError } from "../../core/store/lock.ts";
import type { StateStore, StateStoreOptions } from "../../core/store/state-store.ts";
import { makeMonitor, makeMonitors, makePlace, type TestMonitor } from "./builders.ts";

export interface StoreFixture {
  readonly store: StateStore;
  /** The same state seen by a new store (a restart). */
  reopen(): StateStore;
  /** Text of a state file by its name in the state dir ("monitors.json", "checkpoints/<id>.json"); undefined when absent. */
  read(name: string): Promise<string | undefined>;
  write(name: string, text: string): Promise<void>;
  /** A fingerprint of every state file (names and contents), to show nothing changed. */
  fingerprint(): Promise<string>;
  cleanup(): Promise<void>;
}

export type StoreFactory = (options: StateStoreOptions) => Promise<StoreFixture>;

const START = Date.UTC(2026, 10, 24, 9, 15, 0);

async function expectInputError(promise: Promise<unknown>, code: string): Promise<InputError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe(code);
    return error as InputError;
  }
  throw new Error(`expected InputError ${code}, nothing was thrown`);
}

export function stateStoreContract(name: string, factory: StoreFactory): void {
  const withStore = async (fn: (f: StoreFixture, clock: VirtualClock) => Promise<void>, options: StateStoreOptions = {}) => {
    const clock = new VirtualClock(START);
    const f = await factory({ clock, ...options });
    try {
      await fn(f, clock);
    } finally {
      await f.cleanup();
    }
  };

  describe(`StateStore contract: ${name}`, () => {
    test("fresh state has no monitors, default settings, no stats, no checkpoints, no open intents", () =>
      withStore(async ({ store }) => {
        expect(await store.loadMonitors()).toEqual([]);
        expect(await store.settings()).toEqual({ cache: "on" });
        expect(await store.readCacheStats()).toBeUndefined();
        expect(await store.listCheckpoints()).toEqual([]);
        expect(await store.journal.openIntents()).toEqual([]);
        expect(await store.restoreMarker()).toBeUndefined();
      }));

    test("saved monitors load back after a restart, whatever fields they carry", () =>
      withStore(async (f) => {
        const monitors = [makeMonitor(), makeMonitor({ side: "short", size: 2.5 })];
        await f.store.saveMonitors(monitors);
        expect(await f.reopen().loadMonitors<TestMonitor>()).toEqual(monitors);
      }));

    test("the monitors file carries schema, savedAt from the clock and a sha256 checksum", () =>
      withStore(async (f) => {
        await f.store.saveMonitors([makeMonitor()]);
        const doc = JSON.parse((await f.read("monitors.json")) ?? "null") as Record<string, unknown>;
        expect(doc["schema"]).toBe(1);
        expect(doc["savedAt"]).toBe(new Date(START).toISOString());
        expect(String(doc["checksum"])).toMatch(/^sha256:[0-9a-f]{64}$/);
      }));

    test("refuses a monitors file whose checksum does not match, naming the file, and keeps it", () =>
      withStore(async (f) => {
        await f.store.saveMonitors([makeMonitor({ size: 1 })]);
        const tampered = ((await f.read("monitors.json")) ?? "").replace('"size": 1', '"size": 9');
        await f.write("monitors.json", tampered);
        const error = await expectInputError(f.reopen().loadMonitors(), "STATE_CORRUPT");
        expect(error.message).toContain("monitors.json");
        expect(error.message).toContain("checksum mismatch");
        expect(await f.read("monitors.json")).toBe(tampered);
      }));

    test("refuses a truncated monitors file, saying at which byte, and keeps it", () =>
      withStore(async (f) => {
        await f.store.saveMonitors(makeMonitors(3));
        const cut = ((await f.read("monitors.json")) ?? "").slice(0, 100);
        await f.write("monitors.json", cut);
        const error = await expectInputError(f.reopen().loadMonitors(), "STATE_CORRUPT");
        expect(error.message).toContain("monitors.json");
        expect(error.message).toContain("truncated JSON at byte 100");
        expect(await f.read("monitors.json")).toBe(cut);
      }));

    test("refuses a monitors file of an unknown schema version", () =>
      withStore(async (f) => {
        await f.store.saveMonitors([makeMonitor()]);
        await f.write("monitors.json", ((await f.read("monitors.json")) ?? "").replace('"schema": 1', '"schema": 7'));
        const error = await expectInputError(f.reopen().loadMonitors(), "STATE_CORRUPT");
        expect(error.message).toContain("unknown schema 7");
      }));

    test("refuses an empty monitors file instead of treating it as no monitors", () =>
      withStore(async (f) => {
        await f.write("monitors.json", "");
        const error = await expectInputError(f.store.loadMonitors(), "STATE_CORRUPT");
        expect(error.message).toContain("empty file");
      }));

    test("a save keeps the monitors as they were when it was asked for", () =>
      withStore(async (f) => {
        const monitor = { ...makeMonitor(), size: 1 };
        const saving = f.store.saveMonitors([monitor]);
        monitor.size = 2;
        await saving;
        expect((await f.reopen().loadMonitors<TestMonitor>())[0]?.size).toBe(1);
      }));

    test("will not save two monitors with one id", () =>
      withStore(async ({ store }) => {
        await expect(store.saveMonitors([makeMonitor(), makeMonitor()])).rejects.toThrow(/share the id/);
      }));

    test("an intent stays open until its outcome, and an unknown outcome keeps it open", () =>
      withStore(async (f) => {
        const a = await f.store.journal.intent({ monitor: "main:BTCUSDT:long", action: makePlace({ linkId: "w-a" }) });
        const b = await f.store.journal.intent({ id: "intent-b", monitor: "main:ETHUSDT:long", action: makePlace({ linkId: "w-b" }) });
        const c = await f.store.journal.intent({ monitor: "main:SOLUSDT:long", action: makePlace({ linkId: "w-c" }) });
        expect(b.id).toBe("intent-b");
        await f.store.journal.outcome({ id: a.id, status: "ok", orderId: "order-1" });
        await f.store.journal.outcome({ id: b.id, status: "unknown", detail: "timeout" });
        const open = await f.reopen().journal.openIntents();
        expect(open.map((i) => i.action.linkId)).toEqual(["w-b", "w-c"]);
        expect(open[1]?.id).toBe(c.id);
      }));

    test("journal records carry the clock's time and the full action", () =>
      withStore(async (f) => {
        const action = makePlace();
        await f.store.journal.intent({ id: "i1", monitor: "main:BTCUSDT:long", action });
        const { records } = await f.store.journal.read();
        expect(records).toEqual([{ ts: new Date(START).toISOString(), kind: "intent", id: "i1", monitor: "main:BTCUSDT:long", action }]);
      }));

    test("tolerates a journal whose last line was cut off by a crash, and appends after it cleanly", () =>
      withStore(async (f) => {
        await f.store.journal.intent({ id: "i1", monitor: "m", action: makePlace({ linkId: "w-1" }) });
        await f.write("journal.ndjson", `${(await f.read("journal.ndjson")) ?? ""}{"ts":"2026-11-24T09:15:00.000Z","kind":"inte`);
        const restarted = f.reopen();
        const contents = await restarted.journal.read();
        expect(contents.truncatedTail).toBe(true);
        expect(contents.records.map((r) => r.id)).toEqual(["i1"]);
        await restarted.journal.intent({ id: "i2", monitor: "m", action: makePlace({ linkId: "w-2" }) });
        const after = await restarted.journal.read();
        expect(after).toEqual({ records: [expect.objectContaining({ id: "i1" }), expect.objectContaining({ id: "i2" })], truncatedTail: false });
      }));

    test("reports a bad journal line that is not the last one, naming file and line", () =>
      withStore(async (f) => {
        await f.store.journal.intent({ id: "i1", monitor: "m", action: makePlace() });
        await f.write("journal.ndjson", `${(await f.read("journal.ndjson")) ?? ""}garbage\n`);
        const error = await expectInputError(f.reopen().journal.read(), "STATE_CORRUPT");
        expect(error.message).toContain("journal.ndjson");
        expect(error.message).toContain("line 2");
      }));

    test("a checkpoint captures the saved monitors with its reason and count; ids sort by time", () =>
      withStore(async (f, clock) => {
        await f.store.saveMonitors(makeMonitors(2));
        const first = await f.store.checkpoint("manual");
        await f.store.saveMonitors(makeMonitors(3));
        const second = await f.store.checkpoint("manual"); // same clock millisecond: still ordered
        clock.advance(60_000);
        await f.store.saveMonitors(makeMonitors(4));
        const third = await f.store.checkpoint("pre-run");
        expect([first.id, second.id, third.id]).toEqual([first.id, second.id, third.id].sort());
        expect(new Set([first.id, second.id, third.id]).size).toBe(3);
        const listed = (await f.reopen().listCheckpoints()) as CheckpointInfo[];
        expect(listed.map((c) => [c.id, c.reason, c.monitorCount])).toEqual([
          [first.id, "manual", 2],
          [second.id, "manual", 3],
          [third.id, "pre-run", 4],
        ]);
        expect(third.createdAt).toBe(new Date(START + 60_000).toISOString());
        expect((await f.store.loadCheckpoint<TestMonitor>(first.id)).monitors).toEqual(makeMonitors(2));
      }));

    test("a pre-run checkpoint identical to the newest one is not written again", () =>
      withStore(async (f, clock) => {
        await f.store.saveMonitors(makeMonitors(2));
        const first = await f.store.checkpoint("pre-run");
        clock.advance(60_000);
        const again = await f.store.checkpoint("pre-run");
        expect(again.id).toBe(first.id);
        await f.store.saveMonitors(makeMonitors(1));
        expect((await f.store.checkpoint("pre-run")).id).not.toBe(first.id);
        expect(await f.store.listCheckpoints()).toHaveLength(2);
      }));

    test("an unknown checkpoint id is CHECKPOINT_UNKNOWN, and a path is never read as an id", () =>
      withStore(async ({ store }) => {
        await expectInputError(store.loadCheckpoint("20261124T091500.000Z-abcd"), "CHECKPOINT_UNKNOWN");
        await expectInputError(store.loadCheckpoint("../monitors"), "CHECKPOINT_UNKNOWN");
      }));

    test("a corrupt checkpoint is CHECKPOINT_CORRUPT naming its file, and is listed as corrupt", () =>
      withStore(async (f) => {
        await f.store.saveMonitors(makeMonitors(2));
        const c = await f.store.checkpoint("manual");
        const name = `checkpoints/${c.id}.json`;
        await f.write(name, ((await f.read(name)) ?? "").replace('"size": 0.01', '"size": 0.02'));
        const error = await expectInputError(f.store.loadCheckpoint(c.id), "CHECKPOINT_CORRUPT");
        expect(error.message).toContain(`${c.id}.json`);
        const [listed] = await f.store.listCheckpoints();
        expect(listed !== undefined && isCorrupt(listed)).toBe(true);
      }));

    test("retention keeps the newest checkpoints but never the newest pre-rollback one", () =>
      withStore(
        async (f, clock) => {
          const ids: string[] = [];
          const reasons = ["manual", "pre-rollback", "manual", "manual", "manual", "manual"] as const;
          for (const [i, reason] of reasons.entries()) {
            await f.store.saveMonitors(makeMonitors(i + 1));
            ids.push((await f.store.checkpoint(reason)).id);
            clock.advance(1000);
          }
          expect((await f.store.listCheckpoints()).map((c) => c.id)).toEqual([1, 3, 4, 5].map((i) => ids[i] ?? ""));
        },
        { keepCheckpoints: 3 },
      ));

    test("diffCheckpoint names added, removed and changed monitors and changes nothing", () =>
      withStore(async (f) => {
        const [a, b, c] = makeMonitors(3);
        await f.store.saveMonitors([a!, b!]);
        const cp = await f.store.checkpoint("manual");
        await f.store.saveMonitors([{ ...b!, size: 5 }, c!]);
        const before = await f.fingerprint();
        expect(await f.store.diffCheckpoint(cp.id)).toEqual({ added: [a!.id], removed: [c!.id], changed: [b!.id], unchanged: 0 });
        expect(await f.fingerprint()).toBe(before);
      }));

    test("restore takes a safety checkpoint of the present, restores, and leaves a marker", () =>
      withStore(async (f, clock) => {
        const old = makeMonitors(2);
        await f.store.saveMonitors(old);
        const good = await f.store.checkpoint("manual");
        const present = makeMonitors(3, { size: 7 });
        await f.store.saveMonitors(present);
        clock.advance(5000);
        const result = await f.store.restore(good.id);
        expect(await f.store.loadMonitors<TestMonitor>()).toEqual(old);
        expect(result.safety.reason).toBe("pre-rollback");
        expect((await f.store.loadCheckpoint<TestMonitor>(result.safety.id)).monitors).toEqual(present);
        expect(await f.reopen().restoreMarker()).toEqual({ from: good.id, at: new Date(START + 5000).toISOString(), safety: result.safety.id });
        expect(result.changes.removed).toEqual([present[2]!.id]);
        await f.store.clearRestoreMarker();
        expect(await f.store.restoreMarker()).toBeUndefined();
      }));

    test("restoring the safety checkpoint undoes the rollback", () =>
      withStore(async (f) => {
        await f.store.saveMonitors(makeMonitors(1));
        const good = await f.store.checkpoint("manual");
        const present = makeMonitors(4);
        await f.store.saveMonitors(present);
        const { safety } = await f.store.restore(good.id);
        await f.store.restore(safety.id);
        expect(await f.store.loadMonitors<TestMonitor>()).toEqual(present);
      }));

    test("restore over a corrupt monitors file keeps it aside, named, and restores the checkpoint", () =>
      withStore(async (f, clock) => {
        const old = makeMonitors(2);
        await f.store.saveMonitors(old);
        const good = await f.store.checkpoint("manual");
        await f.write("monitors.json", '{"schema":1,"monitors":[');
        await expectInputError(f.store.loadMonitors(), "STATE_CORRUPT");
        clock.advance(5000);
        const result = await f.store.restore(good.id);
        expect(result.setAside).toBe(`monitors.json.corrupt-${new Date(START + 5000).toISOString().replace(/[-:]/g, "")}`);
        expect(await f.read(result.setAside!)).toBe('{"schema":1,"monitors":[');
        expect(await f.reopen().loadMonitors<TestMonitor>()).toEqual(old);
        expect(result.safety.monitorCount).toBe(0);
        expect(result.changes.added).toEqual(old.map((m) => m.id));
      }));

    test("restore of an unknown id changes nothing", () =>
      withStore(async (f) => {
        await f.store.saveMonitors(makeMonitors(2));
        await f.store.checkpoint("manual");
        const before = await f.fingerprint();
        await expectInputError(f.store.restore("20261124T091500.000Z-0000"), "CHECKPOINT_UNKNOWN");
        expect(await f.fingerprint()).toBe(before);
      }));

    test("the lock is exclusive until released, and restore refuses while it is held", () =>
      withStore(async (f) => {
        await f.store.saveMonitors(makeMonitors(2));
        const cp = await f.store.checkpoint("manual");
        const handle = await f.store.lock("run");
        expect(handle.info.command).toBe("run");
        expect(handle.tookOver).toBeUndefined();
        const second = f.store.lock("run --once");
        await expect(second).rejects.toBeInstanceOf(LockHeldError);
        await expect(f.store.lock("x")).rejects.toMatchObject({ code: "STATE_LOCKED", kind: "runtime" });
        const before = await f.fingerprint();
        await expect(f.store.restore(cp.id)).rejects.toBeInstanceOf(LockHeldError);
        expect(await f.fingerprint()).toBe(before);
        await handle.refresh();
        await handle.release();
        await handle.release();
        const again = await f.store.lock("run");
        await again.release();
      }));

    test("settings round-trip, and an invalid settings file is refused naming the file", () =>
      withStore(async (f) => {
        await f.store.saveSettings({ cache: "off" });
        expect(await f.reopen().settings()).toEqual({ cache: "off" });
        await f.write("settings.json", '{"cache":"sometimes"}');
        const error = await expectInputError(f.store.settings(), "SETTINGS_INVALID");
        expect(error.message).toContain("settings.json");
      }));

    test("cache statistics round-trip as an opaque object; a corrupt file is refused", () =>
      withStore(async (f) => {
        const stats = { cycle: 3, accounts: { main: { hits: 10, misses: 2 } } };
        await f.store.writeCacheStats(stats);
        expect(await f.reopen().readCacheStats()).toEqual(stats);
        await f.write("cache-stats.json", '{"cycle": 3, "acc');
        const error = await expectInputError(f.store.readCacheStats(), "STATE_CORRUPT");
        expect(error.message).toContain("cache-stats.json");
      }));

    test("the engine status round-trips as an opaque object; a corrupt file is refused naming it", () =>
      withStore(async (f) => {
        expect(await f.store.readStatus()).toBeUndefined();
        const status = { version: 1, engine: { pid: 42 }, positions: [] };
        await f.store.writeStatus(status);
        expect(await f.reopen().readStatus()).toEqual(status);
        await f.write("status.json", '{"version": 1, "eng');
        const error = await expectInputError(f.store.readStatus(), "STATE_CORRUPT");
        expect(error.message).toContain("status.json");
      }));

    test("position plans: {} when none, a change keeps the others, a tampered file is refused naming it", () =>
      withStore(async (f) => {
        expect(await f.store.positionPlans()).toEqual({});
        await f.store.updatePositionPlans((all) => ({ ...all, "main:BTCUSDT:long": { stop: { pct: 2 }, at: 1 } }));
        await f.store.updatePositionPlans((all) => ({ ...all, "main:ETHUSDT:short": { tps: { prices: [2_900] }, at: 2 } }));
        expect(Object.keys(await f.reopen().positionPlans()).sort()).toEqual(["main:BTCUSDT:long", "main:ETHUSDT:short"]);
        const text = await f.read("plans.json");
        await f.write("plans.json", text!.replace('"pct": 2', '"pct": 3'));
        const error = await expectInputError(f.store.positionPlans(), "STATE_CORRUPT");
        expect(error.message).toContain("plans.json");
        expect(error.message).toContain("checksum");
      }));
  });
}
