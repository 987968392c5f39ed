/**
 * Review 2: `warden status --check` while the engine cannot read the account. The engine keeps
 * cycling (status.json is written every cycle, so it is "alive"), each monitor keeps the
 * protection it had when the account was last read, and the cycle report's `failedAccounts`
 * is not in the status document (core/status/status-doc.ts engineSchema; run.ts statusOf).
 * After two minutes blind, --check says "OK: 1 position protected; engine alive": what
 * protects the position is no longer computed "every cycle from what the exchange shows"
 * (DESIGN "Protection"), and a probe built on --check stays green through the outage.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import type { CycleReport } from "../../core/engine/engine.ts";
import { checkStatus } from "../../core/status/check.ts";
import { buildStatus } from "../../core/status/status-doc.ts";
import { START, SERVER_ERROR, account, cycleAfter, startWarden } from "../support/protection-rig.ts";
import { statusInput } from "../status/builders.ts";

describe("status --check and an account Warden cannot read", () => {
  test("two minutes of failed reads: --check does not pass the position as protected", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    const w = await startWarden(clock, [main]);
    await cycleAfter(w);
    await cycleAfter(w);
    main.port.readsFail = SERVER_ERROR;
    let report: CycleReport | undefined;
    for (let i = 0; i < 60; i++) report = await cycleAfter(w);
    expect(report!.failedAccounts).toBe(1);
    const now = Date.now();
    const doc = buildStatus(statusInput(w.engine.monitors(), { cycle: report!, marks: w.engine.marks(), instruments: w.engine.instruments(), now }));
    const verdict = checkStatus(doc, now + 500);
    expect({ ok: verdict.ok, line: verdict.line }).toEqual({ ok: false, line: expect.stringMatching(/main|read|outage/i) });
  });
});
