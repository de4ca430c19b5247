// The report's timeline as inline SVG: time runs left to right; from the top, the time axis,
// the faults (each also a shaded band down the whole chart), the cluster's leader and the term
// changes, each member's role, then one lane per client with its operations as bars coloured by
// outcome. An indeterminate operation gets a thin hatched bar of its own under its client's lane,
// from its call to the end of the chart: it may take effect at any time after its call.
//
// Two SVGs share the rows: the row names (fixed) and the chart (which scrolls sideways).
import type { HistoryOp } from '../nemesis/history.ts';
import { opTip, seconds } from './describe.ts';
import { openTracksMax, type Lane, type Timeline } from './timeline.ts';

export interface ChartOptions {
  /** Shown time window, ms. Default [0, timeline.endMs]. */
  fromMs?: number;
  toMs?: number;
  /** Pixels per second of the chart. Default: 80, and at least what fills 900 px. */
  pxPerSecond?: number;
  clients: number;
  /** Operations on other keys are drawn faded. */
  key?: string;
  /** Drawn outlined and pointed at. */
  culprit?: HistoryOp;
  /** Only the lanes with an operation in the window (the zoomed view of a violation). */
  busyLanesOnly?: boolean;
  /** Writes the operation's text inside its bar when it fits (the zoomed view). */
  barLabels?: boolean;
}

interface Row {
  kind: 'axis' | 'faults' | 'leader' | 'terms' | 'member' | 'gap' | 'client';
  label: string;
  tip?: string;
  y: number;
  height: number;
  member?: number;
  lane?: Lane;
}

const rowHeights = { axis: 22, faults: 20, leader: 18, terms: 16, member: 12, gap: 10, client: 16 };
const openTrackPx = 4;
const labelWidthPx = 150;
const chartWidthPxMin = 900;
const chartWidthPxMax = 12_000;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderChart(timeline: Timeline, lanes: Lane[], options: ChartOptions): { labels: string; chart: string } {
  const from = options.fromMs ?? 0;
  const to = options.toMs ?? timeline.endMs;
  const spanMs = Math.max(1, to - from);
  const pxPerSecond = options.pxPerSecond ?? Math.max(80, (chartWidthPxMin * 1000) / spanMs);
  const width = Math.min(chartWidthPxMax, Math.max(chartWidthPxMin, Math.round((spanMs / 1000) * pxPerSecond)));
  const x = (ms: number): number => Math.round((((Math.min(Math.max(ms, from), to) - from) / spanMs) * width) * 10) / 10;
  const shown = options.busyLanesOnly ? lanes.filter((lane) => [...lane.ops, ...lane.open].some((op) => inWindow(op, from, to) && (options.key === undefined || op.input.key === options.key))) : lanes;
  const rows = layout(timeline, shown);
  const height = rows.at(-1)!.y + rows.at(-1)!.height + 4;
  const top = rows.find((r) => r.kind === 'faults')!.y;
  const ctx: Ctx = { x, from, to, width, height, top, options, timeline };
  const chart = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...rows.filter((r) => r.kind === 'client' && r.lane!.client % 2 === 1).map((r) => `<rect class="stripe" x="0" y="${r.y}" width="${width}" height="${r.height}"/>`),
    axis(ctx, rows.find((r) => r.kind === 'axis')!),
    faultBands(ctx),
    leaderRow(ctx, rows.find((r) => r.kind === 'leader')!),
    termsRow(ctx, rows.find((r) => r.kind === 'terms')!),
    ...rows.filter((r) => r.kind === 'member').map((r) => memberRow(ctx, r)),
    ...rows.filter((r) => r.kind === 'client').map((r) => clientLane(ctx, r)),
    markers(ctx, rows),
    '</svg>',
  ].join('\n');
  const labels = [
    `<svg class="labels" xmlns="http://www.w3.org/2000/svg" width="${labelWidthPx}" height="${height}" viewBox="0 0 ${labelWidthPx} ${height}">`,
    ...rows
      .filter((r) => r.kind !== 'gap')
      .map((r) => `<text class="row-label row-${r.kind}" x="${labelWidthPx - 6}" y="${r.y + Math.min(r.height, 16) / 2 + 4}"${r.tip ? ` data-tip="${escapeHtml(r.tip)}"` : ''}>${escapeHtml(r.label)}</text>`),
    '</svg>',
  ].join('\n');
  return { labels, chart };
}

