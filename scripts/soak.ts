/**
 * The fault soak (core/soak/): engine cycles on the in-process simulator with faults on the
 * REST requests and a trader's hand between cycles; DESIGN's invariants checked after every
 * cycle against the venue's real state. Exit 1 when any invariant was breached.
 *
 *   npx bun scripts/soak.ts [--cycles 10000] [--seed 1] [--fault-rate 0.05] [--k 3]
 *                           [--monitors 6] [--intervention-rate 0.25] [--examples 5] [--json]
 *                           [--trace main:BTCUSDT]   (print that account and symbol's events,
 *                                                     interventions and breaches as they happen)
 *                           [--stream] [--stream-fault-rate 0.03]
 *                                                    (read through the simulator's private stream,
 *                                                     with stream faults; the stream invariants)
 */
import { argv, exit, writeStderr, writeStdout } from "../core/runtime.ts";
import { runSoak, SOAK_DEFAULTS, type SoakReport } from "../core/soak/soak.ts";
import type { StreamSoakFigures } from "../core/soak/stream-figures.ts";

function option(name: string, fallback: number): number {
  const args = argv();
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value < 0) {
    writeStderr(`soak: --${name} needs a number >= 0, got ${JSON.stringify(args[at + 1] ?? "")}\n`);
    exit(2);
  }
  return value;
}

const traced = (() => {
  const at = argv().indexOf("--trace");
  return at >= 0 ? argv()[at + 1] : undefined;
})();

function mentions(what: object, target: string): boolean {
  const r = what as Record<string, unknown>;
  const [account, symbol] = target.split(":");
  if (typeof r.monitor === "string" && r.monitor.startsWith(target)) return true;
  return r.account === account && (symbol === undefined || r.symbol === symbol);
}

const report = await runSoak({
  cycles: Math.max(1, Math.floor(option("cycles", SOAK_DEFAULTS.cycles))),
  seed: Math.floor(option("seed", SOAK_DEFAULTS.seed)),
  faultRate: option("fault-rate", SOAK_DEFAULTS.faultRate),
  k: Math.max(1, Math.floor(option("k", SOAK_DEFAULTS.k))),
  monitors: Math.max(1, Math.floor(option("monitors", SOAK_DEFAULTS.monitors))),
  interventionRate: option("intervention-rate", SOAK_DEFAULTS.interventionRate),
  examples: Math.floor(option("examples", SOAK_DEFAULTS.examples)),
  stream: argv().includes("--stream"),
  streamFaultRate: option("stream-fault-rate", SOAK_DEFAULTS.streamFaultRate),
  ...(traced !== undefined ? { onTrace: (cycle: number, what: object) => mentions(what, traced) && writeStdout(`[${cycle}] ${JSON.stringify(what)}\n`) } : {}),
});

writeStdout(argv().includes("--json") ? `${JSON.stringify(report, null, 2)}\n` : render(report));
exit(report.breaches.total > 0 ? 1 : 0);

function counts(record: Readonly<Record<string, number>>): string {
  const parts = Object.entries(record).map(([k, v]) => `${k} ${v}`);
  return parts.length === 0 ? "none" : parts.join(", ");
}

function render(r: SoakReport): string {
  const lines: string[] = [];
  lines.push(`soak${r.stream !== undefined ? " (stream)" : ""}: ${r.cycles} cycles, seed ${r.seed}, fault rate ${r.faultRate}, ${r.monitors} monitors, step ${r.stepMs / 1000} s virtual, K = ${r.k} cycles (${(r.wallMs / 1000).toFixed(1)} s wall)`);
  lines.push(`faults fired: ${counts(r.faults)}`);
  lines.push(`answers that went wrong, as the engine saw them: ${counts(r.faultAnswers)}`);
  const iv = Object.entries(r.interventions).map(([k, v]) => `${k} ${v.applied}${v.refused > 0 ? ` (+${v.refused} refused)` : ""}`);
  lines.push(`interventions: ${iv.join(", ")}`);
  lines.push(`unprotected (virtual time): total ${r.unprotected.totalSeconds} s, longest ${r.unprotected.longestSeconds} s${r.unprotected.longestMonitor !== undefined ? ` (${r.unprotected.longestMonitor})` : ""}`);
  lines.push(`engine reported: ${r.engine.protectionEvents} protection.changed events, at most ${r.engine.unprotectedReported} unprotected in a cycle.completed, ${r.engine.cycleErrors} cycles that threw`);
  if (r.stream !== undefined) lines.push(...renderStream(r.stream));
  lines.push(`invariant breaches: ${r.breaches.total}${r.breaches.total > 0 ? ` (${counts(r.breaches.byInvariant)})` : ""}`);
  for (const [name, list] of Object.entries(r.breaches.examples)) {
    for (const b of list) lines.push(`  ${name} cycle ${b.cycle} ${b.monitor}: ${b.what}`);
  }
  return `${lines.join("\n")}\n`;
}

function renderStream(s: StreamSoakFigures): string[] {
  return [
    `stream faults injected: ${counts(s.faultsInjected)} (each refused auth or subscribe comes with a drop)`,
    `stream faults that acted (connections, frames, requests): ${counts(s.faultsActed)}`,
    `fallbacks to polling: ${counts(s.fallbacks)}; returns to live ${s.returnsToLive}`,
    `audits: ${counts(s.audits)}; ${s.auditCalls} REST calls; ${s.auditsWithDifferences} found differences (${s.differencesFound} in all)`,
    `blind windows (a fault hid rows until an audit or a fallback): ${s.blind.windows}, longest ${s.blind.longestCycles} cycles, ${s.blind.pastK} conditions past K inside one`,
    `trade executions: ${s.executionsDelivered.distinct} delivered (${s.executionsDelivered.repeated} repeated frames), ${s.executionsCounted} counted by Warden`,
    `fills missed or applied twice after the next audit: ${s.fillsMissedAfterAudit + s.fillsDoubled} (${s.auditsChecked} audits checked against the venue)`,
  ];
}
