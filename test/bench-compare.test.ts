// The pure parts of the keel-vs-etcd benchmark (bench/compare.ts): percentiles, the Markdown
// tables and their keel/etcd ratios, the SVG charts (well-formed, the right series and points),
// the failover figures, the plan's time budget, and the proxy's reading of /proc/net/tcp. The
// benchmark itself is not run here: speed is measured by benchmarks, not tests.
import t from 'tap';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { percentile, requestOf, runLoad } from '../bench/load-generator.ts';
import { closeGenerator, killGenerator, runPoint } from '../bench/compare/generator.ts';
import { latencyFigure, throughputFigure } from '../bench/compare/charts.ts';
import { firstNewTermWriteMs, longestGapMs, medianMax, type FailoverTrial } from '../bench/compare/failover.ts';
import { socketInode } from '../bench/compare/peer-proxy.ts';
import { estimateSeconds, planOf, type PointKey } from '../bench/compare/plan.ts';
import { failoverTable, fmtMs, fmtRatio, latencyTable, markdownReport, membersTable, throughputTable } from '../bench/compare/report.ts';
import { noFsyncLabel, type CompareResults, type Point } from '../bench/compare/results.ts';
import { escapeXml, figureSvg, linearTicks, logTicks } from '../bench/compare/svg.ts';
import { KeelSystem, logTails, type System, type SystemName } from '../bench/compare/systems.ts';

// ---- a well-formedness check for the SVG (no XML parser among the dependencies) -------------