interface Ctx {
  x(ms: number): number;
  from: number;
  to: number;
  width: number;
  height: number;
  /** Where the bands start: the top of the faults row. */
  top: number;
  options: ChartOptions;
  timeline: Timeline;
}

function inWindow(op: HistoryOp, from: number, to: number): boolean {
  return op.call <= to && (op.return ?? Infinity) >= from;
}

function layout(timeline: Timeline, lanes: Lane[]): Row[] {
  const rows: Row[] = [];
  let y = 0;
  const add = (row: Omit<Row, 'y'>): void => {
    rows.push({ ...row, y });
    y += row.height;
  };
  add({ kind: 'axis', label: 'time (s)', height: rowHeights.axis });
  add({ kind: 'faults', label: 'faults', tip: 'the nemesis: each fault is a shaded band from its start to its end', height: rowHeights.faults });
  add({ kind: 'leader', label: 'leader', tip: 'the member leading in the highest term any member reported; blank: no leader', height: rowHeights.leader });
  add({ kind: 'terms', label: 'term changes', tip: 'a new Raft term began (an election)', height: rowHeights.terms });
  for (const member of timeline.members) add({ kind: 'member', label: `m${member} role`, tip: `member ${member}'s role as it reported it every 100 ms`, member, height: rowHeights.member });
  add({ kind: 'gap', label: '', height: rowHeights.gap });
  for (const lane of lanes) {
    const member = [...lane.ops, ...lane.open][0]?.member;
    const tracks = Math.min(lane.open.length, openTracksMax);
    const tip = `client ${lane.client}: its operations one after another${member === undefined ? '' : `, all sent to m${member}`}; ${lane.open.length} never answered`;
    add({ kind: 'client', label: `client ${lane.client}${member === undefined ? '' : ` → m${member}`}`, tip, lane, height: rowHeights.client + tracks * openTrackPx + 2 });
  }
  return rows;
}

/** The hatch patterns the charts and the legend fill with: once per page (ids are page-wide). */
export function chartPatterns(): string {
  return `<svg class="defs" width="0" height="0" aria-hidden="true"><defs><pattern id="hatch-info" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2" height="4" class="hatch-info"/></pattern><pattern id="hatch-down" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2" height="6" class="hatch-down"/></pattern></defs></svg>`;
}

function axis(ctx: Ctx, row: Row): string {
  const spanS = (ctx.to - ctx.from) / 1000;
  const steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60];
  const step = steps.find((s) => (s / spanS) * ctx.width >= 70) ?? 60;
  const out: string[] = [`<g class="axis">`];
  for (let t = Math.ceil(ctx.from / 1000 / step) * step; t * 1000 <= ctx.to; t += step) {
    const px = ctx.x(t * 1000);
    out.push(`<line class="grid" x1="${px}" x2="${px}" y1="${row.y + 14}" y2="${ctx.height}"/>`);
    out.push(`<text class="tick" x="${px + 2}" y="${row.y + 12}">${Number(t.toFixed(2))} s</text>`);
  }
  out.push('</g>');
  return out.join('');
}

function faultBands(ctx: Ctx): string {
  const out: string[] = [];
  for (const band of ctx.timeline.faults) {
    if (band.to < ctx.from || band.from > ctx.to) continue;
    const x1 = ctx.x(band.from);
    const w = Math.max(1, ctx.x(band.to) - x1);
    const tip = `fault ${band.id}: ${band.text}\nfrom ${seconds(band.from)} to ${seconds(band.to)}`;
    out.push(`<g class="fault kind-${band.kind}" data-fault="${band.id}" data-tip="${escapeHtml(tip)}">`);
    out.push(`<rect class="band kind-${band.kind}" x="${x1}" y="${ctx.top}" width="${w}" height="${ctx.height - ctx.top}"/>`);
    out.push(`<rect class="fault-head kind-${band.kind}" x="${x1}" y="${ctx.top + 1}" width="${w}" height="${rowHeights.faults - 2}"/>`);
    out.push(`<text class="fault-label" x="${x1 + 3}" y="${ctx.top + 14}">${escapeHtml(`${band.kind}: ${band.label}`)}</text>`);
    out.push('</g>');
  }
  return out.join('\n');
}

