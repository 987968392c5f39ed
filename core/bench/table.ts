/** The bench's human rendering: plain-text tables of the document (colour is the CLI's business). */
// the bench's strategies are the read paths: naive, ttl, warden and stream
import type { ReadPathName as StrategyName } from "../engine/read-path.ts";
import type { BenchDocument } from "./document.ts";
import type { Gate } from "./gates.ts";
import { describeClient } from "./session-port.ts";

export function fmt(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "-";
  return n.toFixed(digits);
}

function pct(n: number | null): string {
  return n === null || !Number.isFinite(n) ? "-" : `${(n * 100).toFixed(1)}%`;
}

function times(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? "-" : `${n.toFixed(1)}x`;
}

/** Columns left-aligned for the first, right-aligned for the rest. */
export function grid(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ").trimEnd())
    .join("\n");
}

export function gateLine(g: Gate): string {
  const v = g.value === null ? "-" : Number.isInteger(g.value) ? String(g.value) : g.value.toFixed(3);
  return `${g.pass ? "PASS" : "FAIL"}  ${g.id}: ${v} ${g.rule} ${Number.isInteger(g.limit) ? g.limit : g.limit.toFixed(3)}`;
}

export function renderTable(doc: BenchDocument): string {
  const s = doc.scenario;
  const out: string[] = [];
  out.push(`scenario ${s.name}: ${s.monitors} monitors, accounts ${s.accounts.join("+")}, latency ${s.latency}, seed ${s.seed}, up to ${s.cycles} cycles`);
  out.push("");
  const names = Object.keys(doc.strategies) as StrategyName[];
  const rows: string[][] = [
    ["strategy", "cycles", "p50 ms", "p95 ms", "max ms", "calls/cyc", "max", "reads", "writes", "hit rate", "engine cpu ms", "wide cpu ms", "wide µs/mon", "peak RSS MB", "pool warn"],
  ];
  for (const n of names) {
    const f = doc.strategies[n];
    if (!f) continue;
    rows.push([
      n,
      String(f.cycles),
      fmt(f.cycleMs.p50),
      fmt(f.cycleMs.p95),
      fmt(f.cycleMs.max),
      fmt(f.calls.mean),
      String(f.calls.max),
      fmt(f.calls.readsMean),
      fmt(f.calls.writesMean),
      pct(f.hitRate),
      fmt(f.engineCpuMs.steadyMean, 2),
      fmt(f.cpuMs.mean, 2),
      fmt(f.cpuMs.perMonitorMean * 1000, 1),
      fmt(f.peakRssBytes / 1048576, 0),
      String(f.poolWarnings),
    ]);
  }
  rows.push([
    "floor",
    "",
    fmt(doc.floor.latencyMsP50),
    fmt(doc.floor.latencyMsP95),
    "",
    fmt(doc.floor.callsMean),
    String(doc.floor.callsMax),
    `${fmt(doc.floor.callsFollowingCursorMean)}*`,
    "",
    "",
    "",
    "",
    "",
    "",
    "",
  ]);
  out.push(grid(rows));
  out.push("* reads a cursor-following client needs: the floor plus Bybit's empty page after each non-empty listing");
  out.push(`floor latency: p50/p95 of its seeded Monte Carlo distribution; by medians ${fmt(doc.floor.latencyMsMean)} ms`);
  out.push(cpuLegend(doc, names));
  out.push("");
  out.push("client model:");
  for (const n of names) {
    const c = doc.strategies[n]?.client;
    if (c !== undefined) out.push(`  ${n}: ${describeClient(c)}`);
  }
  out.push("");
  const kindRows: string[][] = [["cycles by kind", "read-only", "p50 ms", "p95 ms", "writing", "p50 ms", "p95 ms", "all p95 ms"]];
  for (const n of names) {
    const f = doc.strategies[n];
    if (!f) continue;
    const ro = f.cycleMsReadOnly;
    const w = f.cycleMsWithWrites;
    kindRows.push([n, String(ro.count), fmt(ro.p50), fmt(ro.p95), String(w.count), fmt(w.p50), fmt(w.p95), fmt(f.cycleMs.p95)]);
  }
  out.push(grid(kindRows));
  out.push("");
  const ratioRows: string[][] = [["vs naive / floor", "calls fewer", "p50 shorter", "p95 shorter", "cpu less", "calls/floor", "ro p95/floor p95"]];
  for (const n of names) {
    const r = doc.ratios[n];
    if (!r) continue;
    ratioRows.push([
      n,
      times(r.vsNaive?.callsFewer),
      times(r.vsNaive?.cycleP50Shorter),
      times(r.vsNaive?.cycleP95Shorter),
      times(r.vsNaive?.cpuLess),
      times(r.vsFloor.calls),
      times(r.vsFloor.cycleP95),
    ]);
  }
  out.push(grid(ratioRows));
  const live = renderLive(doc, names);
  if (live !== "") {
    out.push("");
    out.push(live);
  }
  if (doc.sweep) {
    out.push("");
    out.push(renderSweep(doc));
  }
  if (doc.gates.length > 0) {
    out.push("");
    out.push("gates:");
    for (const g of doc.gates) out.push(`  ${gateLine(g)}`);
  }
  for (const n of names) {
    const f = doc.strategies[n];
    if (f && f.failedCycles > 0) out.push(`note: ${n}: ${f.failedCycles} of ${f.cycles} cycles failed (first: ${f.firstError ?? "?"})`);
  }
  for (const note of doc.notes) out.push(`note: ${note}`);
  return `${out.join("\n")}\n`;
}

