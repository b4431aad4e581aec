/** Inline SVG line charts for the HTML report (no scripts, no external assets): linear or log axes, a legend. */

/** One line of a chart. */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  dashed?: boolean;
}

/** Chart settings. */
export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  xLog?: boolean;
  yLog?: boolean;
  /** Axis ranges (default: from the data; [0, 1] is typical for rates). */
  xDomain?: readonly [number, number];
  yDomain?: readonly [number, number];
  /** Draws the y = x diagonal (ROC chance line). */
  diagonal?: boolean;
}

/** Escapes text for HTML and SVG. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f"];
const W = 560;
const H = 340;
const M = { left: 56, right: 16, top: 28, bottom: 44 };

function ticks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      const v = 10 ** e;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
    return out;
  }
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + nice * 1e-9; v += nice) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  if (v === 0) return "0";
  if (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

/** Renders a line chart as an SVG element string. */
export function lineChart(opts: ChartOptions): string {
  const pts = opts.series.flatMap((s) => s.points);
  const pos = (v: number, log: boolean | undefined) => (log ? v > 0 : Number.isFinite(v));
  const xs = pts.map((p) => p[0]).filter((v) => pos(v, opts.xLog));
  const ys = pts.map((p) => p[1]).filter((v) => pos(v, opts.yLog));
  const [x0, x1] = opts.xDomain ?? [Math.min(...xs, opts.xLog ? 1 : 0), Math.max(...xs, opts.xLog ? 10 : 1)];
  const [y0, y1] = opts.yDomain ?? [Math.min(...ys, opts.yLog ? 1 : 0), Math.max(...ys, opts.yLog ? 10 : 1)];
  const tf = (v: number, lo: number, hi: number, log?: boolean) => {
    if (log) return (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo) || 1);
    return (v - lo) / (hi - lo || 1);
  };
  const px = (v: number) => M.left + tf(v, x0, x1, opts.xLog) * (W - M.left - M.right);
  const py = (v: number) => H - M.bottom - tf(v, y0, y1, opts.yLog) * (H - M.top - M.bottom);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(opts.title)}">`,
  );
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${escapeXml(opts.title)}</text>`);
  for (const t of ticks(x0, x1, opts.xLog === true)) {
    const x = px(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${fmt(t)}</text>`);
  }
  for (const t of ticks(y0, y1, opts.yLog === true)) {
    const y = py(t).toFixed(1);
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    parts.push(
      `<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${fmt(t)}</text>`,
    );
  }
  parts.push(
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#999"/>`,
  );
  parts.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeXml(opts.xLabel)}</text>`);
  parts.push(
    `<text x="14" y="${H / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${H / 2})">${escapeXml(opts.yLabel)}</text>`,
  );
  if (opts.diagonal) {
    const lo = Math.max(x0, y0);
    const hi = Math.min(x1, y1);
    parts.push(
      `<line x1="${px(lo).toFixed(1)}" y1="${py(lo).toFixed(1)}" x2="${px(hi).toFixed(1)}" y2="${py(hi).toFixed(1)}" stroke="#aaa" stroke-dasharray="4 4"/>`,
    );
  }
  opts.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length] as string;
    const d = s.points
      .filter((p) => pos(p[0], opts.xLog) && pos(p[1], opts.yLog))
      .map((p, j) => `${j === 0 ? "M" : "L"}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`)
      .join(" ");
    if (d)
      parts.push(
        `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 3"' : ""}/>`,
      );
    const ly = M.top + 14 + i * 15;
    parts.push(
      `<line x1="${W - M.right - 170}" x2="${W - M.right - 150}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${W - M.right - 146}" y="${ly + 4}" font-size="11">${escapeXml(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}
