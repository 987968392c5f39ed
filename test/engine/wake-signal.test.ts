/**
 * The run loop's wait between cycles (core/engine/wake-signal.ts): a change cuts the wait
 * short, a burst of changes is taken by one cycle, an abort ends it, and with no change the
 * whole interval passes.
 */
import { describe, expect, test } from "bun:test";
import { WakeSignal } from "../../core/engine/wake-signal.ts";

describe("WakeSignal", () => {
  test("a change wakes the loop long before the interval, and a burst of changes is taken at once", async () => {
    const w = new WakeSignal();
    const t0 = performance.now();
    const waiting = w.wait(60_000);
    w.notify("main");
    w.notify("mirror");
    w.notify("main");
    expect(await waiting).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(w.take().sort()).toEqual(["main", "mirror"]);
    expect(w.take()).toEqual([]);
  });

  test("a change reported while no one waits (during a cycle) makes the next wait end at once", async () => {
    const w = new WakeSignal();
    w.notify("main");
    expect(await w.wait(60_000)).toBe(true);
    expect(w.take()).toEqual(["main"]);
  });

  test("an abort ends the wait; with no change the interval passes", async () => {
    const w = new WakeSignal();
    const stop = new AbortController();
    const waiting = w.wait(60_000, stop.signal);
    stop.abort();
    expect(await waiting).toBe(false);
    expect(await w.wait(1)).toBe(false);
  });
});
