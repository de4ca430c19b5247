// report.html of a `keel lab run`: one self-contained page (inline SVG and CSS, a few lines of
// plain JavaScript for tooltips, nothing fetched) that a person reads without the code: what ran,
// the verdict and how to replay it, the timeline of faults, leaders and every client's
// operations, and for a violation the operation that cannot be placed with its key's operations
// around it.
import type { CheckResult } from '../lincheck/check.ts';
import type { KeelInput, KeelOutput } from '../lincheck/models/keel.ts';
import type { NemesisEvent } from '../nemesis/events.ts';
import type { FaultKind } from '../nemesis/faults.ts';
import type { HistoryOp } from '../nemesis/history.ts';
import type { WorkloadKind } from '../nemesis/workload.ts';
import { chartPatterns, escapeHtml, renderChart } from './chart.ts';
import { describeOp, describeOutcome, explainViolation, seconds } from './describe.ts';
import { lanesOf, timelineOf, type Timeline } from './timeline.ts';

export interface ReportRun {
  seed: number;
  kinds: FaultKind[];
  /** The schedule's length, ms. */
  durationMs: number;
  clients: number;
  workload: WorkloadKind;
  /** The command that replays the run. */
  command: string;
  /** When it started, ISO 8601. */
  startedAt: string;
  checkTimeoutMs: number;
}

export interface ReportInput {
  run: ReportRun;
  /** The history's operations, in file order (operation i is on line i + 1). */
  ops: HistoryOp[];
  events: NemesisEvent[];
  /** null when the history was not checked. */
  check: CheckResult<KeelInput, KeelOutput> | null;
  /** What went wrong with the run, if anything (the cluster never healed, ...). */
  error: string | null;
  /** Files written next to the report, for links. */
  files: string[];
}

/** Operations of the key listed around a violation's culprit. */
const violationOpsMax = 40;
/** Operations of the key before the culprit that the zoomed view shows. */
const zoomOpsBefore = 12;

export function renderReport(input: ReportInput): string {
  const { run, ops } = input;
  const timeline = timelineOf(ops, input.events);
  const lanes = lanesOf(ops, run.clients);
  const violation = input.check?.violation ?? null;
  const culprit = violation === null ? undefined : ops[violation.culprit.line - 1];
  const key = violation?.key;
  const main = renderChart(timeline, lanes, { clients: run.clients, key, culprit });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>keel lab run · seed ${run.seed} · ${escapeHtml(verdictOf(input).word)}</title>
<style>${css}</style>
</head>
<body>
${chartPatterns()}
${header(input)}
${summary(input, timeline)}
${input.error === null ? '' : `<section class="error"><h2>The run went wrong</h2><pre>${escapeHtml(input.error)}</pre></section>`}
${violation === null || culprit === undefined ? '' : violationSection(input, culprit, timeline)}
<section>
<h2>Timeline</h2>
<p class="help">Time runs left to right, in seconds since the clients started. <b>Faults</b> are shaded bands down the whole chart, labelled with their kind and the member they hit (as resolved when they started: <i>leader</i> or <i>follower</i> then). <b>Leader</b> shows which member led, and the <b>term changes</b> row marks each new term (an election) with a line down the chart. Each member's row shows its role. Below, <b>one lane per client</b>: each bar is one operation from its call to its answer, coloured by outcome; an operation that never got an answer also has a thin hatched bar under its lane reaching to the end, because it may take effect at any time after its call. Hover over anything for details; the chart scrolls sideways.${key !== undefined ? ` Operations on keys other than ${escapeHtml(JSON.stringify(key))} (the key of the violation) are faded.` : ''}</p>
${legend(timeline, culprit !== undefined)}
<div class="timeline"><div class="labels-col">${main.labels}</div><div class="scroll">${main.chart}</div></div>
</section>
${faultTable(timeline)}
${leaderTable(timeline)}
${keyTable(input)}
<div id="tip" hidden></div>
<script>${script}</script>
</body>
</html>
`;
}

interface VerdictText {
  word: string;
  cls: string;
  sentence: string;
}

function verdictOf(input: ReportInput): VerdictText {
  const check = input.check;
  if (check === null) return { word: 'not checked', cls: 'unknown', sentence: 'The history was not checked: the run failed before it could be.' };
  switch (check.verdict) {
    case 'linearizable':
      return { word: 'linearizable', cls: 'ok', sentence: 'Every operation can be given one instant between its call and its answer so that, taken in that order, each returned what a single copy of the data would have returned. Operations without an answer may have taken effect or not, whichever fits.' };
    case 'not-linearizable':
      return { word: 'NOT linearizable', cls: 'bad', sentence: 'No such order exists: some operation returned something no single copy of the data could have returned at any instant between its call and its answer. The violation is shown below.' };
    default:
      return {
        word: 'unknown',
        cls: 'unknown',
        sentence: check.reason === 'timeout' ? `The checker's time limit (${input.run.checkTimeoutMs / 1000} s) ran out before it decided; run \`keel lab check history.jsonl --timeout S\` with more time.` : `The checker stopped before it decided (${check.reason}).`,
      };
  }
}

