import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBench } from "../../core/bench/bench.ts";
import type { BenchDocument } from "../../core/bench/document.ts";
import { checkRenderedDom, checkStaticHtml } from "../../core/bench/report-check.ts";
import { CHART_IDS, REACTION_CHART_IDS, SWEEP_CHART_IDS, chartIdsOf, renderReport } from "../../core/bench/report-html.ts";
import { lineChart } from "../../core/bench/svg-chart.ts";
import { renderTable } from "../../core/bench/table.ts";
import { checkReportInChromium, chromiumPath } from "../../scripts/check-report.ts";
import { fakeOpen } from "./builders.ts";

async function benchDoc(sweep: boolean): Promise<BenchDocument> {
  return runBench({ cycles: 4, latency: "recorded", seed: 1, open: fakeOpen(), ...(sweep ? { monitors: [6, 12] } : {}) });
}

function svgIds(html: string): string[] {
  return [...html.matchAll(/<svg\b[^>]*data-chart="([^"]+)"/g)].map((m) => m[1] as string);
}

describe("HTML report", () => {
  test("has exactly one svg per chart, each with data marks", async () => {
    const html = renderReport(await benchDoc(false));
    expect(svgIds(html)).toEqual([...CHART_IDS, ...REACTION_CHART_IDS]);
    const check = checkStaticHtml(html);
    expect(check.problems).toEqual([]);
    expect(check.charts.every((c) => c.marks > 0)).toBe(true);
    expect(check.charts.find((c) => c.id === "cycle-time")?.marks).toBe(16);
  });

  test("names each strategy's client model and charts both CPU figures per strategy", async () => {
    const html = renderReport(await benchDoc(false));
    expect(html).toContain("<b>naive</b>: ccxt throttle on");
    expect(html).toContain("<b>warden</b>: ccxt throttle off");
    const cpu = /<svg\b[^>]*data-chart="cpu"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? "";
    for (const label of ["naive engine", "naive wide", "warden engine", "warden wide"]) expect(cpu).toContain(label);
  });

  test("adds the scaling charts when a sweep ran", async () => {
    const doc = await benchDoc(true);
    const html = renderReport(doc);
    expect(svgIds(html)).toEqual([...CHART_IDS, ...REACTION_CHART_IDS, ...SWEEP_CHART_IDS]);
    expect(chartIdsOf(doc).length).toBe(CHART_IDS.length + REACTION_CHART_IDS.length + SWEEP_CHART_IDS.length);
    expect(checkStaticHtml(html).ok).toBe(true);
  });

  test("is self-contained: no external script, stylesheet or image", async () => {
    const html = renderReport(await benchDoc(true));
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  test("the static check fails a chart without marks and a missing chart", () => {
    const html = `<meta name="warden-charts" content="2"><svg data-chart="a"><circle class="mark"/></svg><svg data-chart="b"></svg>`;
    const check = checkStaticHtml(html);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual(['chart "b" has no data marks']);
    expect(checkStaticHtml(html.replace('content="2"', 'content="3"')).problems).toContain("expected 3 charts, found 2");
  });

  test("the rendered-DOM check needs the browser's render counts", () => {
    const rendered = `<meta name="warden-charts" content="1"><svg data-chart="a" data-rendered-marks="4"></svg>`;
    expect(checkRenderedDom(rendered).ok).toBe(true);
    expect(checkRenderedDom(rendered.replace('"4"', '"0"')).ok).toBe(false);
    expect(checkRenderedDom(rendered.replace(' data-rendered-marks="4"', "")).ok).toBe(false);
  });

  test("renders in headless Chromium with every chart's marks laid out (static check when Chromium is absent)", async () => {
    const html = renderReport(await benchDoc(true));
    const browser = chromiumPath();
    if (browser === undefined) {
      process.stderr.write("report test: no chromium installed; checked the static HTML only\n");
      expect(checkStaticHtml(html).ok).toBe(true);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "warden-report-"));
    try {
      const file = join(dir, "report.html");
      writeFileSync(file, html);
      const check = checkReportInChromium(file, browser);
      expect(check.problems).toEqual([]);
      expect(check.charts.map((c) => c.id)).toEqual([...CHART_IDS, ...REACTION_CHART_IDS, ...SWEEP_CHART_IDS]);
      expect(check.charts.every((c) => c.marks > 0)).toBe(true);
      expect(check.charts.map((c) => [c.id, c.titleFits])).toEqual(check.charts.map((c) => [c.id, true]));
      process.stderr.write(`report test: rendered in ${browser}: ${check.charts.map((c) => `${c.id}=${c.marks}`).join(" ")}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("table", () => {
  test("shows each strategy, the floor, the ratios and every gate with its verdict", async () => {
    const text = renderTable(await benchDoc(false));
    for (const word of ["naive", "ttl", "warden", "floor", "gates:", "PASS  warden.hit-rate-95pct"]) expect(text).toContain(word);
  });
});

describe("chart scales", () => {
  test("a title says log scale exactly when its axis is logarithmic", async () => {
    const html = renderReport(await benchDoc(true));
    const charts = [...html.matchAll(/<svg\b[^>]*data-chart="([^"]+)"[^>]*data-scale="(log|linear)"[^>]*>\s*<text class="chart-title"[^>]*>([^<]*)</g)];
    expect(charts.length).toBe(CHART_IDS.length + REACTION_CHART_IDS.length + SWEEP_CHART_IDS.length);
    for (const [, id, scale, title] of charts) expect({ id, log: title!.includes("log scale") }).toEqual({ id, log: scale === "log" });
    expect(charts.find((c) => c[1] === "cpu")?.[2]).toBe("linear");
  });

  test("zero on a log chart is drawn on the baseline with its own 0 tick, not at 1", () => {
    const svg = lineChart([{ name: "a", values: [0, 1, 10, 100] }], { id: "t", title: "t", yLabel: "n", logY: true });
    const cy = [...svg.matchAll(/<circle[^>]*cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    const baseline = Number(/<line x1="64" x2="[\d.]+" y1="([\d.]+)" y2="\1" stroke="#333"/.exec(svg)?.[1]);
    expect(cy[0]).toBe(baseline);
    expect(cy[1]).toBeLessThan(cy[0]!);
    expect(new Set(cy).size).toBe(4);
    expect(svg).toContain(">0</text>");
  });

  test("values below 1 on a log chart get their decades, not a floor at 1", () => {
    const svg = lineChart([{ name: "a", values: [0.05, 0.5, 5] }], { id: "t", title: "t", yLabel: "n", logY: true });
    const cy = [...svg.matchAll(/<circle[^>]*cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(cy[0]! > cy[1]! && cy[1]! > cy[2]!).toBe(true);
    expect(svg).toContain(">0.01</text>");
  });
});
