/**
 * Regressions: one account's failure, one hung write, or an outage must not silence
 * protection elsewhere (DESIGN "Protection": one account, one unit of work; when Warden
 * cannot keep its promise a person hears about it at once).
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import type { CycleReport } from "../../core/engine/engine.ts";
import { AUTH_ERROR, CYCLE_MS, SERVER_ERROR, START, account, alerts, cycleAfter, runFor, startWarden, stopsOf, workingStops, type Warden } from "../support/protection-rig.ts";

/** main BTC long 0.1 and mirror BTC long 0.05 (ratio 0.5); both marks 0.35% above Warden's stops, so both monitors are critical. */
async function mainAndMirror() {
  const clock = new VirtualClock(START);
  const main = account("main", clock, { BTCUSDT: 57_200 });
  const mirror = account("mirror", clock, { BTCUSDT: 57_200 });
  main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  mirror.mem.setPosition("BTCUSDT", "long", 0.05, 60_000);
  const w = await startWarden(clock, [main, mirror]);
  await cycleAfter(w);
  await cycleAfter(w);
  for (const a of [main, mirror]) if (stopsOf(a.mem, "BTCUSDT").length !== 1) throw new Error(`setup: ${a.mem.account} should have Warden's stop`);
  return { clock, main, mirror, w };
}

/** How a cycle ended: "completed", or what it threw. */
async function settle(cycle: Promise<CycleReport>): Promise<string> {
  return cycle.then(
    () => "completed",
    (error: unknown) => `threw: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/**
 * Runs one cycle, failing after `realMs` of real time. While it runs the virtual clock goes
 * on (100 ms per 10 ms real), as time passes on the exchange during a hung request.
 */
async function cycleWithin(w: Warden, realMs: number): Promise<string> {
  w.clock.advance(CYCLE_MS);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ticking = setInterval(() => w.clock.advance(100), 10);
  try {
    return await Promise.race([settle(w.engine.cycle()), new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`still running after ${realMs} ms of real time`), realMs)))]);
  } finally {
    clearInterval(ticking);
    clearTimeout(timer);
  }
}

describe("failures kept to their account", () => {
  test("regression: an auth error on the mirror account's reads does not stop main's decisions (main's stop restored while mirror fails)", async () => {
    const { main, mirror, w } = await mainAndMirror();
    mirror.port.readsFail = AUTH_ERROR;
    main.mem.cancelByHand(workingStops(main.mem, "BTCUSDT")[0]!.linkId);
    const first = await settle(cycleAfter(w));
    const second = await settle(cycleAfter(w));
    expect([first, second]).toEqual(["completed", "completed"]);
    expect(stopsOf(main.mem, "BTCUSDT").map((s) => s.qty)).toEqual([0.1]);
  });

  test("regression: a malformed position record on the mirror account does not stop main's decisions (main's stop restored)", async () => {
    const { main, mirror, w } = await mainAndMirror();
    mirror.port.positionsOverride = () => [{ symbol: "BTCUSDT", side: "long", positionIdx: 0, size: Number.NaN, entryPrice: 60_000, markPrice: 57_200 }];
    main.mem.cancelByHand(workingStops(main.mem, "BTCUSDT")[0]!.linkId);
    const first = await settle(cycleAfter(w));
    const second = await settle(cycleAfter(w));
    expect([first, second]).toEqual(["completed", "completed"]);
    expect(stopsOf(main.mem, "BTCUSDT").map((s) => s.qty)).toEqual([0.1]);
  });

  test(
    "regression: one write that never answers does not freeze every monitor: the cycle completes and the other account's monitor is decided",
    async () => {
      const clock = new VirtualClock(START);
      const main = account("main", clock, { BTCUSDT: 57_200 });
      const mirror = account("mirror", clock, { ETHUSDT: 2_860 });
      main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000); // Warden's stop 57 000: critical
      mirror.mem.setPosition("ETHUSDT", "long", 1, 3_000); // Warden's stop 2 850: critical
      const w = await startWarden(clock, [main, mirror]);
      await cycleAfter(w);
      await cycleAfter(w);
      main.mem.cancelByHand(workingStops(main.mem, "BTCUSDT")[0]!.linkId);
      mirror.mem.cancelByHand(workingStops(mirror.mem, "ETHUSDT")[0]!.linkId);
      main.port.script("place", "hang"); // main's restore never answers
      expect(await cycleWithin(w, 5_000)).toBe("completed");
      expect(stopsOf(mirror.mem, "ETHUSDT").map((s) => s.qty)).toEqual([1]);
      // and the cycles go on: the mirror's stop cancelled again is restored again
      mirror.mem.cancelByHand(workingStops(mirror.mem, "ETHUSDT")[0]!.linkId);
      expect(await cycleWithin(w, 5_000)).toBe("completed");
      expect(stopsOf(mirror.mem, "ETHUSDT").map((s) => s.qty)).toEqual([1]);
    },
    20_000,
  );
});

describe("an exchange outage", () => {
  /** BTC long 0.1 with Warden's stop 0.35% under the mark (critical: read every cycle); then every read fails (10016) from the returned time on. */
  async function outage() {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 57_200 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    const w = await startWarden(clock, [main]);
    await runFor(w, 4_000);
    main.port.readsFail = SERVER_ERROR;
    return { clock, main, w, since: clock.now() };
  }

  test("regression: an outage (every read failing) raises an outage alert within ~30 s, repeated while it lasts", async () => {
    const { w, since } = await outage();
    await runFor(w, 36_000); // 30 s and three cycles
    expect(alerts(w.sink, "outage").map((e) => Date.parse(e.ts) - since).filter((ms) => ms <= 36_000).length).toBeGreaterThanOrEqual(1);
    await runFor(w, 6 * 60_000);
    expect(alerts(w.sink, "outage").length).toBeGreaterThanOrEqual(2);
  });

  test("regression: an outage does not log a WARN every cycle with no escalation", async () => {
    const { w } = await outage();
    const from = w.sink.events.length;
    await runFor(w, 120_000); // 60 cycles
    const during = w.sink.events.slice(from);
    const cycles = during.filter((e) => e.event === "cycle.completed").length;
    const warns = during.filter((e) => e.level === "warn" && e.event !== "alert");
    expect(cycles).toBe(60);
    expect(warns.length).toBeLessThanOrEqual(cycles / 10); // at most one plain WARN per 10 cycles
  });
});