function header(input: ReportInput): string {
  const v = verdictOf(input);
  return `<header><h1>keel lab run <span class="muted">seed ${input.run.seed}</span> <span class="verdict ${v.cls}">${escapeHtml(v.word)}</span></h1><p class="lead">${escapeHtml(v.sentence)}</p></header>`;
}

const workloadText: Record<WorkloadKind, string> = {
  register: 'register: one key; gets, puts and compare-and-swaps in equal parts',
  'multi-key': 'multi-key: several keys; gets 40%, puts 30%, compare-and-swaps 20%, deletes 10%',
};

function summary(input: ReportInput, timeline: Timeline): string {
  const { run, ops, check } = input;
  const count = (type: string): number => ops.filter((op) => op.type === type).length;
  const lastAt = timeline.endMs;
  const leaders = timeline.leaders.filter((s) => s.leader !== 0);
  const changes = leaders.filter((s, i) => i > 0 && (s.leader !== leaders[i - 1].leader || s.term !== leaders[i - 1].term)).length;
  const terms = timeline.markers.filter((m) => m.kind === 'term').map((m) => m.label.replace('term ', ''));
  const rows: [string, string][] = [
    ['seed', String(run.seed)],
    ['nemesis', `${run.kinds.join(', ')}: ${timeline.faults.length} fault${timeline.faults.length === 1 ? '' : 's'}, one at a time, drawn from the seed`],
    ['duration', `${seconds(run.durationMs)} of faults; the run lasted ${seconds(lastAt)} (the clients went on until the healed cluster had caught up)`],
    ['workload', escapeHtml(workloadText[run.workload])],
    ['clients', `${run.clients}, each sending one operation at a time, always to the same master (its lane says which)`],
    [
      'operations',
      `${ops.length}: <span class="swatch ok"></span>${count('ok')} ok · <span class="swatch fail"></span>${count('fail')} failed (certainly did not take effect) · <span class="swatch info"></span>${count('info')} unanswered (may or may not have taken effect)`,
    ],
    ['leaders', `${changes} leader change${changes === 1 ? '' : 's'} after the first; terms ${terms.length === 0 ? '?' : `${terms[0]} to ${terms.at(-1)}`}`],
    ['verdict', check === null ? 'not checked' : `${escapeHtml(verdictOf(input).word)} (keel model, ${check.partitions.length} key${check.partitions.length === 1 ? '' : 's'}, ${check.steps} search steps in ${(check.elapsedMs / 1000).toFixed(2)} s)`],
    ['replay', `<code>${escapeHtml(run.command)}</code><br><span class="muted">replays the same faults at the same times from the seed; the processes' own timing, and so the exact operations, differ from run to run</span>`],
    ['files', input.files.map((f) => `<a href="${escapeHtml(f)}">${escapeHtml(f)}</a>`).join(' · ')],
    ['started', escapeHtml(run.startedAt)],
  ];
  return `<section class="summary"><table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table></section>`;
}