/** Problems that make `xml` not well-formed: unbalanced tags, bad attributes, raw '<' or '&'. */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  const entity = /&(amp|lt|gt|quot|apos|#\d+);/y;
  let i = 0;
  while (i < xml.length) {
    if (xml[i] === '<') {
      tag.lastIndex = i;
      const m = tag.exec(xml);
      if (m === null) {
        problems.push(`malformed tag at ${i}: ${xml.slice(i, i + 40)}`);
        break;
      }
      const [whole, closing, name, attributes, selfClosing] = m;
      for (const a of attributes.matchAll(/="([^"]*)"/g)) {
        if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(a[1])) problems.push(`raw & in an attribute of <${name}>`);
      }
      if (closing === '/') {
        const open = stack.pop();
        if (open !== name) problems.push(`</${name}> closes <${open}>`);
      } else if (selfClosing !== '/') {
        stack.push(name);
      }
      i += whole.length;
    } else if (xml[i] === '&') {
      entity.lastIndex = i;
      const m = entity.exec(xml);
      if (m === null) problems.push(`raw & at ${i}`);
      i += m === null ? 1 : m[0].length;
    } else {
      i++;
    }
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' ')}`);
  return problems;
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;

/** The series groups of an SVG, each with its circles counted. */
function seriesOf(svg: string): Array<{ name: string; points: number }> {
  return [...svg.matchAll(/<g class="series" data-series="([^"]*)">([\s\S]*?)<\/g>/g)].map((m) => ({ name: m[1], points: count(m[2], '<circle ') }));
}

// ---- synthetic results ---------------------------------------------------------------------

function point(system: SystemName, key: PointKey, opsPerSecond: number, p50: number): Point {
  return {
    system,
    ...key,
    seconds: 1.5,
    ops: Math.round(opsPerSecond * 1.5),
    opsPerSecond,
    latencyMs: { p50, p90: p50 * 2, p99: p50 * 4, max: p50 * 8, mean: p50 },
    errors: {},
    errorsTotal: 0,
    warmupErrorsTotal: 0,
    clientCpuSeconds: 0.5,
    members: [1, 2, 3].map((id) => ({ id, role: id === 1 ? ('leader' as const) : ('follower' as const), cpuSeconds: 1, cores: 0.66, peakRssMiB: 100 })),
    term: 2,
    termAfter: 2,
  };
}

const keys: PointKey[] = [
  { op: 'read-linearizable', valueBytes: 256, target: 'leader', concurrency: 1 },
  { op: 'read-linearizable', valueBytes: 256, target: 'leader', concurrency: 16 },
  { op: 'write', valueBytes: 256, target: 'leader', concurrency: 1 },
  { op: 'write', valueBytes: 256, target: 'leader', concurrency: 16 },
  { op: 'write', valueBytes: 256, target: 'all', concurrency: 1 },
  { op: 'write', valueBytes: 256, target: 'all', concurrency: 16 },
  { op: 'write', valueBytes: 1024, target: 'leader', concurrency: 1 },
];

function trial(system: SystemName, fault: FailoverTrial['fault'], n: number, gap: number, first: number | null): FailoverTrial {
  return { system, fault, trial: n, leaderBefore: 1, termBefore: 2, leaderAfter: 2, termAfter: 3, longestGapMs: gap, firstNewTermWriteMs: first, faultMs: 5000, writes: 1000, errorsTotal: 3, errors: {} };
}

function results(noFsync: boolean, withEtcd = true): CompareResults {
  const points = [...(withEtcd ? keys.map((k, i) => point('etcd', k, 1000 + i * 100, 2)) : []), ...keys.map((k, i) => point('keel', k, 2000 + i * 100, 1))];
  return {
    durability: noFsync ? noFsyncLabel : 'fsync on',
    noFsync,
    quick: true,
    date: '2026-01-02',
    machine: { cpus: 2, cpuModel: 'Test CPU <&>', memoryGiB: 4, kernel: '6.0', node: 'v20', tmpdirFs: 'ext4 on /dev/x (/tmp)', loadAverage: [1, 2, 3] },
    versions: { keel: '0.1.0', etcd: withEtcd ? '3.4.23' : null },
    etcdMissing: withEtcd ? null : 'etcd is not installed',
    settings: { heartbeatMs: 100, electionTimeoutMs: 1000, keyspace: 100, warmupMs: 300, warmupMaxMs: 10000, windowMs: 1000, writerConcurrency: 16, writerTimeoutMs: 250, pauseMs: 5000, partitionMs: 5000 },
    points,
    members: [
      ...(withEtcd ? [1, 2, 3].map((id) => ({ system: 'etcd' as const, id, cpuSeconds: 10, peakRssMiB: 100 })) : []),
      ...[1, 2, 3].map((id) => ({ system: 'keel' as const, id, cpuSeconds: 20, peakRssMiB: 50 })),
    ],
    failover: [
      ...(withEtcd ? [trial('etcd', 'kill', 1, 1000, 1100), trial('etcd', 'kill', 2, 3000, 2900), trial('etcd', 'kill', 3, 2000, 2100)] : []),
      trial('keel', 'kill', 1, 1500, 1500),
      trial('keel', 'kill', 2, 500, null),
    ],
  };
}

// ---- the tests -----------------------------------------------------------------------------

t.test('percentile is nearest-rank over an ascending array', async (t) => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  t.equal(percentile(hundred, 50), 50);
  t.equal(percentile(hundred, 90), 90);
  t.equal(percentile(hundred, 99), 99);
  t.equal(percentile(hundred, 100), 100);
  t.equal(percentile(hundred, 0), 1, 'p0 is the smallest');
  t.equal(percentile([7], 99), 7, 'one sample is every percentile');
  t.equal(percentile([], 50), 0, 'no samples: 0');
  t.equal(percentile([1, 2, 3, 4], 50), 2, 'an even count takes the lower middle');
});

t.test('the v3 requests are etcd gateway JSON with base64 keys and values', async (t) => {
  const value = Buffer.from('hello');
  const put = requestOf('v3', 'write', 42, value);
  t.same({ method: put.method, path: put.path }, { method: 'POST', path: '/v3/kv/put' });
  t.same(JSON.parse(String(put.body)), { key: Buffer.from('k0000042').toString('base64'), value: value.toString('base64') });
  t.same(JSON.parse(String(requestOf('v3', 'read-linearizable', 42, value).body)), { key: Buffer.from('k0000042').toString('base64') });
  t.same(JSON.parse(String(requestOf('v3', 'read-serializable', 42, value).body)), { key: Buffer.from('k0000042').toString('base64'), serializable: true });
  t.equal(requestOf('v3', 'failover', 1, value).path, '/v3/kv/put', 'the failover writer writes');
  t.same(requestOf('v1', 'read-serializable', 3, value), { method: 'GET', path: '/v1/kv/k0000003?consistency=serializable' }, 'v1 is unchanged');
});

t.test('ratios, rates and milliseconds are formatted for the tables', async (t) => {
  t.equal(fmtRatio(2, 1), '2.00');
  t.equal(fmtRatio(1, 3), '0.33');
  t.equal(fmtRatio(15, 1), '15.0');
  t.equal(fmtRatio(150, 1), '150');
  t.equal(fmtRatio(0, 5), '0.00', 'keel at zero is a ratio of zero');
  t.equal(fmtRatio(1, 0), '—', 'etcd at zero has no ratio');
  t.equal(fmtRatio(undefined, 1), '—');
  t.equal(fmtRatio(1, null), '—');
  t.equal(fmtMs(0.1234), '0.12');
  t.equal(fmtMs(12.34), '12.3');
  t.equal(fmtMs(1234.5), '1,235');
  t.equal(fmtMs(null), '—');
});

t.test('the Markdown tables put etcd and keel side by side with keel/etcd on every row', async (t) => {
  const r = results(false);
  const throughput = throughputTable(r.points).split('\n');
  t.equal(throughput.length, 2 + keys.length, 'a header, a rule and a row per point');
  t.match(throughput[0], /\| etcd ops\/s \| keel ops\/s \| keel\/etcd \|/);
  t.equal(throughput[2], '| read lin | 256 B | leader | 1 | 1,000 | 2,000 | 2.00 | 0 | 0 |');
  t.equal(throughput[8], '| write | 1 KiB | leader | 1 | 1,600 | 2,600 | 1.63 | 0 | 0 |');
  const latency = latencyTable(r.points).split('\n');
  t.equal(latency.length, 2 + keys.length);
  t.equal(count(latency[0], 'keel/etcd'), 4, 'a ratio for p50, p90, p99 and max');
  t.equal(latency[2], '| read lin | 256 B | leader | 1 | 2.00 | 1.00 | 0.50 | 4.00 | 2.00 | 0.50 | 8.00 | 4.00 | 0.50 | 16.0 | 8.00 | 0.50 |');
  for (const row of throughput) t.equal(count(row, '|'), count(throughput[0], '|'), `as many cells as the header: ${row}`);
  for (const row of latency) t.equal(count(row, '|'), count(latency[0], '|'), `as many cells as the header: ${row}`);
  t.notMatch(throughputTable(r.points), /election/, 'no election, no note');
  const elected = r.points.map((p, i) => (i === keys.length ? { ...p, termAfter: 3 } : p)); // keel's first point
  const marked = throughputTable(elected).split('\n');
  t.equal(marked[2], '| read lin | 256 B | leader | 1 | 1,000 | 2,000 * | 2.00 | 0 | 0 |', 'a point with an election is starred');
  t.equal(marked.at(-1), '\\* a leader election happened during the point (the Raft term changed).');
  const members = membersTable(r.members).split('\n');
  t.equal(members.at(-1), '| all (sum) | 30.0 | 60.0 | 2.00 | 300 | 150 | 0.50 |');
});

t.test('without etcd, the etcd cells and the ratios are dashes', async (t) => {
  const r = results(false, false);
  const row = throughputTable(r.points).split('\n')[2];
  t.equal(row, '| read lin | 256 B | leader | 1 | — | 2,000 | — | — | 0 |');
  t.match(markdownReport(r), /\*\*etcd was not measured\*\*: etcd is not installed/);
});

t.test('failover: longest gap, first new-term write, median and max', async (t) => {
  t.equal(longestGapMs([10, 20, 50, 55], 0, 60), 30, 'between writes');
  t.equal(longestGapMs([10, 20], 0, 100), 80, 'from the last write to the end counts');
  t.equal(longestGapMs([], 0, 100), 100, 'no write at all: the whole window');
  t.equal(longestGapMs([5, 500, 1000], 100, 900), 400, 'writes outside the window are ignored; its start counts as an edge');
  const timeline = { atMs: [100, 200, 300, 400], term: [2, 2, 2, 3] };
  t.equal(firstNewTermWriteMs(timeline, 150, 2), 250);
  t.equal(firstNewTermWriteMs({ atMs: [100, 200], term: [3, 2] }, 150, 2), null, 'a new-term write before the fault does not count');
  t.same(medianMax([3, 1, 2]), { median: 2, max: 3 });
  t.same(medianMax([4, 1, 3, 2]), { median: 2.5, max: 4 });
  t.equal(medianMax([]), null);
  const table = failoverTable(results(false).failover).split('\n');
  t.equal(table.length, 3);
  t.equal(table[2], '| kill | etcd 3, keel 2 (1 without a new-term write) | 2,000 | 3,000 | 1,000 | 1,500 | 0.50 | 2,100 | 2,900 | 1,500 | 1,500 | 0.71 |');
});

t.test('the NO FSYNC mode is labelled in the report and the charts; fsync on is said too', async (t) => {
  const on = results(false);
  const off = results(true);
  t.notMatch(markdownReport(on), /NO FSYNC/);
  t.match(markdownReport(on), /\*\*Durability: fsync on\*\*/);
  t.match(markdownReport(on), /keel 0\.1\.0 \(3 masters\) and etcd 3\.4\.23 \(3 members\)/);
  const report = markdownReport(off);
  t.match(report.split('\n')[0], /NO FSYNC — not durable/, 'in the title');
  for (const section of ['Throughput', 'Latency, ms', 'CPU and peak memory per member', 'Failover']) t.match(report, new RegExp(`## ${section} — NO FSYNC — not durable`), section);
  t.match(throughputFigure(off), /NO FSYNC — not durable/);
  t.match(latencyFigure(off), /NO FSYNC — not durable/);
  t.notMatch(throughputFigure(on), /NO FSYNC/);
});

