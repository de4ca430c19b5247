// Small line charts as standalone SVG: a figure of panels in a grid under one title and one
// legend. Each series is a <g class="series" data-series="NAME"> holding a polyline and one
// circle per point, so a test (or a reader of the file) can count what was drawn.

export interface SeriesStyle {
  color: string;
  /** stroke-dasharray, e.g. '6 4'; solid when absent. */
  dash?: string;
}

export interface Series extends SeriesStyle {
  name: string;
  points: Array<{ x: number; y: number }>;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog: boolean;
  yLog: boolean;
  series: Series[];
}

export interface Figure {
  title: string;
  /** A second line under the title (e.g. the durability label). */
  subtitle?: string;
  columns: number;
  panels: Panel[];
}

const panelWidth = 440;
const panelHeight = 270;
const margin = { left: 64, right: 16, top: 28, bottom: 44 };
const headerHeight = 64;
const legendRowHeight = 20;
const legendItemWidth = 190;
const font = 'font-family="sans-serif"';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A number short enough for an axis: 1.2k, 35, 0.5, 2M. */
export function tickLabel(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${+(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${+(value / 1e3).toPrecision(3)}k`;
  if (abs >= 1 || value === 0) return String(+value.toPrecision(4));
  return String(+value.toPrecision(2));
}

/** Round ticks from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten. */
export function linearTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

/** Powers of ten from below `min` to above `max`. */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-9)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1e-9))));
  return Array.from({ length: hi - lo + 1 }, (_, i) => +(10 ** (lo + i)).toPrecision(12));
}

interface Scale {
  ticks: number[];
  at(value: number): number;
}

function scale(values: number[], log: boolean, from: number, to: number, fixedTicks?: number[]): Scale {
  const positive = values.filter((v) => v > 0);
  if (log) {
    const ticks = fixedTicks ?? logTicks(Math.min(...positive, 1), Math.max(...positive, 1));
    const [lo, hi] = [Math.log10(Math.min(...ticks)), Math.log10(Math.max(...ticks))];
    const span = hi - lo || 1;
    return { ticks, at: (v) => from + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / span) * (to - from) };
  }
  const ticks = fixedTicks ?? linearTicks(Math.max(...values, 0));
  const [lo, hi] = [Math.min(...ticks), Math.max(...ticks)];
  const span = hi - lo || 1;
  return { ticks, at: (v) => from + ((v - lo) / span) * (to - from) };
}

const num = (v: number): string => (Math.round(v * 10) / 10).toString();

function panelSvg(panel: Panel, left: number, top: number): string {
  const series = panel.series.filter((s) => s.points.length > 0);
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const plot = { x0: left + margin.left, x1: left + panelWidth - margin.right, y0: top + panelHeight - margin.bottom, y1: top + margin.top };
  const out: string[] = [`<g class="panel" data-title="${escapeXml(panel.title)}">`];
  out.push(`<text x="${num((plot.x0 + plot.x1) / 2)}" y="${num(top + 18)}" text-anchor="middle" font-size="13" font-weight="bold" ${font}>${escapeXml(panel.title)}</text>`);
  out.push(`<rect x="${num(plot.x0)}" y="${num(plot.y1)}" width="${num(plot.x1 - plot.x0)}" height="${num(plot.y0 - plot.y1)}" fill="none" stroke="#999"/>`);
  if (series.length === 0) {
    out.push(`<text x="${num((plot.x0 + plot.x1) / 2)}" y="${num((plot.y0 + plot.y1) / 2)}" text-anchor="middle" font-size="12" fill="#666" ${font}>no data</text>`, '</g>');
    return out.join('\n');
  }
  // The x axis of these charts is concurrency: tick exactly the values measured.
  const x = scale(xs, panel.xLog, plot.x0, plot.x1, [...new Set(xs)].sort((a, b) => a - b));
  const y = scale(ys, panel.yLog, plot.y0, plot.y1);
  for (const t of x.ticks) {
    out.push(`<line x1="${num(x.at(t))}" y1="${num(plot.y0)}" x2="${num(x.at(t))}" y2="${num(plot.y0 + 4)}" stroke="#999"/>`);
    out.push(`<text x="${num(x.at(t))}" y="${num(plot.y0 + 16)}" text-anchor="middle" font-size="11" ${font}>${escapeXml(tickLabel(t))}</text>`);
  }
  for (const t of y.ticks) {
    out.push(`<line x1="${num(plot.x0)}" y1="${num(y.at(t))}" x2="${num(plot.x1)}" y2="${num(y.at(t))}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${num(plot.x0 - 6)}" y="${num(y.at(t) + 4)}" text-anchor="end" font-size="11" ${font}>${escapeXml(tickLabel(t))}</text>`);
  }
  out.push(`<text x="${num((plot.x0 + plot.x1) / 2)}" y="${num(plot.y0 + 34)}" text-anchor="middle" font-size="12" ${font}>${escapeXml(panel.xLabel)}</text>`);
  const yMid = (plot.y0 + plot.y1) / 2;
  out.push(`<text x="${num(left + 14)}" y="${num(yMid)}" text-anchor="middle" font-size="12" transform="rotate(-90 ${num(left + 14)} ${num(yMid)})" ${font}>${escapeXml(panel.yLabel)}</text>`);
  for (const s of series) {
    const dash = s.dash !== undefined ? ` stroke-dasharray="${escapeXml(s.dash)}"` : '';
    const points = [...s.points].sort((a, b) => a.x - b.x);
    out.push(`<g class="series" data-series="${escapeXml(s.name)}">`);
    out.push(`<polyline fill="none" stroke="${escapeXml(s.color)}" stroke-width="2"${dash} points="${points.map((p) => `${num(x.at(p.x))},${num(y.at(p.y))}`).join(' ')}"/>`);
    for (const p of points) {
      out.push(`<circle cx="${num(x.at(p.x))}" cy="${num(y.at(p.y))}" r="3" fill="${escapeXml(s.color)}"><title>${escapeXml(`${s.name}: ${tickLabel(p.x)} → ${tickLabel(p.y)}`)}</title></circle>`);
    }
    out.push('</g>');
  }
  out.push('</g>');
  return out.join('\n');
}

function legendSvg(panels: Panel[], width: number, top: number): { svg: string; height: number } {
  const styles = new Map<string, SeriesStyle>();
  for (const p of panels) for (const s of p.series) if (s.points.length > 0 && !styles.has(s.name)) styles.set(s.name, s);
  const perRow = Math.max(1, Math.floor((width - 20) / legendItemWidth));
  const out: string[] = ['<g class="legend">'];
  [...styles].forEach(([name, style], i) => {
    const x = 20 + (i % perRow) * legendItemWidth;
    const y = top + Math.floor(i / perRow) * legendRowHeight + 10;
    const dash = style.dash !== undefined ? ` stroke-dasharray="${escapeXml(style.dash)}"` : '';
    out.push(`<line x1="${x}" y1="${y}" x2="${x + 28}" y2="${y}" stroke="${escapeXml(style.color)}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${x + 34}" y="${y + 4}" font-size="12" ${font}>${escapeXml(name)}</text>`);
  });
  out.push('</g>');
  return { svg: out.join('\n'), height: Math.ceil(styles.size / perRow) * legendRowHeight + 8 };
}

export function figureSvg(figure: Figure): string {
  const columns = Math.max(1, Math.min(figure.columns, figure.panels.length));
  const rows = Math.ceil(figure.panels.length / columns);
  const width = columns * panelWidth;
  const legend = legendSvg(figure.panels, width, headerHeight - 16);
  const panelsTop = headerHeight - 16 + legend.height;
  const height = panelsTop + rows * panelHeight + 8;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="20" y="24" font-size="16" font-weight="bold" ${font}>${escapeXml(figure.title)}</text>`,
  ];
  if (figure.subtitle !== undefined) out.push(`<text x="20" y="42" font-size="12" fill="#444" ${font}>${escapeXml(figure.subtitle)}</text>`);
  out.push(legend.svg);
  figure.panels.forEach((panel, i) => out.push(panelSvg(panel, (i % columns) * panelWidth, panelsTop + Math.floor(i / columns) * panelHeight)));
  out.push('</svg>');
  return out.join('\n') + '\n';
}