function leaderRow(ctx: Ctx, row: Row): string {
  const out: string[] = ['<g class="leaders">'];
  for (const s of ctx.timeline.leaders) {
    if (s.to < ctx.from || s.from > ctx.to) continue;
    const x1 = ctx.x(s.from);
    const w = Math.max(0.5, ctx.x(s.to) - x1);
    const text = s.leader === 0 ? `no leader (term ${s.term})` : `m${s.leader} leads, term ${s.term}`;
    const cls = s.leader === 0 ? 'none' : `member-${s.leader}`;
    out.push(`<rect class="leader-seg ${cls}" x="${x1}" y="${row.y + 2}" width="${w}" height="${row.height - 4}" data-tip="${escapeHtml(`${text}\nfrom ${seconds(s.from)} to ${seconds(s.to)}`)}"/>`);
    if (s.leader !== 0 && w > 60) out.push(`<text class="seg-label" x="${x1 + 3}" y="${row.y + row.height - 5}">${escapeHtml(text)}</text>`);
  }
  out.push('</g>');
  return out.join('\n');
}

function termsRow(ctx: Ctx, row: Row): string {
  const out: string[] = ['<g class="terms">'];
  for (const m of ctx.timeline.markers) {
    if (m.kind !== 'term' || m.at < ctx.from || m.at > ctx.to) continue;
    const px = ctx.x(m.at);
    const leaderAfter = ctx.timeline.leaders.find((s) => s.from >= m.at && s.leader !== 0);
    const tip = `${m.label} began at ${seconds(m.at)}${leaderAfter ? `; m${leaderAfter.leader} led it from ${seconds(leaderAfter.from)}` : ''}`;
    out.push(`<g class="marker term" data-tip="${escapeHtml(tip)}"><line x1="${px}" x2="${px}" y1="${row.y}" y2="${ctx.height}"/><path d="M${px - 4},${row.y + 2} L${px + 4},${row.y + 2} L${px},${row.y + 8} Z"/><text x="${px + 5}" y="${row.y + 11}">${escapeHtml(m.label)}</text></g>`);
  }
  out.push('</g>');
  return out.join('\n');
}

function memberRow(ctx: Ctx, row: Row): string {
  const out: string[] = [`<g class="member-roles" data-member="${row.member}">`];
  for (const s of ctx.timeline.roles) {
    if (s.member !== row.member || s.to < ctx.from || s.from > ctx.to) continue;
    const x1 = ctx.x(s.from);
    const w = Math.max(0.5, ctx.x(s.to) - x1);
    const what = s.role === 'unreachable' ? 'not answering (killed, paused or restarting)' : `${s.role} in term ${s.term}`;
    out.push(`<rect class="role role-${s.role}${s.role === 'leader' ? ` member-${s.member}` : ''}" x="${x1}" y="${row.y + 1}" width="${w}" height="${row.height - 2}" data-tip="${escapeHtml(`m${s.member}: ${what}\nfrom ${seconds(s.from)} to ${seconds(s.to)}`)}"/>`);
  }
  out.push('</g>');
  return out.join('\n');
}