t.test('figureSvg draws well-formed SVG with one group per series and one circle per point', async (t) => {
  const svg = figureSvg({
    title: 'a <title> & more',
    subtitle: 'sub "quoted"',
    columns: 2,
    panels: [
      { title: 'A & B', xLabel: 'clients', yLabel: 'ops/s', xLog: true, yLog: false, series: [
        { name: 'etcd <leader>', color: '#111', points: [{ x: 1, y: 10 }, { x: 16, y: 100 }, { x: 256, y: 50 }] },
        { name: 'keel', color: '#222', dash: '6 4', points: [{ x: 1, y: 20 }, { x: 16, y: 200 }] },
      ] },
      { title: 'log', xLabel: 'clients', yLabel: 'ms', xLog: true, yLog: true, series: [{ name: 'p99', color: '#333', points: [{ x: 1, y: 0.5 }, { x: 1000, y: 300 }] }] },
      { title: 'empty', xLabel: 'x', yLabel: 'y', xLog: false, yLog: false, series: [{ name: 'nothing', color: '#444', points: [] }] },
    ],
  });
  t.same(xmlProblems(svg), [], 'well-formed');
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.equal(count(svg, '<g class="panel"'), 3);
  t.same(seriesOf(svg), [
    { name: 'etcd &lt;leader&gt;', points: 3 },
    { name: 'keel', points: 2 },
    { name: 'p99', points: 2 },
  ], 'a series without points is not drawn');
  t.equal(count(svg, '<polyline'), 3);
  t.match(svg, /no data/, 'an empty panel says so');
  t.ok(svg.includes('a &lt;title&gt; &amp; more'), 'text is escaped');
  t.notMatch(svg, /NaN|Infinity|undefined/, 'every coordinate is a number');
  t.equal(xmlProblems('<svg><g></svg>').length > 0, true, 'the check itself catches an unbalanced tag');
  t.equal(xmlProblems('<svg>a & b</svg>').length > 0, true, 'and a raw ampersand');
});

