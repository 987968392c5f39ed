/** The human view of `warden status`: the engine in a few lines, then one row per position. */
import kleur from "kleur";
import { seconds, type Freshness } from "../../core/status/check.ts";
import type { PositionStatus, StatusDoc } from "../../core/status/status-doc.ts";

export interface StatusView {
  readonly doc: StatusDoc;
  readonly stateDir: string;
  /** Who holds the state dir's lock now: a live `run` means the engine is running. */
  readonly lock: { readonly pid: number; readonly command: string } | undefined;
  readonly running: boolean;
  readonly fresh: Freshness;
}

const HEADER = ["account", "symbol", "side", "size", "entry", "mark", "stop", "distance", "covers", "TPs filled/working", "plan", "source", "protection", "since", "last rule"];
const RIGHT = new Set(["size", "entry", "mark", "stop", "distance"]);

export function renderStatus(v: StatusView, opts: { color: boolean }): string {
  kleur.enabled = opts.color;
  const { doc, fresh } = v;
  const e = doc.engine;
  const running = v.running && v.lock !== undefined ? kleur.green(`running (pid ${v.lock.pid}, ${v.lock.command})`) : kleur.yellow(`not running (last run: pid ${e.pid})`);
  const age = `${seconds(fresh.ageMs)} ago`;
  const cycleAge = fresh.stale ? kleur.red().bold(`${age}: STALE, limit ${seconds(fresh.limitMs)}`) : age;
  const counts = countStates(doc.positions);
  const lines = [
    kleur.bold(`Warden status of ${v.stateDir}`) + (doc.dryRun === true ? `  ${kleur.yellow().bold("DRY RUN")}: orders and protection shown are paper, nothing was written to the exchange` : ""),
    `  engine       ${running}, ${e.exchange}, every ${seconds(e.intervalMs)}, read mode ${e.readMode}`,
    ...(doc.accounts !== undefined ? [`  accounts     ${doc.accounts.join(", ")}`] : []),
    `  last cycle   ${e.cycle}, written ${clock(doc.writtenAt)} UTC (${cycleAge}), took ${e.cycleDurationMs} ms, ${e.cycleRestCalls} REST calls`,
    `  REST calls   ${e.restCallsPerMinute} in the last minute`,
    `  alerts       ${e.alertsLastHour === 0 ? "none" : kleur.yellow(String(e.alertsLastHour))} in the last hour`,
    `  positions    ${doc.positions.length === 0 ? "none open" : counts}${e.waiting > 0 ? `, ${e.waiting} waiting for an entry fill` : ""}`,
  ];
  if (e.clock === "virtual") lines.push(`  clock        simulated: protection and rule times are the simulator's (UTC)`);
  if (doc.positions.length === 0) return `${lines.join("\n")}\n`;
  const rows = doc.positions.map(cells);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.text.length ?? 0)));
  const line = (r: readonly Cell[]) =>
    r
      .map((c, i) => {
        const pad = " ".repeat(Math.max(0, (widths[i] ?? 0) - c.text.length));
        return RIGHT.has(HEADER[i] ?? "") ? pad + c.paint(c.text) : c.paint(c.text) + pad;
      })
      .join("  ")
      .trimEnd();
  lines.push("", line(HEADER.map(plain)), ...rows.map(line));
  const why = doc.positions.filter((p) => p.protection !== "protected" && p.protectionReason !== null);
  if (why.length > 0) lines.push("", ...why.map((p) => `  ${p.monitor} ${p.protection}: ${p.protectionReason}`));
  return `${lines.join("\n")}\n`;
}

interface Cell {
  readonly text: string;
  readonly paint: (s: string) => string;
}

const same = (s: string) => s;
const plain = (text: string): Cell => ({ text, paint: same });

function cells(p: PositionStatus): Cell[] {
  const stop = p.stop;
  const covers = stop?.coversSize;
  return [
    plain(p.account),
    plain(p.symbol),
    plain(p.side),
    plain(String(p.size)),
    plain(String(p.entryPrice)),
    plain(p.mark === null ? "-" : String(p.mark)),
    plain(stop === null ? "-" : String(stop.trigger)),
    { text: stop?.distancePct == null ? "-" : `${stop.distancePct.toFixed(2)}%`, paint: stop?.distancePct != null && stop.distancePct <= 0 ? (s) => kleur.red(s) : same },
    { text: covers == null ? "-" : covers ? "yes" : "no", paint: covers === false ? (s) => kleur.red(s) : same },
    plain(`${p.tps.filled}/${p.tps.working}`),
    plain(p.plan.kind === "fast" ? "fast" : `conservative ${p.plan.ladder.join("/")}`),
    plain(p.plan.source),
    { text: p.protection, paint: paintState(p.protection) },
    plain(p.protectionSince === null ? "-" : clock(p.protectionSince)),
    plain(p.lastRule === null ? "-" : `${p.lastRule.rule} ${clock(p.lastRule.at)}`),
  ];
}

function paintState(state: PositionStatus["protection"]): (s: string) => string {
  switch (state) {
    case "protected":
      return (s) => kleur.green(s);
    case "unprotected":
      return (s) => kleur.red().bold(s);
    default:
      return (s) => kleur.yellow(s);
  }
}

function countStates(positions: readonly PositionStatus[]): string {
  const order = ["protected", "unprotected", "stand-by", "no-stop"] as const;
  const parts = order.map((s) => [s, positions.filter((p) => p.protection === s).length] as const).filter(([, n]) => n > 0);
  return `${positions.length}: ${parts.map(([s, n]) => (s === "unprotected" ? kleur.red().bold(`${n} ${s}`) : `${n} ${s}`)).join(", ")}`;
}

/** "2025-07-24 10:00:05" from an ISO time (UTC). */
function clock(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "");
}
