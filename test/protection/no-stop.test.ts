/**
 * A position without a stop only by the trader's choice, told to Warden (`warden no-stop`,
 * settings.json), never inferred from a stop cancelled on the exchange.
 */
import { describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtualClock } from "../../core/clock.ts";
import { lifetimeKey } from "../../core/domain/link-id.ts";
import type { Monitor } from "../../core/domain/monitor.ts";
import { FileStateStore } from "../../core/store/file-state-store.ts";
import { runCli } from "../support/in-process-cli.ts";
import { makeMonitor } from "../domain/builders.ts";
import { START, account, alerts, cycleAfter, startWarden, stopsOf, workingStops } from "../support/protection-rig.ts";

const ID = "main:BTCUSDT:long";
/** The choice names the position open now: its monitor's lifetime. */
const lifetimeOf = (w: { engine: { monitors(): readonly Monitor[] } }) => lifetimeKey(w.engine.monitors().find((m) => m.id === ID)!);

async function protectedLong() {
  const clock = new VirtualClock(START);
  const main = account("main", clock, { BTCUSDT: 60_000 });
  main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  const w = await startWarden(clock, [main]);
  await cycleAfter(w);
  await cycleAfter(w);
  return { main, w };
}

describe("without a stop by choice", () => {
  test("a position the trader runs without a stop is not given one, and is reported no-stop, not unprotected", async () => {
    const { main, w } = await protectedLong();
    await w.store.saveSettings({ ...(await w.store.settings()), noStop: [lifetimeOf(w)] });
    main.mem.cancelByHand(workingStops(main.mem, "BTCUSDT")[0]!.linkId);
    const alertsBefore = alerts(w.sink).length;
    for (let i = 0; i < 3; i++) await cycleAfter(w);
    expect(stopsOf(main.mem, "BTCUSDT")).toEqual([]);
    expect(w.engine.monitors().find((m) => m.id === ID)?.protection?.state).toBe("no-stop");
    expect(w.sink.named("cycle.completed").at(-1)?.["unprotected"]).toBe(0);
    expect(alerts(w.sink).slice(alertsBefore)).toEqual([]);
  });

  test("taking the choice back places the stop again in the next cycle", async () => {
    const { main, w } = await protectedLong();
    await w.store.saveSettings({ ...(await w.store.settings()), noStop: [lifetimeOf(w)] });
    main.mem.cancelByHand(workingStops(main.mem, "BTCUSDT")[0]!.linkId);
    await cycleAfter(w);
    await w.store.saveSettings({ ...(await w.store.settings()), noStop: [] });
    await cycleAfter(w);
    expect(stopsOf(main.mem, "BTCUSDT").map((s) => s.qty)).toEqual([0.1]);
  });

  test("warden no-stop records the choice in settings.json, lists it, takes it back, and refuses a malformed monitor id", async () => {
    const parent = await mkdtemp(join(tmpdir(), "warden-no-stop-"));
    const dir = join(parent, "state");
    try {
      const open = makeMonitor();
      await new FileStateStore(dir).saveMonitors([open]);
      const none = await runCli(["no-stop", "main:ETHUSDT:short", "--state-dir", dir]);
      expect({ code: none.code, says: none.stderr.includes("no open position main:ETHUSDT:short") }).toEqual({ code: 2, says: true });
      const set = await runCli(["no-stop", ID, "--state-dir", dir, "--json"]);
      expect(set.code).toBe(0);
      expect(JSON.parse(set.stdout)).toEqual({ noStop: [ID], positions: [lifetimeKey(open)], changed: ID, stop: false });
      expect(JSON.parse(await readFile(join(dir, "settings.json"), "utf8")).noStop).toEqual([lifetimeKey(open)]);
      expect(JSON.parse((await runCli(["no-stop", "--state-dir", dir, "--json"])).stdout)).toEqual({ noStop: [ID], positions: [lifetimeKey(open)] });
      expect((await runCli(["no-stop", ID, "--off", "--state-dir", dir])).code).toBe(0);
      expect((await new FileStateStore(dir).settings()).noStop ?? []).toEqual([]);
      const bad = await runCli(["no-stop", "main:btc:up", "--state-dir", dir]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("account:SYMBOL:side");
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  test("a settings.json broken by hand while the engine runs is an alert; the engine goes on with the choices read before", async () => {
    const { main, w } = await protectedLong();
    await w.store.saveSettings({ ...(await w.store.settings()), noStop: [lifetimeOf(w)] });
    await cycleAfter(w);
    w.store.files.set("settings.json", "{ not json");
    main.mem.cancelByHand(workingStops(main.mem, "BTCUSDT")[0]!.linkId);
    await cycleAfter(w, 15_000); // the account is read at least every activeEveryMs
    await cycleAfter(w);
    expect(alerts(w.sink, "settings-invalid").length).toBe(1); // once per alertRepeatMs, not every cycle
    expect(stopsOf(main.mem, "BTCUSDT")).toEqual([]); // still without a stop, as the trader said
    expect(w.engine.monitors().find((m) => m.id === ID)?.protection?.state).toBe("no-stop");
  });
});