function violationSection(input: ReportInput, culprit: HistoryOp, timeline: Timeline): string {
  const { run, ops } = input;
  const violation = input.check!.violation!;
  const lineOf = new Map(ops.map((op, i) => [op, i + 1]));
  const prefixAt = new Map(violation.prefix.map((op, i) => [op.line, i + 1]));
  const onKey = ops.filter((op) => op.input.key === violation.key).sort((a, b) => a.call - b.call);
  const before = onKey.filter((op) => op.call <= culprit.call && op !== culprit).slice(-zoomOpsBefore);
  const fromMs = Math.min(culprit.call, ...before.map((op) => op.call));
  const toMs = Math.max(culprit.return ?? culprit.call, ...before.map((op) => op.return ?? 0));
  // Room after the culprit for what overlapped it and for its marker's label.
  const padMs = Math.max(1, (toMs - fromMs) * 0.15);
  const zoom = renderChart(timeline, lanesOf(ops, run.clients), { clients: run.clients, key: violation.key, culprit, fromMs: fromMs - padMs, toMs: toMs + padMs, pxPerSecond: (1100 * 1000) / (toMs - fromMs + 2 * padMs), busyLanesOnly: true, barLabels: true });
  const listed = onKey.filter((op) => op.call <= toMs + padMs && (op.return ?? Infinity) >= fromMs - padMs).slice(-violationOpsMax);
  const rows = listed.map((op) => {
    const at = prefixAt.get(lineOf.get(op)!);
    return `<tr class="${op === culprit ? 'culprit-row' : ''} t-${op.type}"><td>${op.process % run.clients}</td><td>m${op.member}</td><td>${seconds(op.call)}</td><td>${op.return === null ? '—' : seconds(op.return)}</td><td>${escapeHtml(describeOp(op))}</td><td>${escapeHtml(describeOutcome(op))}</td><td>${at === undefined ? '' : `#${at}`}</td><td>${lineOf.get(op)}</td></tr>`;
  });
  return `<section class="violation">
<h2>The violation</h2>
<p>Key <b>${escapeHtml(JSON.stringify(violation.key))}</b>. The operation that cannot be placed: <b>${escapeHtml(describeOp(culprit))}</b> by client ${culprit.process % run.clients} at m${culprit.member}, called at ${seconds(culprit.call)}, answered at ${culprit.return === null ? 'never' : seconds(culprit.return)} (history line ${lineOf.get(culprit)}).</p>
<p class="explain">${escapeHtml(explainViolation(ops, culprit, run.clients))}</p>
<p class="muted">The longest order the checker found that explains every answer in it covers ${violation.prefix.length} of the key's ${onKey.filter((op) => op.type !== 'fail').length} operations and leaves the key holding ${escapeHtml(violation.state === 'nil' ? 'nothing' : violation.state)}; no operation that can come next explains the one above.</p>
<h3>Around it: the key's operations, zoomed in</h3>
<div class="timeline"><div class="labels-col">${zoom.labels}</div><div class="scroll">${zoom.chart}</div></div>
<table class="ops"><thead><tr><th>client</th><th>master</th><th>called</th><th>answered</th><th>operation</th><th>outcome</th><th title="position in the longest linearizable order found">order</th><th>line</th></tr></thead><tbody>${rows.join('')}</tbody></table>
</section>`;
}

function legend(timeline: Timeline, violation: boolean): string {
  const item = (swatch: string, text: string): string => `<span class="item">${swatch}${escapeHtml(text)}</span>`;
  const box = (cls: string): string => `<svg width="22" height="12"><rect class="${cls}" x="0" y="1" width="22" height="10"/></svg>`;
  const kinds = [...new Set(timeline.faults.map((f) => f.kind))];
  return `<div class="legend">
<div>${item(box('op ok'), 'ok: answered, took effect')}${item(box('op fail'), 'failed: certainly did not take effect')}${item(box('op info'), 'no answer: the call')}${item(`<svg width="22" height="12"><rect class="op info open" x="0" y="4" width="22" height="4"/></svg>`, 'no answer: may take effect any time after (to the end)')}${violation ? item(`<svg width="22" height="12"><rect class="op ok culprit" x="8" y="1" width="6" height="10"/></svg>`, 'the operation that cannot be placed') : ''}</div>
<div>${timeline.members.map((m) => item(box(`role role-leader member-${m}`), `m${m} leads`)).join('')}${item(box('role role-follower'), 'follower')}${item(box('role role-candidate'), 'candidate (election)')}${item(box('role role-unreachable'), 'not answering (killed, paused, restarting)')}</div>
<div>${kinds.map((k) => item(box(`fault-head kind-${k}`), `fault: ${k}`)).join('')}${item(`<svg width="22" height="12"><line class="term-line" x1="11" x2="11" y1="0" y2="12"/></svg>`, 'new term')}${item(`<svg width="22" height="12"><line class="heal-line" x1="11" x2="11" y1="0" y2="12"/></svg>`, 'every fault healed / cluster healthy again')}</div>
</div>`;
}

