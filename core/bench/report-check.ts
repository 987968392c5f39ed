/**
 * Checks that a bench report's charts are there: in the static HTML (every svg[data-chart]
 * holds at least one mark), and in the DOM a browser dumped after rendering it (every chart
 * has a non-zero `data-rendered-marks`, written by the page's own render check after
 * layout, with `data-title-fits` saying whether the title stayed inside the chart). Pure string work; scripts/check-report.ts runs Chromium and calls these.
 */

export interface ChartCount {
  readonly id: string;
  readonly marks: number;
  /** In a rendered DOM: false when the browser laid the chart's title out past its right edge. */
  readonly titleFits?: boolean;
}

export interface ReportCheck {
  readonly ok: boolean;
  readonly expected: number;
  readonly charts: readonly ChartCount[];
  readonly problems: readonly string[];
}

/** How many charts the page says it has (<meta name="warden-charts" content="N">). */
export function expectedCharts(html: string): number | undefined {
  const m = /<meta\s+name="warden-charts"\s+content="(\d+)"/i.exec(html);
  return m ? Number(m[1]) : undefined;
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`, "i").exec(tag);
  return m ? m[1] : undefined;
}

/** Each <svg data-chart> element: its opening tag and its inner markup. */
function svgBlocks(html: string): { tag: string; inner: string }[] {
  const out: { tag: string; inner: string }[] = [];
  const re = /<svg\b[^>]*\bdata-chart="[^"]*"[^>]*>([\s\S]*?)<\/svg>/gi;
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    const tag = m[0].slice(0, m[0].indexOf(">") + 1);
    out.push({ tag, inner: m[1] ?? "" });
  }
  return out;
}

function verdict(expected: number | undefined, charts: ChartCount[]): ReportCheck {
  const problems: string[] = [];
  if (expected === undefined) problems.push('no <meta name="warden-charts"> in the page');
  else if (charts.length !== expected) problems.push(`expected ${expected} charts, found ${charts.length}`);
  if (charts.length === 0) problems.push("no svg[data-chart] in the page");
  for (const c of charts) if (!(c.marks > 0)) problems.push(`chart "${c.id}" has no data marks`);
  for (const c of charts) if (c.titleFits === false) problems.push(`chart "${c.id}": its title is cut off`);
  return { ok: problems.length === 0, expected: expected ?? 0, charts, problems };
}

/** The page as written: marks counted in the markup. */
export function checkStaticHtml(html: string): ReportCheck {
  const charts = svgBlocks(html).map((b) => ({
    id: attr(b.tag, "data-chart") ?? "",
    marks: (b.inner.match(/\bclass="mark"/g) ?? []).length,
  }));
  return verdict(expectedCharts(html), charts);
}

/** The DOM a browser dumped: marks that the browser laid out with a non-zero box. */
export function checkRenderedDom(dom: string): ReportCheck {
  const charts = svgBlocks(dom).map((b) => {
    const rendered = attr(b.tag, "data-rendered-marks");
    const fits = attr(b.tag, "data-title-fits");
    return { id: attr(b.tag, "data-chart") ?? "", marks: rendered === undefined ? Number.NaN : Number(rendered), ...(fits !== undefined ? { titleFits: fits === "1" } : {}) };
  });
  const check = verdict(expectedCharts(dom), charts);
  if (charts.some((c) => Number.isNaN(c.marks))) {
    return { ...check, ok: false, problems: [...check.problems, "the render check did not run (no data-rendered-marks): was the DOM dumped by a browser?"] };
  }
  return check;
}
