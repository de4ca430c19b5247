// The report of a `keel lab run`, from a small synthetic run: three clients on one key, a
// partition of the leader, a new leader in term 2, an unanswered write and a stale read. The
// HTML is read as text: self-contained, well nested, and with the lanes, bands, markers and the
// violation where a person looks for them. Also the command line's parsing and progress line.
import t from 'tap';
import { check, keelModel, loadHistory, type History, type KeelInput, type KeelOutput } from '../lab/lincheck/index.ts';
import type { HistoryOp, NemesisEvent } from '../lab/nemesis/index.ts';
import { lanesOf, parseDuration, parseKinds, progressLine, renderReport, replayCommand, runHelp, runLabRunCommand, timelineOf, type ReportInput } from '../lab/run/index.ts';

const key = 'register';
const op = (process: number, call: number, ret: number | null, rest: Partial<HistoryOp>): HistoryOp =>
  ({ process, type: 'ok', call, return: ret, op: 'get', input: { key }, member: (process % 3) + 1, ...rest }) as HistoryOp;

// Client c talks to member c + 1. m1 leads in term 1 and is cut off at 1000 ms; m2 leads in term
// 2 from 2000 ms on. Client 0 (at m1) reads "0-1" at 2600 ms although "1-1" answered at 2300.
const ops: HistoryOp[] = [
  op(0, 100, 150, { op: 'put', input: { key, value: '0-1' }, output: {} }),
  op(1, 200, 260, { op: 'get', output: { value: '0-1' } }),
  op(2, 300, 380, { op: 'cas', input: { key, expected: null, value: '2-1' }, output: { succeeded: false, current: '0-1' } }),
  op(2, 1100, null, { type: 'info', op: 'put', input: { key, value: '2-2' }, error: 'UND_ERR_HEADERS_TIMEOUT' }),
  op(1, 1200, 1900, { type: 'fail', op: 'get', error: 'KEEL_NO_LEADER' }),
  op(1, 2200, 2300, { op: 'put', input: { key, value: '1-1' }, output: {} }),
  op(0, 2600, 2620, { op: 'get', output: { value: '0-1' } }),
  op(1, 2700, 2750, { op: 'get', output: { value: '1-1' } }),
];

const fault = { kind: 'partition', shape: 'isolate', node: 'leader' } as const;
const events: NemesisEvent[] = [
  { type: 'run', at: 0, seed: 7, kinds: ['partition'], durationMs: 3000, schedule: [{ id: 0, atMs: 1000, durationMs: 1500, fault }] },
  { type: 'status', at: 10, member: 1, role: 'leader', leader: 1, term: 1 },
  { type: 'status', at: 11, member: 2, role: 'follower', leader: 1, term: 1 },
  { type: 'status', at: 12, member: 3, role: 'follower', leader: 1, term: 1 },
  { type: 'fault-start', at: 1000, id: 0, fault, members: [1] },
  { type: 'status', at: 1800, member: 2, role: 'candidate', leader: 0, term: 2 },
  { type: 'status', at: 2000, member: 2, role: 'leader', leader: 2, term: 2 },
  { type: 'status', at: 2010, member: 3, role: 'follower', leader: 2, term: 2 },
  { type: 'fault-end', at: 2500, id: 0, fault, members: [1] },
  { type: 'heal-all', at: 2800 },
  { type: 'status', at: 2900, member: 1, role: 'follower', leader: 2, term: 2 },
  { type: 'healthy', at: 3000, leader: 2, term: 2, appliedIndex: 9 },
];

const run = { seed: 7, kinds: ['partition' as const], durationMs: 3000, clients: 3, workload: 'register' as const, command: replayCommand({ kinds: ['partition'], durationMs: 3000, clients: 3, workload: 'register' }, 7), startedAt: '2025-01-01T00:00:00.000Z', checkTimeoutMs: 60_000 };

function checked(list: HistoryOp[]): ReportInput['check'] {
  const text = list.map((o) => JSON.stringify(o)).join('\n');
  return check(keelModel, loadHistory(text).history as History<KeelInput, KeelOutput>);
}

function report(list: HistoryOp[]): string {
  return renderReport({ run, ops: list, events, check: checked(list), error: null, files: ['history.jsonl', 'events.jsonl', 'm1.log'] });
}