t.test('the comparison charts: a panel per operation, four throughput series, six latency series', async (t) => {
  const r = results(false);
  const throughput = throughputFigure(r);
  t.same(xmlProblems(throughput), []);
  // read lin, write 256 B, write 1 KiB
  t.equal(count(throughput, '<g class="panel"'), 3);
  const first = seriesOf(throughput.slice(0, throughput.indexOf('data-title="write 256 B"')));
  t.same(first, [
    { name: 'etcd to leader', points: 2 },
    { name: 'keel to leader', points: 2 },
  ], 'read lin ran to the leader only');
  const writes = seriesOf(throughput.slice(throughput.indexOf('data-title="write 256 B"'), throughput.indexOf('data-title="write 1 KiB"')));
  t.same(writes.map((s) => s.name), ['etcd to leader', 'etcd to all', 'keel to leader', 'keel to all']);
  t.ok(writes.every((s) => s.points === 2));
  const latency = latencyFigure(r);
  t.same(xmlProblems(latency), []);
  t.equal(count(latency, '<g class="panel"'), 6, 'each operation to the leader and to all');
  const writeToAll = latency.slice(latency.indexOf('data-title="write 256 B, to all"'), latency.indexOf('data-title="write 1 KiB, to leader"'));
  t.same(seriesOf(writeToAll).map((s) => s.name), ['etcd p50', 'etcd p90', 'etcd p99', 'keel p50', 'keel p90', 'keel p99']);
});

