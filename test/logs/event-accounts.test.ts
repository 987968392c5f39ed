/**
 * Events carry the account name (issue 12): real `warden run --json --cycles N` processes on
 * the simulator (demo-30's main and mirror; a roster of three accounts named with a `-`,
 * through read and write faults), every NDJSON line scanned: each event naming a monitor
 * carries `account`, the monitor's own; each event of the catalogue's ACCOUNT_EVENTS carries
 * an account of the run. The runs must show such events for every account, so the check
 * cannot pass on an empty sample.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ACCOUNT_EVENTS, EVENT, type EventName } from "../../core/logs/catalogue.ts";
import { eventsOf, killAllProcesses, spawnWarden, tempDir } from "../support/processes.ts";
import { ROSTER, writeRosterScenario } from "../support/roster-scenario.ts";

type Event = Record<string, unknown>;

let dir: { path: string; remove: () => Promise<void> };
/** Each run, and the events it must show for every one of its accounts. */
const runs: { name: string; accounts: string[]; sample: EventName[]; events: Event[] }[] = [];

async function run(name: string, accounts: string[], sample: EventName[], args: string[]): Promise<void> {
  const proc = spawnWarden(["run", "--json", "--state-dir", join(dir.path, name), ...args]);
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`${name}: exit ${exit.code}: ${proc.stderr()}`);
  runs.push({ name, accounts, sample, events: eventsOf(proc.lines) });
}

/** What is wrong with one event's `account`, or undefined. */
function problem(e: Event, accounts: readonly string[]): string | undefined {
  const monitor = e["monitor"];
  if (typeof monitor === "string" && e["account"] !== monitor.slice(0, monitor.indexOf(":"))) return `names monitor ${monitor} with account ${String(e["account"])}`;
  if (ACCOUNT_EVENTS.has(e["event"] as EventName) && !accounts.includes(String(e["account"]))) return `is about one account but carries account ${String(e["account"])}`;
  return undefined;
}

beforeAll(async () => {
  dir = await tempDir("event-accounts");
  const faults = [
    { kind: "5xx", path: "/v5/position/list", account: "fam-1", fromStep: 2, count: 6 },
    { kind: "10006", path: "/v5/order/realtime", account: "fund-b-2", fromStep: 4, count: 1 },
    { kind: "5xx", path: "/v5/order/create", account: "desk-lead", count: 1 },
  ];
  const roster = writeRosterScenario(dir.path, {}, faults);
  await Promise.all([
    // to demo-30's last step: fills, TP and breakeven rules, amends and cancels on both accounts
    run("demo-30", ["main", "mirror"], [EVENT.snapshotLoaded, EVENT.monitorAdopted, EVENT.protectionChanged, EVENT.fillDetected, EVENT.ruleApplied, EVENT.orderAmended, EVENT.orderCancelled, EVENT.monitorClosed], ["--latency", "zero", "--cycles", "180"]),
    run("roster", ROSTER.map((a) => a.name), [EVENT.snapshotLoaded, EVENT.monitorAdopted, EVENT.protectionChanged, EVENT.ruleApplied, EVENT.orderPlaced, EVENT.alert], ["--scenario", roster.scenario, "--cycles", "8"]),
  ]);
}, 60_000);
afterAll(async () => {
  await killAllProcesses();
  await dir.remove();
});

describe("every event about one account carries account", () => {
  test("the check itself: an event naming a monitor without its account, or an account event without one, is caught", () => {
    expect(problem({ event: EVENT.ruleApplied, monitor: "fam-1:BTCUSDT:long" }, ["fam-1"])).toBeDefined();
    expect(problem({ event: EVENT.alert, monitor: "fam-1:BTCUSDT:long", account: "main" }, ["fam-1", "main"])).toBeDefined();
    expect(problem({ event: EVENT.snapshotLoaded }, ["fam-1"])).toBeDefined();
    expect(problem({ event: EVENT.cycleCompleted }, ["fam-1"])).toBeUndefined();
    expect(problem({ event: EVENT.ruleApplied, monitor: "fam-1:BTCUSDT:long", account: "fam-1" }, ["fam-1"])).toBeUndefined();
  });

  test("in the NDJSON of real runs, with reads, writes, fills, rules, alerts and faults on every account", () => {
    for (const r of runs) {
      const wrong = r.events.flatMap((e) => {
        const why = problem(e, r.accounts);
        return why === undefined ? [] : [`${r.name}: ${String(e["event"])} ${why}`];
      });
      expect(wrong).toEqual([]);
      // a sample worth checking: these events occurred for every account of the run
      for (const name of r.sample) {
        const seen = new Set(r.events.filter((e) => e["event"] === name).map((e) => e["account"]));
        expect({ run: r.name, event: name, accounts: [...seen].sort() }).toEqual({ run: r.name, event: name, accounts: [...r.accounts].sort() });
      }
    }
    const roster = runs.find((r) => r.name === "roster")!;
    const seen = (name: string) => roster.events.filter((e) => e["event"] === name).map((e) => e["account"]);
    expect(seen(EVENT.readFailed)).toContain("fam-1");
    expect(seen(EVENT.rateBackoff)).toContain("fund-b-2");
    expect(seen(EVENT.orderFailed)).toContain("desk-lead");
    expect(seen(EVENT.fillDetected).length).toBeGreaterThan(0);
    expect(seen(EVENT.monitorClosed).length).toBeGreaterThan(0);
  });
});
