/**
 * `--report FILE.html`: one self-contained page (inline CSS and SVG, no CDN, no external
 * script). Charts: cycle time per cycle per strategy, calls per cycle, hit rate, and, when
 * a sweep ran, calls, cycle time and CPU per monitor as monitors grow.
 *
 * A small inline script, run by the browser after layout, counts for each chart the marks
 * that were actually laid out with a non-zero box and writes the count into the chart's
 * `data-rendered-marks` attribute; scripts/check-report.ts reads it from the DOM headless
 * Chromium dumps. `<meta name="warden-charts">` says how many charts the page should have.
 */
// the bench's strategies are the read paths: naive, ttl, warden and stream
import type { ReadPathName as StrategyName } from "../engine/read-path.ts";
import type { BenchDocument, SweepCell } from "./document.ts";
import { barChart, escapeXml, lineChart, type Series } from "./svg-chart.ts";
import { describeClient } from "./session-port.ts";
import { gateLine, renderTable } from "./table.ts";

function names(doc: BenchDocument): StrategyName[] {
  return Object.keys(doc.strategies) as StrategyName[];
}

export const CHART_IDS = ["cycle-time", "calls", "hit-rate", "cpu"] as const;
export const SWEEP_CHART_IDS = ["sweep-calls", "sweep-cycle-time", "sweep-cpu-per-monitor"] as const;

/** Shown when a strategy's fills and reactions were measured. */
export const REACTION_CHART_IDS = ["fill-to-reaction"] as const;

function hasReactions(doc: BenchDocument): boolean {
  return Object.values(doc.strategies).some((f) => f?.live !== undefined);
}

export function chartIdsOf(doc: BenchDocument): string[] {
  return [...CHART_IDS, ...(hasReactions(doc) ? REACTION_CHART_IDS : []), ...(doc.sweep ? SWEEP_CHART_IDS : [])];
}

function charts(doc: BenchDocument): string[] {
  const names = Object.keys(doc.strategies) as StrategyName[];
  const per = (pick: (n: StrategyName) => readonly (number | null)[]): Series[] => names.map((n) => ({ name: n, values: pick(n) }));
  const longest = Math.max(0, ...names.map((n) => doc.strategies[n]?.series.durationMs.length ?? 0));
  const cycleLabels = Array.from({ length: longest }, (_, i) => String(i + 1));
  const out = [
    lineChart(per((n) => doc.strategies[n]?.series.durationMs ?? []), {
      id: "cycle-time",
      title: "Cycle time per cycle (ms)",
      yLabel: "ms",
      xLabels: cycleLabels,
      logY: true,
    }),
    lineChart(per((n) => doc.strategies[n]?.series.calls ?? []), {
      id: "calls",
      title: "REST calls per cycle",
      yLabel: "calls",
      xLabels: cycleLabels,
      logY: true,
    }),
    barChart(
      names.map((n) => ({ label: n, value: doc.strategies[n]?.hitRate === null ? 0 : (doc.strategies[n]?.hitRate ?? 0) * 100 })),
      { id: "hit-rate", title: "Monitor reads served from cache (%)", yLabel: "%" },
    ),
    lineChart(
      names.flatMap((n) => [
        { name: `${n} engine`, values: doc.strategies[n]?.series.engineCpuMs ?? [] },
        { name: `${n} wide`, values: doc.strategies[n]?.series.cpuMs ?? [] },
      ]),
      { id: "cpu", title: "CPU per cycle (ms): the engine's own, and wide (with adapter and ccxt)", yLabel: "ms", xLabels: cycleLabels },
    ),
  ];
  if (hasReactions(doc)) {
    const withLive = names.filter((n) => doc.strategies[n]?.live !== undefined);
    const bar = (n: StrategyName, pick: "p50" | "p99"): number | null => {
      const v = doc.strategies[n]?.live?.reaction[pick];
      return v === undefined || !Number.isFinite(v) ? null : v;
    };
    out.push(
      barChart(
        withLive.flatMap((n) => [
          { label: `${n} p50`, value: bar(n, "p50") },
          { label: `${n} p99`, value: bar(n, "p99") },
        ]),
        { id: "fill-to-reaction", title: "Fill to reaction (ms): fill to the venue receiving the stop write", yLabel: "ms", logY: true },
      ),
    );
  }
  if (doc.sweep) {
    const sizes = doc.sweep.map((r) => String(r.monitors));
    const sweepNames = [...new Set(doc.sweep.flatMap((r) => Object.keys(r.strategies)))] as StrategyName[];
    const col = (pick: (c: SweepCell) => number): Series[] =>
      sweepNames.map((n) => ({ name: n, values: (doc.sweep ?? []).map((r) => { const c = r.strategies[n]; return c ? pick(c) : null; }) }));
    const floorSeries: Series = { name: "floor", values: doc.sweep.map((r) => r.floor.callsMean) };
    out.push(
      lineChart([...col((c) => c.callsMean), floorSeries], { id: "sweep-calls", title: "Calls per cycle as monitors grow", yLabel: "calls", xLabels: sizes, logY: true }),
      lineChart(col((c) => c.cycleP50Ms), { id: "sweep-cycle-time", title: "p50 cycle time as monitors grow (ms)", yLabel: "ms", xLabels: sizes, logY: true }),
      lineChart(col((c) => c.cpuMsPerMonitor * 1000), { id: "sweep-cpu-per-monitor", title: "Engine CPU per monitor per cycle (µs)", yLabel: "µs", xLabels: sizes }),
    );
  }
  return out;
}

const RENDER_CHECK = `document.querySelectorAll("svg[data-chart]").forEach(function (svg) {
  var n = 0;
  svg.querySelectorAll(".mark").forEach(function (m) { var b = m.getBoundingClientRect(); if (b.width > 0 && b.height > 0) n++; });
  svg.setAttribute("data-rendered-marks", String(n));
  var t = svg.querySelector(".chart-title");
  if (t) svg.setAttribute("data-title-fits", t.getBoundingClientRect().right <= svg.getBoundingClientRect().right + 0.5 ? "1" : "0");
});`;

export function renderReport(doc: BenchDocument): string {
  const svgs = charts(doc);
  const s = doc.scenario;
  const gates = doc.gates.map((g) => `<li class="${g.pass ? "pass" : "fail"}">${escapeXml(gateLine(g))}</li>`).join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="warden-charts" content="${svgs.length}">
<title>warden bench: ${escapeXml(s.name)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 12px; }
.charts svg { display: block; margin: 1.5em 0; }
li.pass { color: #1e7d32; } li.fail { color: #b71c1c; font-weight: bold; }
</style>
</head>
<body>
<h1>warden bench: ${escapeXml(s.name)}</h1>
<p>${s.monitors} monitors, accounts ${escapeXml(s.accounts.join(" + "))}, latency ${escapeXml(s.latency)}, seed ${s.seed}, up to ${s.cycles} cycles per strategy.</p>
<p>Client model: ${names(doc).map((n) => { const c = doc.strategies[n]?.client; return c === undefined ? "" : `<b>${escapeXml(n)}</b>: ${escapeXml(describeClient(c))}`; }).filter((x) => x !== "").join("; ") || "not recorded"}.</p>
<div class="charts">
${svgs.join("\n")}
</div>
<h2>Gates</h2>
<ul>${gates || "<li>none</li>"}</ul>
<h2>Figures</h2>
<pre>${escapeXml(renderTable(doc))}</pre>
<script>${RENDER_CHECK}</script>
</body>
</html>
`;
}