function cpuLegend(doc: BenchDocument, names: readonly StrategyName[]): string {
  const steady = names.map((n) => doc.strategies[n]).filter((f) => f !== undefined).map((f) => `${f.strategy} cycles ${f.engineCpuMs.steadyFrom}-${f.cycles} (${f.engineCpuMs.steadyCycles}; all cycles ${fmt(f.engineCpuMs.mean, 2)} ms)`);
  return [
    `engine cpu: the engine's own CPU per cycle (discover, decide, announce, schedule, save), mean over steady cycles: ${steady.join(", ")}`,
    "wide cpu: engine + adapter + ccxt's signing and parsing, minus the simulator and (at zero latency) the transport; mean over all cycles",
  ].join("\n");
}

/** Fill-to-reaction, REST between audits and per minute, the stream's messages (live-figures.ts). */
function renderLive(doc: BenchDocument, names: readonly StrategyName[]): string {
  const rows: string[][] = [["fill-to-reaction", "model", "fills e/tp1", "p50 ms", "p95 ms", "p99 ms", "max ms", "measured p50", "calls/cyc*", "reads/cyc*", "calls/min", "msgs/s", "cpu µs/msg"]];
  for (const n of names) {
    const l = doc.strategies[n]?.live;
    if (!l) continue;
    const r = l.reaction;
    rows.push([
      n,
      r.model,
      `${r.entry}/${r.tp1}${r.unanswered > 0 ? ` (${r.unanswered} unanswered)` : ""}`,
      fmt(r.p50),
      fmt(r.p95),
      fmt(r.p99),
      fmt(r.max),
      fmt(r.measuredP50),
      fmt(l.rest.callsPerCycle, 2),
      fmt(l.rest.readsPerCycle, 2),
      fmt(l.rest.callsPerMinute),
      l.stream ? fmt(l.stream.messagesPerSecond, 2) : "",
      l.stream ? fmt(l.stream.cpuMicrosPerMessage, 1) : "",
    ]);
  }
  if (rows.length === 1) return "";
  const stream = doc.strategies.stream?.live;
  const lines = [grid(rows), "* per cycle between audits (stream: cycles whose audits made no call) / per cycle (polling)"];
  if (stream) {
    lines.push(`stream: ${stream.rest.readsOutsideAudits ?? "-"} REST reads outside audits; audits ${stream.rest.auditCalls} calls; ${stream.stream?.messages ?? 0} messages handled, ${fmt(stream.stream?.cpuMicrosPerMessage, 1)} µs CPU each (${fmt(stream.stream?.capacityPerSecond, 0)} msgs/s on one core)`);
  }
  return lines.join("\n");
}

function renderSweep(doc: BenchDocument): string {
  const rows: string[][] = [["monitors", "strategy", "calls/cyc", "reads", "floor*", "p50 ms", "p95 ms", "floor p95 ms", "engine cpu ms", "wide cpu ms", "wide µs/mon", "hit rate"]];
  for (const row of doc.sweep ?? []) {
    for (const [name, c] of Object.entries(row.strategies)) {
      if (!c) continue;
      rows.push([
        String(row.monitors),
        name,
        fmt(c.callsMean),
        fmt(c.readCallsMean),
        `${fmt(row.floor.callsMean)}/${fmt(row.floor.callsFollowingCursorMean)}`,
        fmt(c.cycleP50Ms),
        fmt(c.cycleP95Ms),
        fmt(row.floor.latencyMsP95),
        fmt(c.engineCpuMsMean, 2),
        fmt(c.cpuMsMean, 2),
        fmt(c.cpuMsPerMonitor * 1000, 1),
        pct(c.hitRate),
      ]);
    }
  }
  return `scaling sweep:\n${grid(rows)}\n* floor calls / with Bybit's forced empty pages`;
}