/** Every element closed in order (void elements and `/>` aside): what a browser needs to build the intended tree. */
function nestingProblem(html: string): string | null {
  const voids = new Set(['meta', 'br', 'link', 'img', 'input', 'hr']);
  const body = html.replace(/<!DOCTYPE[^>]*>/i, '').replace(/<script>[^]*?<\/script>/g, '').replace(/<style>[^]*?<\/style>/g, '');
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*?)(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    if (selfClosing === '/' || voids.has(name)) continue;
    if (closing === '') stack.push(name);
    else if (stack.pop() !== name) return `</${name}> closes something else at ${m.index}`;
  }
  return stack.length === 0 ? null : `unclosed: ${stack.join(' > ')}`;
}

/** The main timeline's chart SVG (the first; a violation's zoomed view comes after it in the page). */
function mainChart(html: string): string {
  const start = html.indexOf('<h2>Timeline</h2>');
  const from = html.indexOf('<svg class="chart"', start);
  return html.slice(from, html.indexOf('</svg>', from) + 6);
}

t.test('the timeline: fault bands, each member role, the leader over time, term changes, client lanes', async (t) => {
  const tl = timelineOf(ops, events);
  t.same(tl.members, [1, 2, 3]);
  t.equal(tl.endMs, 3000);
  t.same(tl.faults.map((f) => [f.kind, f.label, f.from, f.to]), [['partition', 'isolate m1 (leader)', 1000, 2500]]);
  t.same(tl.leaders.map((s) => [s.leader, s.term, s.from, s.to]), [[1, 1, 10, 1800], [0, 2, 1800, 2000], [2, 2, 2000, 3000]], 'm1, nobody while m2 campaigns, m2');
  t.same(tl.markers.map((m) => [m.kind, m.at]), [['term', 10], ['term', 1800], ['heal-all', 2800], ['healthy', 3000]]);
  t.same(tl.roles.filter((r) => r.member === 2).map((r) => [r.role, r.from, r.to]), [['follower', 11, 1800], ['candidate', 1800, 2000], ['leader', 2000, 3000]]);
  const lanes = lanesOf(ops, 3);
  t.same(lanes.map((l) => [l.ops.length, l.open.length]), [[2, 0], [4, 0], [1, 1]], 'the info put of client 2 is open, on its own track');
});

