/**
 * Inline SVG charts for the HTML report, generated as strings (no library, no script).
 * Every chart is one <svg data-chart="NAME" data-scale="log|linear"> and every plotted datum
 * carries class="mark", which is what scripts/check-report.ts counts in the rendered page.
 * The title says "log scale" exactly when the axis is one (the frame adds it: no title carries
 * it by hand). On a log axis zero is drawn on the baseline, below a break, with its own "0"
 * tick: never at 1.
 */

export interface Series {
  readonly name: string;
  readonly values: readonly (number | null)[];
}

export interface ChartOptions {
  readonly id: string;
  /** Without the scale: the frame appends ", log scale" when logY. */
  readonly title: string;
  readonly yLabel: string;
  readonly xLabels?: readonly string[];
  readonly logY?: boolean;
}

const W = 720;
const H = 300;
const PAD = { left: 64, right: 140, top: 32, bottom: 40 };
export const PALETTE = ["#c0392b", "#d68910", "#1f77b4", "#27ae60", "#8e44ad", "#7f8c8d"];

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Share of a log chart's height below its lowest decade, where zero sits on the baseline. */
const ZERO_BAND = 0.08;

function yScale(max: number, logY: boolean, minPositive = 1): { y: (v: number) => number; ticks: number[] } {
  const h = H - PAD.top - PAD.bottom;
  if (logY) {
    const top = Math.max(1, Math.ceil(Math.log10(Math.max(max, 1))));
    const bottom = Math.min(0, Math.floor(Math.log10(minPositive > 0 && Number.isFinite(minPositive) ? minPositive : 1)));
    const span = top - bottom;
    const band = h * ZERO_BAND;
    const ticks = [0, ...Array.from({ length: span + 1 }, (_, i) => 10 ** (bottom + i))];
    return {
      y: (v) => (v > 0 ? PAD.top + (h - band) - ((Math.log10(v) - bottom) / span) * (h - band) : PAD.top + h),
      ticks,
    };
  }
  const m = niceMax(max);
  return { y: (v) => PAD.top + h - (v / m) * h, ticks: [0, m / 4, m / 2, (3 * m) / 4, m] };
}

export function chartTitle(opts: ChartOptions): string {
  return opts.logY === true ? `${opts.title}, log scale` : opts.title;
}

function frame(opts: ChartOptions, ticks: number[], y: (v: number) => number, body: string, legend: string): string {
  const title = chartTitle(opts);
  const axis = ticks
    .map((t) => {
      const ty = y(t).toFixed(1);
      return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${ty}" y2="${ty}" stroke="#ddd"/><text x="${PAD.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle" font-size="11">${escapeXml(fmtTick(t))}</text>`;
    })
    .join("");
  return (
    `<svg data-chart="${escapeXml(opts.id)}" data-scale="${opts.logY === true ? "log" : "linear"}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(title)}">` +
    `<text class="chart-title" x="${PAD.left}" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>` +
    `<text x="14" y="${H / 2}" font-size="11" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">${escapeXml(opts.yLabel)}</text>` +
    axis +
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#333"/>` +
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#333"/>` +
    body +
    legend +
    `</svg>`
  );
}

function fmtTick(t: number): string {
  if (t >= 10_000) return `${(t / 1000).toFixed(0)}k`;
  if (t > 0 && t < 0.01) return t.toExponential(0);
  return Number.isInteger(t) ? String(t) : String(Number(t.toFixed(2)));
}

function legendOf(names: readonly string[]): string {
  return names
    .map((n, i) => {
      const ly = PAD.top + 10 + i * 18;
      return `<rect x="${W - PAD.right + 12}" y="${ly - 8}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="${W - PAD.right + 30}" y="${ly + 2}" font-size="12">${escapeXml(n)}</text>`;
    })
    .join("");
}

function minPositive(values: Iterable<number | null>): number {
  let m = Number.POSITIVE_INFINITY;
  for (const v of values) if (v !== null && Number.isFinite(v) && v > 0 && v < m) m = v;
  return m;
}

function maxValue(series: readonly Series[]): number {
  let m = 0;
  for (const s of series) for (const v of s.values) if (v !== null && Number.isFinite(v) && v > m) m = v;
  return m;
}

/** One polyline per series, a dot (the mark) per datum. */
export function lineChart(series: readonly Series[], opts: ChartOptions): string {
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const { y, ticks } = yScale(maxValue(series), opts.logY ?? false, minPositive(series.flatMap((s) => s.values)));
  const w = W - PAD.left - PAD.right;
  const x = (i: number): number => PAD.left + (n === 1 ? w / 2 : (i / (n - 1)) * w);
  let body = "";
  series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length];
    const pts: string[] = [];
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      const px = x(i).toFixed(1);
      const py = y(v).toFixed(1);
      pts.push(`${px},${py}`);
      body += `<circle class="mark" data-series="${escapeXml(s.name)}" cx="${px}" cy="${py}" r="2.5" fill="${color}"><title>${escapeXml(s.name)} ${escapeXml(opts.xLabels?.[i] ?? String(i + 1))}: ${v.toFixed(2)}</title></circle>`;
    });
    if (pts.length > 1) body = `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(" ")}"/>` + body;
  });
  const labels = opts.xLabels ?? [];
  const step = Math.max(1, Math.ceil(labels.length / 12));
  labels.forEach((l, i) => {
    if (i % step === 0) body += `<text x="${x(i).toFixed(1)}" y="${H - PAD.bottom + 16}" font-size="11" text-anchor="middle">${escapeXml(l)}</text>`;
  });
  return frame(opts, ticks, y, body, legendOf(series.map((s) => s.name)));
}

/** One bar (the mark) per category. */
export function barChart(bars: readonly { label: string; value: number | null }[], opts: ChartOptions): string {
  const { y, ticks } = yScale(Math.max(0, ...bars.map((b) => b.value ?? 0)), opts.logY ?? false, minPositive(bars.map((b) => b.value)));
  const w = W - PAD.left - PAD.right;
  const slot = w / Math.max(1, bars.length);
  let body = "";
  bars.forEach((b, i) => {
    const x0 = PAD.left + i * slot + slot * 0.2;
    body += `<text x="${(x0 + slot * 0.3).toFixed(1)}" y="${H - PAD.bottom + 16}" font-size="12" text-anchor="middle">${escapeXml(b.label)}</text>`;
    if (b.value === null || !Number.isFinite(b.value)) return;
    const top = y(b.value);
    const h = Math.max(1, H - PAD.bottom - top);
    body += `<rect class="mark" x="${x0.toFixed(1)}" y="${(H - PAD.bottom - h).toFixed(1)}" width="${(slot * 0.6).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}"><title>${escapeXml(b.label)}: ${b.value.toFixed(3)}</title></rect>`;
  });
  return frame(opts, ticks, y, body, "");
}