function faultTable(timeline: Timeline): string {
  if (timeline.faults.length === 0) return '<section><h2>Faults</h2><p>None.</p></section>';
  const rows = timeline.faults.map((f) => `<tr><td>${f.id}</td><td><span class="swatch fault-head kind-${f.kind}"></span>${f.kind}</td><td>${seconds(f.from)}</td><td>${seconds(f.to)}</td><td>${escapeHtml(f.text)}</td></tr>`);
  return `<section><h2>Faults</h2><table class="list"><thead><tr><th>#</th><th>kind</th><th>from</th><th>to</th><th>what</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function leaderTable(timeline: Timeline): string {
  const rows = timeline.leaders.map((s) => `<tr><td>${s.leader === 0 ? '<i>none</i>' : `m${s.leader}`}</td><td>${s.term}</td><td>${seconds(s.from)}</td><td>${seconds(s.to)}</td></tr>`);
  return `<section><h2>Leaders</h2><p class="help">As the members reported it, polled every 100 ms: the member leading in the highest term any answering member was in.</p><table class="list"><thead><tr><th>leader</th><th>term</th><th>from</th><th>to</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function keyTable(input: ReportInput): string {
  const check = input.check;
  if (check === null) return '';
  const rows = check.partitions.map((p) => `<tr><td>${escapeHtml(JSON.stringify(p.key))}</td><td>${p.operations}</td><td>${p.indeterminate}</td><td>${p.verdict === 'unknown' ? 'unfinished' : p.verdict}</td></tr>`);
  return `<section><h2>The check, key by key</h2><p class="help">Each key is checked on its own (operations that certainly failed are left out; unanswered ones may be placed anywhere after their call, or nowhere). The check stops at the first key that is not linearizable. Re-check the history with <code>npx keel lab check history.jsonl</code>.</p><table class="list"><thead><tr><th>key</th><th>operations</th><th>unanswered</th><th>verdict</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

// One tooltip element follows the pointer and shows the hovered element's data-tip.
const script = `
const tip = document.getElementById('tip');
document.addEventListener('mousemove', (e) => {
  const el = e.target instanceof Element ? e.target.closest('[data-tip]') : null;
  if (el === null) { tip.hidden = true; return; }
  tip.textContent = el.getAttribute('data-tip');
  tip.hidden = false;
  const x = Math.min(e.pageX + 14, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8);
  tip.style.left = x + 'px';
  tip.style.top = (e.pageY + 14) + 'px';
});
`;

const css = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0 24px 48px; max-width: none; }
h1 { font-size: 22px; margin: 18px 0 4px; } h2 { font-size: 17px; margin: 26px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 3px; } h3 { font-size: 15px; margin: 16px 0 6px; }
.muted { color: #777; font-weight: normal; } .lead { max-width: 1000px; margin: 4px 0 12px; } .help { max-width: 1100px; color: #444; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff; font-size: 16px; vertical-align: 2px; }
.verdict.ok { background: #2e7d32; } .verdict.bad { background: #c62828; } .verdict.unknown { background: #ef8f00; }
.summary table { border-collapse: collapse; } .summary th { text-align: right; padding: 3px 12px 3px 0; color: #555; font-weight: 600; vertical-align: top; white-space: nowrap; } .summary td { padding: 3px 0; }
code { background: #f3f3f3; padding: 1px 5px; border-radius: 3px; font-size: 13px; }
.error pre { background: #fff3f3; border: 1px solid #e99; padding: 8px; white-space: pre-wrap; }
.violation { background: #fff8f7; border: 1px solid #f0c4c0; padding: 4px 14px 12px; border-radius: 6px; } .violation .explain { font-size: 15px; }
table.ops, table.list { border-collapse: collapse; font-size: 13px; margin-top: 8px; } table.ops td, table.ops th, table.list td, table.list th { border-bottom: 1px solid #eee; padding: 2px 10px 2px 0; text-align: left; }
tr.culprit-row { background: #ffe0dc; font-weight: 600; } tr.t-fail td { color: #999; }
.timeline { display: flex; align-items: flex-start; border: 1px solid #ddd; background: #fff; } .labels-col { flex: none; border-right: 1px solid #ddd; background: #fafafa; } .scroll { overflow-x: auto; flex: 1; }
svg text { font: 11px system-ui, sans-serif; } .row-label { text-anchor: end; fill: #333; } .row-client { fill: #555; }
.legend { display: flex; flex-direction: column; gap: 3px; margin: 6px 0 10px; font-size: 12.5px; } .legend .item { margin-right: 16px; white-space: nowrap; } .legend svg { vertical-align: -2px; margin-right: 4px; }
.swatch { display: inline-block; width: 12px; height: 10px; margin: 0 4px 0 6px; vertical-align: -1px; }
.swatch.ok { background: #2e7d32; } .swatch.fail { background: #d84315; } .swatch.info { background: #7b1fa2; }
.stripe { fill: #f7f7f7; } .grid { stroke: #e6e6e6; stroke-width: 1; } .tick { fill: #666; }
.op.ok { fill: #2e7d32; } .op.fail { fill: #d84315; } .op.info { fill: #7b1fa2; } .op.info.open { fill: url(#hatch-info); } .hatch-info { fill: #7b1fa2; }
.op.dim { opacity: 0.15; } .op:hover { stroke: #000; stroke-width: 1; }
.op.culprit { stroke: #000; stroke-width: 2; opacity: 1; }
.culprit-marker line { stroke: #c62828; stroke-width: 1.5; stroke-dasharray: 4 2; } .culprit-marker rect { fill: none; stroke: #c62828; stroke-width: 2; } .culprit-marker text { fill: #c62828; font-weight: 700; }
.bar-label { fill: #fff; font-size: 10px; pointer-events: none; } .culprit-label { fill: #c62828; font-weight: 700; font-size: 10px; }
.band { opacity: 0.13; } .fault-head { opacity: 0.55; } .fault-label { fill: #222; font-weight: 600; }
.kind-partition { fill: #ff9800; background: #ff9800; } .kind-kill { fill: #e53935; background: #e53935; } .kind-pause { fill: #1e88e5; background: #1e88e5; }
.kind-slow-disk { fill: #8d6e63; background: #8d6e63; } .kind-latency { fill: #00897b; background: #00897b; } .kind-drop { fill: #c0ca33; background: #c0ca33; }
.member-1 { fill: #3949ab; } .member-2 { fill: #00897b; } .member-3 { fill: #d81b60; } .member-4 { fill: #6d4c41; } .member-5 { fill: #546e7a; }
.leader-seg.none { fill: #eee; } .seg-label { fill: #fff; font-weight: 600; pointer-events: none; }
.role-follower { fill: #cfd8dc; } .role-candidate { fill: #ffb300; } .role-learner { fill: #b0bec5; } .role-unreachable { fill: url(#hatch-down); } .hatch-down { fill: #757575; }
svg.defs { position: absolute; }
.marker.term line, .term-line { stroke: #455a64; stroke-width: 0.8; stroke-dasharray: 2 3; } .marker.term path { fill: #455a64; } .marker.term text { fill: #455a64; }
.marker.heal-all line, .marker.healthy line, .heal-line { stroke: #2e7d32; stroke-width: 1.2; stroke-dasharray: 6 3; } .marker.heal-all text, .marker.healthy text { fill: #2e7d32; }
#tip { position: absolute; z-index: 10; max-width: 460px; background: #fff; border: 1px solid #999; box-shadow: 0 2px 6px rgba(0,0,0,.2); padding: 6px 8px; font: 12px/1.4 ui-monospace, monospace; white-space: pre-wrap; pointer-events: none; }
`;