t.test('a report of a violation: self-contained, lanes, bands, markers, the culprit and its key', async (t) => {
  const html = report(ops);
  t.ok(html.startsWith('<!DOCTYPE html>'));
  t.equal(nestingProblem(html), null, 'every element closed in order');
  t.notMatch(html, /\s(src|href)="(https?:)?\/\//, 'nothing fetched from elsewhere');
  t.notMatch(html, /@import|url\((?!#)/, 'no stylesheet or image from elsewhere');
  t.match(html, /<script>[^]*data-tip[^]*<\/script>/, 'a few lines of script for the tooltips');
  t.notMatch(html, /<script[^>]+src=/);

  // The summary a person reads first.
  t.match(html, /class="verdict bad">NOT linearizable</);
  t.match(html, /<th>seed<\/th><td>7<\/td>/);
  t.match(html, /<code>npx keel lab run --nemesis partition --duration 3s --clients 3 --workload register --seed 7<\/code>/, 'the command that replays it');
  t.match(html, /8: <span class="swatch ok"><\/span>6 ok · <span class="swatch fail"><\/span>1 failed[^·]*· <span class="swatch info"><\/span>1 unanswered/, 'operations by outcome');
  t.match(html, /1 leader change after the first; terms 1 to 2/);
  t.match(html, /class="legend"/);

  const chart = mainChart(html);
  t.equal(nestingProblem(chart), null);
  t.same([...chart.matchAll(/<g class="lane client" data-client="(\d+)"/g)].map((m) => m[1]), ['0', '1', '2'], 'one lane per client');
  t.equal([...chart.matchAll(/<rect class="op ok/g)].length, 6, 'every ok operation a bar');
  t.equal([...chart.matchAll(/<rect class="op fail/g)].length, 1);
  const open = /<rect class="op info open" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/.exec(chart);
  const width = Number(/<svg class="chart"[^>]* width="(\d+)"/.exec(chart)![1]);
  t.ok(open !== null && Math.abs(Number(open[1]) + Number(open[2]) - width) < 1, 'the unanswered put reaches the end of the chart');
  t.match(chart, /<rect class="band kind-partition" x="[\d.]+" y="\d+" width="[\d.]+" height="\d+"\/>/, 'the partition is a band');
  t.match(chart, />partition: isolate m1 \(leader\)</, 'labelled with its kind and target');
  t.equal([...chart.matchAll(/class="marker term"/g)].length, 2, 'both terms marked');
  t.match(chart, /leader-seg member-1/);
  t.match(chart, /leader-seg member-2/);
  t.match(chart, /leader-seg none/, 'no leader while m2 campaigned');
  t.match(chart, /class="role role-candidate"/);
  t.match(chart, /class="marker heal-all"/);
  t.match(chart, /class="marker healthy"/);

  // The violation: the stale read outlined, pointed at and explained.
  t.equal([...chart.matchAll(/class="op ok culprit"/g)].length, 1, 'the culprit outlined');
  t.match(chart, /cannot be placed \(client 0\)/);
  t.match(html, /<section class="violation">/);
  t.match(html, /The operation that cannot be placed: <b>get &quot;register&quot; → &quot;0-1&quot;<\/b> by client 0 at m1, called at 2.600 s/);
  t.match(html, /A stale read: &quot;0-1&quot; was written by client 0 [^<]*then put &quot;register&quot; = &quot;1-1&quot; by client 1 answered at 2.300 s, before this read was called at 2.600 s/);
  t.match(html, /<tr class="culprit-row t-ok">/, 'its row in the table of the key\'s operations');
  const zoom = html.slice(html.indexOf('<section class="violation">'), html.indexOf('</section>', html.indexOf('<section class="violation">')));
  t.match(zoom, /<svg class="chart"/, 'a zoomed view around it');
  t.match(zoom, /class="culprit-label"[^>]*>get → 0-1</);
});

t.test('a linearizable report has no violation; other keys than the violation\'s are faded', async (t) => {
  const fine = ops.filter((o) => !(o.process === 0 && o.call === 2600));
  const html = report(fine);
  t.equal(nestingProblem(html), null);
  t.match(html, /class="verdict ok">linearizable</);
  t.notMatch(html, /<section class="violation">/);
  t.notMatch(html, /class="op [^"]*culprit|cannot be placed \(/, 'nothing to point at');
  const other = [...ops, op(0, 2650, 2660, { op: 'put', input: { key: 'other', value: '0-9' }, output: {} })];
  t.match(mainChart(report(other)), /class="op ok dim"/, 'the other key faded');
});

t.test('keel lab run: options, replay command, progress line', async (t) => {
  t.equal(parseDuration('30s'), 30_000);
  t.equal(parseDuration('2m'), 120_000);
  t.equal(parseDuration('1500ms'), 1_500);
  t.equal(parseDuration('45'), 45_000, 'plain seconds');
  t.throws(() => parseDuration('soon'), /--duration must look like/);
  t.throws(() => parseDuration('10ms'), /within/);
  t.same(parseKinds('partition, kill,partition'), ['partition', 'kill']);
  t.throws(() => parseKinds('partition,flood'), /unknown fault kind "flood"/);
  t.equal(replayCommand({ kinds: ['kill'], durationMs: 1500, clients: 2, workload: 'multi-key' }, 9), 'npx keel lab run --nemesis kill --duration 1500ms --clients 2 --workload multi-key --seed 9');
  const line = progressLine({ phase: 'running', elapsedMs: 12_345, durationMs: 30_000, stats: { operations: 120, ok: 100, fail: 15, info: 5 }, fault: 'kill: kill m2 (leader)', leader: 3, term: 4 });
  t.equal(line, '[12.3/30 s] ops 120 (ok 100, fail 15, info 5) | fault: kill: kill m2 (leader) | leader m3 term 4');
  t.equal(await quietly(() => runLabRunCommand(['--nemesis', 'flood'])), 2, 'bad usage: exit 2');
  t.equal(await quietly(() => runLabRunCommand(['--clients', '0'])), 2);
  t.equal(await quietly(() => runLabRunCommand(['--help'])), 0);
  t.match(runHelp, /--nemesis K,K/);
  t.match(runHelp, /exit code: 0 linearizable, 1 not linearizable, 2 unknown/);
});

/** Runs a command with console.log and console.error silenced. */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const { log, error } = console;
  console.log = () => {};
  console.error = () => {};
  try {
    return await run();
  } finally {
    Object.assign(console, { log, error });
  }
}