t.test('axis ticks are round numbers covering the data', async (t) => {
  t.same(linearTicks(9_500), [0, 2000, 4000, 6000, 8000, 10000]);
  t.same(linearTicks(1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  t.same(linearTicks(0), [0, 1]);
  t.same(logTicks(0.5, 300), [0.1, 1, 10, 100, 1000]);
  t.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
});

t.test('the plan: quick is a subset that fits 2 minutes, the full run 10', async (t) => {
  const quick = planOf(true);
  const full = planOf(false);
  const seconds = (plan: typeof quick): number =>
    2 * (5 + plan.points.length * estimateSeconds(plan, { kind: 'point' }) + plan.trials * plan.faults.reduce((s, fault) => s + estimateSeconds(plan, { kind: 'trial', fault }), 0));
  t.ok(seconds(quick) < 120, `quick: about ${seconds(quick).toFixed(0)} s for both systems`);
  t.ok(seconds(full) < 600, `full: about ${seconds(full).toFixed(0)} s for both systems`);
  const sizes = (plan: typeof quick) => [...new Set(plan.points.filter((p) => p.op === 'write').map((p) => p.valueBytes))];
  t.same(sizes(quick), [256]);
  t.same(sizes(full), [256, 1024, 65536]);
  t.same([...new Set(full.points.map((p) => p.concurrency))], [1, 16, 64, 256, 1000]);
  t.equal(full.trials, 5);
  t.ok(quick.trials >= 1 && quick.trials < full.trials);
  t.same(full.faults, ['kill', 'pause', 'partition']);
  for (const plan of [quick, full]) {
    const ops = plan.points.map((p) => p.op);
    t.ok(ops.lastIndexOf('read-serializable') < ops.indexOf('write'), 'reads run before the writes change the values');
    t.same([...new Set(plan.points.map((p) => p.target))], ['leader', 'all']);
  }
});

t.test('the proxy finds a dialling socket\'s inode in /proc/net/tcp', async (t) => {
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1066 1 0000000003cb7106 100 0 0 10 0',
    '   1: 0100007F:9E3A 0100007F:7545 01 00000000:00000000 00:00000000 00000000     0        0 424242 1 0000000032a569e1 20 4 30 10 -1',
    '   2: 0100007F:7545 0100007F:9E3A 01 00000000:00000000 00:00000000 00000000     0        0 434343 1 0000000032a569e1 20 4 30 10 -1',
  ].join('\n');
  t.equal(socketInode(text, 0x9e3a, 30021), '424242', 'the dialling end');
  t.equal(socketInode(text, 30021, 0x9e3a), '434343', 'the accepted end');
  t.equal(socketInode(text, 1234, 30021), null);
});

/**
 * A local server that holds every answer until release() (or answers at once once released).
 * `holdFirst`: whether it holds a connection's first request too (the load generator's
 * connecting request); `firstDelayMs(n)`: how long it holds the first request of its n-th
 * connection before it answers it, when it does not hold it.
 */
async function heldServer(t: { teardown(fn: () => unknown): void }, options: { holdFirst?: boolean; firstDelayMs?: (n: number) => number } = {}) {
  const held: ServerResponse[] = [];
  let released = false;
  let answered = 0;
  let connections = 0;
  const firstAnsweredAt: number[] = [];
  const answer = (res: ServerResponse): void => {
    answered++;
    res.end('{}');
  };
  const server = createServer((req, res) => {
    req.resume();
    const socket = req.socket as typeof req.socket & { requests?: number; n?: number };
    socket.n ??= connections++;
    socket.requests = (socket.requests ?? 0) + 1;
    const first = socket.requests === 1;
    req.on('end', () => {
      if (first && options.holdFirst === false) {
        setTimeout(() => {
          firstAnsweredAt.push(performance.now());
          answer(res);
        }, options.firstDelayMs?.(socket.n!) ?? 0);
        return;
      }
      if (released) answer(res);
      else held.push(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => held.length,
    answered: () => answered,
    connections: () => connections,
    firstAnsweredAt,
    release: () => {
      released = true;
      for (const res of held.splice(0)) answer(res);
    },
  };
}

const until = async (what: () => boolean): Promise<void> => {
  while (!what()) await new Promise((r) => setTimeout(r, 5));
};

t.test('the window opens only once every client has had an answer (up to warmupMaxMs)', async (t) => {
  const server = await heldServer(t);
  let answeredAtOpen = -1;
  let events = '';
  const concurrency = 4;
  const run = runLoad(
    { url: server.url, protocol: 'v3', mode: 'write', concurrency, warmupMs: 10, warmupMaxMs: 60_000, durationMs: 100, keyspace: 10, valueBytes: 16, timeoutMs: 60_000, seed: 1 },
    { onMeasuring: () => ((answeredAtOpen = server.answered()), (events += 'open ')), onMeasured: () => (events += 'closed ') },
  );
  await until(() => server.held() === concurrency);
  await new Promise((r) => setTimeout(r, 50)); // well past warmupMs: still no window, every request is held
  t.equal(events, '', 'no window while the first requests are unanswered');
  server.release();
  const result = await run;
  t.ok(answeredAtOpen >= concurrency, `the window opened after ${answeredAtOpen} answers`);
  t.equal(events, 'open closed ', 'it opened, then closed');
  t.ok(result.ops > 0 && result.errorsTotal === 0, `${result.ops} answers counted in the window`);
});

t.test('without warmupMaxMs the window opens at warmupMs, answered or not (the kv suite\'s way)', async (t) => {
  const server = await heldServer(t, { holdFirst: false });
  let answeredAtOpen = -1;
  const run = runLoad(
    { url: server.url, protocol: 'v3', mode: 'write', concurrency: 2, warmupMs: 10, durationMs: 50, keyspace: 10, valueBytes: 16, timeoutMs: 60_000, seed: 1 },
    { onMeasuring: () => (answeredAtOpen = server.answered()) },
  );
  await until(() => answeredAtOpen !== -1);
  t.equal(answeredAtOpen, 2, 'the window opened with every request after the connecting ones still held');
  server.release();
  await run;
});

t.test('every client connects and has an answer before the warm-up begins, however slow the server is to take connections', async (t) => {
  const concurrency = 8;
  // The first answer on half the connections comes 300 ms late, as from a busy server that
  // accepts one connection per event-loop turn; the window would open at warmupMs (10 ms).
  const server = await heldServer(t, { holdFirst: false, firstDelayMs: (n) => (n % 2 === 1 ? 300 : 0) });
  server.release();
  let openedAt = -1;
  const result = await runLoad(
    { url: server.url, protocol: 'v1', mode: 'read-linearizable', concurrency, warmupMs: 10, durationMs: 50, keyspace: 10, valueBytes: 16, timeoutMs: 5_000, seed: 1 },
    { onMeasuring: () => (openedAt = performance.now()) },
  );
  t.equal(server.connections(), concurrency, 'one connection per client');
  t.equal(server.firstAnsweredAt.length, concurrency);
  t.ok(openedAt >= Math.max(...server.firstAnsweredAt), 'the window opened after the last connecting answer');
  t.ok(result.ops > 0 && result.errorsTotal === 0 && result.warmupErrorsTotal === 0, `${result.ops} answers, no errors`);
});

t.test('the points of a run share one long-lived load generator, which exits when closed', async (t) => {
  const server = await heldServer(t);
  server.release();
  const spec = { url: server.url, protocol: 'v3' as const, mode: 'write' as const, concurrency: 2, warmupMs: 10, durationMs: 100, keyspace: 10, valueBytes: 16, timeoutMs: 10_000, seed: 1 };
  const self = new Map([[1, process.pid]]);
  const first = await runPoint(spec, self);
  // A long warm-up beside a short window: the client's CPU in the warm-up must not be counted.
  const second = await runPoint({ ...spec, mode: 'read-serializable', warmupMs: 1_000 }, self);
  t.ok(first.result.ops > 0 && second.result.ops > 0, `${first.result.ops} and ${second.result.ops} answers`);
  t.equal(second.result.mode, 'read-serializable', 'each point runs its own spec');
  t.ok(second.members.get(1)!.after.cpuTicks >= second.members.get(1)!.before.cpuTicks, 'the members are sampled around the window');
  const generators = await childrenRunning('--serve');
  t.equal(generators.length, 1, 'one generator served both points');
  const windowSeconds = second.result.seconds;
  t.ok(second.result.clientCpuSeconds <= windowSeconds * 1.5 + 0.05, `client CPU ${second.result.clientCpuSeconds} s is counted in the ${windowSeconds} s window alone`);
  await closeGenerator();
  t.same(await childrenRunning('--serve'), [], 'it exits once closed');
  const third = await runPoint(spec, self);
  t.ok(third.result.ops > 0, 'a point after closing starts a new one');
  await closeGenerator();
});

/** Pids of this process's children whose command line has `arg`. */
async function childrenRunning(arg: string): Promise<number[]> {
  const { readdirSync, readFileSync } = await import('node:fs');
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(arg)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

t.test('a failed run prints the last lines of every member\'s log', async (t) => {
  const dir = t.testdir({ 'm1.log': Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n' });
  const system = { name: 'keel', ids: [1, 2], logFile: (id: number) => `${dir}/m${id}.log` } as unknown as System;
  const text = logTails(system, 3);
  t.match(text, /--- keel member 1 \(.*m1\.log\), last 3 lines:\nline 97\nline 98\nline 99\n/, 'the tail of a log');
  t.notMatch(text, /line 96/, 'and no more');
  t.match(text, /--- keel member 2 .*\n\(no log\)/, 'a member without a log says so');
});

t.test("keel's leader() asks for the leader's term again when a status request fails, until its deadline", async (t) => {
  const system = new KeelSystem({ basePort: 30_400, noFsync: false, proxied: false });
  let statusCalls = 0;
  const cluster = system.cluster as unknown as { leader: (ms: number) => Promise<number>; status: (id: number) => Promise<Record<string, unknown>> };
  cluster.leader = async () => 2;
  cluster.status = async () => {
    statusCalls++;
    if (statusCalls === 1) throw Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    return { term: 7 };
  };
  t.same(await system.leader(5_000), { id: 2, term: 7 }, 'a late answer once is not the end of the run');
  t.equal(statusCalls, 2);
  cluster.status = async () => {
    throw new Error('still busy');
  };
  await t.rejects(system.leader(1), /still busy/, 'past the deadline the error stands');
});

t.test('a point whose long-lived generator dies fails with what it was running, and the next point starts a new one', async (t) => {
  const server = await heldServer(t);
  const spec = { url: server.url, protocol: 'v3' as const, mode: 'write' as const, concurrency: 2, warmupMs: 10, durationMs: 100, keyspace: 10, valueBytes: 16, timeoutMs: 60_000, seed: 1 };
  const self = new Map([[1, process.pid]]);
  const point = runPoint(spec, self);
  await until(() => server.held() === 2);
  killGenerator();
  await t.rejects(point, /load generator write c=2 exited with SIGKILL and no result/);
  server.release();
  const next = await runPoint(spec, self);
  t.ok(next.result.ops > 0, 'a new generator ran the next point');
  await closeGenerator();
});
