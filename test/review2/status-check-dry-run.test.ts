/**
 * Review 2: `warden status --check` on a dry run's status.json. A dry run's stops are paper
 * (README "Dry run": "paper orders only", nothing is on the exchange), yet the check counts
 * them as protection and exits 0 "OK: 1 position protected" while the real position has no
 * stop at all. A health check (cron, a monitoring probe) pointed at the state dir `warden
 * status` finds on its own (the only one under the state root: the dry run's, on a machine
 * trying Warden out) reports the promise kept when nothing protects the position.
 */
import { describe, expect, test } from "bun:test";
import { checkStatus } from "../../core/status/check.ts";
import { makeStatus, protectedMonitor, WALL } from "../status/builders.ts";

describe("status --check and a dry run", () => {
  test("a dry run's paper stops do not pass --check as protection", () => {
    const doc = makeStatus([protectedMonitor()], { dryRun: true });
    expect(doc.dryRun).toBe(true);
    const verdict = checkStatus(doc, WALL + 1_000);
    expect({ ok: verdict.ok, line: verdict.line }).toEqual({ ok: false, line: expect.stringMatching(/dry run|paper/i) });
  });
});