function clientLane(ctx: Ctx, row: Row): string {
  const lane = row.lane!;
  const { options } = ctx;
  const out: string[] = [`<g class="lane client" data-client="${lane.client}">`];
  const barY = row.y + 2;
  const barH = rowHeights.client - 4;
  /** Drawn over the lane's bars. */
  const last: string[] = [];
  for (const op of lane.ops) {
    if (!inWindow(op, ctx.from, ctx.to)) continue;
    const x1 = ctx.x(op.call);
    const w = Math.max(1, ctx.x(op.return!) - x1);
    out.push(opRect(ctx, op, x1, barY, w, barH));
    if (options.barLabels && op === options.culprit) last.push(`<text class="culprit-label" x="${x1 + w + 5}" y="${barY + barH - 2}">${escapeHtml(barText(op, 400))}</text>`);
    else if (options.barLabels && w > 40) out.push(`<text class="bar-label" x="${x1 + 2}" y="${barY + barH - 2}">${escapeHtml(barText(op, w))}</text>`);
  }
  lane.open.forEach((op, i) => {
    if (!inWindow(op, ctx.from, ctx.to)) return;
    const y = row.y + rowHeights.client + Math.min(i, openTracksMax - 1) * openTrackPx;
    const x1 = ctx.x(op.call);
    // The call itself, in the lane, as wide as the client waited; then the open track to the end.
    out.push(opRect(ctx, op, x1, barY, 2, barH));
    out.push(opRect(ctx, op, x1, y, Math.max(1, ctx.x(ctx.to) - x1), openTrackPx - 1, 'open'));
  });
  out.push(...last, '</g>');
  return out.join('\n');
}

function opRect(ctx: Ctx, op: HistoryOp, x: number, y: number, w: number, h: number, extra = ''): string {
  const { key, culprit, clients } = ctx.options;
  const classes = ['op', op.type, extra, key !== undefined && op.input.key !== key ? 'dim' : '', op === culprit ? 'culprit' : ''].filter((c) => c !== '');
  return `<rect class="${classes.join(' ')}" x="${x}" y="${y}" width="${Math.round(w * 10) / 10}" height="${h}" data-tip="${escapeHtml(opTip(op, clients))}"/>`;
}

function barText(op: HistoryOp, widthPx: number): string {
  const value = op.op === 'get' ? `get → ${op.output?.value ?? '∅'}` : op.op === 'put' ? `put ${(op.input as { value: string }).value}` : op.op === 'cas' ? `cas →${(op.input as { value: string }).value}${op.output?.succeeded ? ' ✓' : op.output ? ' ✗' : ''}` : 'delete';
  const chars = Math.floor(widthPx / 6);
  return value.length <= chars ? value : `${value.slice(0, Math.max(1, chars - 1))}…`;
}

function markers(ctx: Ctx, rows: Row[]): string {
  const out: string[] = [];
  for (const m of ctx.timeline.markers) {
    if (m.kind === 'term' || m.at < ctx.from || m.at > ctx.to) continue;
    const px = ctx.x(m.at);
    out.push(`<g class="marker ${m.kind}" data-tip="${escapeHtml(`${m.label} (${seconds(m.at)})`)}"><line x1="${px}" x2="${px}" y1="${ctx.top}" y2="${ctx.height}"/><text x="${px + 3}" y="${ctx.top + 14}">${m.kind === 'healthy' ? 'healthy' : 'healed'}</text></g>`);
  }
  const culprit = ctx.options.culprit;
  const row = culprit === undefined ? undefined : rows.find((r) => r.lane !== undefined && r.lane.client === culprit.process % ctx.options.clients);
  if (culprit !== undefined && row !== undefined && inWindow(culprit, ctx.from, ctx.to)) {
    // From the terms row down to the culprit's bar: a person finds the one op among thousands.
    const px = ctx.x(culprit.call);
    const y1 = rows.find((r) => r.kind === 'terms')!.y;
    const tip = `the operation that cannot be placed:\n${opTip(culprit, ctx.options.clients)}`;
    out.push(`<g class="marker culprit-marker" data-tip="${escapeHtml(tip)}"><line x1="${px}" x2="${px}" y1="${y1 + 12}" y2="${row.y}"/><rect x="${px - 3}" y="${row.y}" width="${Math.max(6, ctx.x(culprit.return ?? ctx.to) - px + 6)}" height="${rowHeights.client}"/><text x="${px > ctx.width - 220 ? px - 4 : px + 4}" y="${y1 + 11}"${px > ctx.width - 220 ? ' text-anchor="end"' : ''}>▼ cannot be placed (client ${row.lane!.client})</text></g>`);
  }
  return out.join('\n');
}
