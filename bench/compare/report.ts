// The comparison as Markdown: etcd and keel side by side, with the ratio keel/etcd on every row.
import { medianMax, type FailoverTrial } from './failover.ts';
import { bytesLabel, opLabel, type Fault, type PointKey } from './plan.ts';
import type { CompareResults, MemberTotal, Point } from './results.ts';
import type { SystemName } from './systems.ts';

/** keel / etcd to two significant figures or so; '—' when either is missing or etcd's is 0. */
export function fmtRatio(keel: number | null | undefined, etcd: number | null | undefined): string {
  if (keel === null || keel === undefined || etcd === null || etcd === undefined || etcd === 0) return '—';
  const ratio = keel / etcd;
  if (ratio >= 100) return ratio.toFixed(0);
  if (ratio >= 10) return ratio.toFixed(1);
  return ratio.toFixed(2);
}

/** Operations per second with thousands separators; '—' when missing. */
export function fmtRate(perSecond: number | null | undefined): string {
  return perSecond === null || perSecond === undefined ? '—' : Math.round(perSecond).toLocaleString('en-US');
}

/** Milliseconds: 3 significant figures below 100, whole above; '—' when missing. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms >= 100) return Math.round(ms).toLocaleString('en-US');
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

const sameKey = (a: PointKey, b: PointKey): boolean =>
  a.op === b.op && a.valueBytes === b.valueBytes && a.target === b.target && a.concurrency === b.concurrency;

/** The rows of the tables: every point key measured, in run order, with each system's point. */
function pairs(points: Point[]): Array<{ key: PointKey; etcd: Point | undefined; keel: Point | undefined }> {
  const keys: PointKey[] = [];
  for (const p of points) if (!keys.some((k) => sameKey(k, p))) keys.push(p);
  const find = (system: SystemName, key: PointKey) => points.find((p) => p.system === system && sameKey(p, key));
  return keys.map((key) => ({ key, etcd: find('etcd', key), keel: find('keel', key) }));
}

function keyCells(key: PointKey): string {
  return `${opLabel(key.op)} | ${bytesLabel(key.valueBytes)} | ${key.target} | ${key.concurrency.toLocaleString('en-US')}`;
}

/** A point's ops/s, marked with * when a leader election happened during it. */
function opsCell(p: Point | undefined): string {
  return p === undefined ? '—' : `${fmtRate(p.opsPerSecond)}${p.termAfter !== p.term ? ' *' : ''}`;
}

export function throughputTable(points: Point[]): string {
  const rows = ['| op | value | to | clients | etcd ops/s | keel ops/s | keel/etcd | etcd errors | keel errors |', '|---|---|---|---:|---:|---:|---:|---:|---:|'];
  for (const { key, etcd, keel } of pairs(points)) {
    rows.push(
      `| ${keyCells(key)} | ${opsCell(etcd)} | ${opsCell(keel)} | ${fmtRatio(keel?.opsPerSecond, etcd?.opsPerSecond)} | ` +
        `${etcd?.errorsTotal ?? '—'} | ${keel?.errorsTotal ?? '—'} |`,
    );
  }
  if (points.some((p) => p.termAfter !== p.term)) rows.push('', '\\* a leader election happened during the point (the Raft term changed).');
  return rows.join('\n');
}

const percentiles = ['p50', 'p90', 'p99', 'max'] as const;

export function latencyTable(points: Point[]): string {
  const head = percentiles.map((p) => `etcd ${p} | keel ${p} | keel/etcd`).join(' | ');
  const rows = [`| op | value | to | clients | ${head} |`, `|---|---|---|---:|${'---:|'.repeat(percentiles.length * 3)}`];
  for (const { key, etcd, keel } of pairs(points)) {
    const cells = percentiles.map((p) => `${fmtMs(etcd?.latencyMs[p])} | ${fmtMs(keel?.latencyMs[p])} | ${fmtRatio(keel?.latencyMs[p], etcd?.latencyMs[p])}`);
    rows.push(`| ${keyCells(key)} | ${cells.join(' | ')} |`);
  }
  return rows.join('\n');
}

export function membersTable(members: MemberTotal[]): string {
  const rows = [
    '| member | etcd CPU s | keel CPU s | keel/etcd | etcd peak RSS MiB | keel peak RSS MiB | keel/etcd |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  const of = (system: SystemName) => members.filter((m) => m.system === system);
  const ids = [...new Set(members.map((m) => m.id))].sort((a, b) => a - b);
  const row = (label: string, etcd: MemberTotal[], keel: MemberTotal[]): string => {
    const sum = (ms: MemberTotal[], f: (m: MemberTotal) => number): number | null => (ms.length === 0 ? null : ms.reduce((s, m) => s + f(m), 0));
    const [ec, kc] = [sum(etcd, (m) => m.cpuSeconds), sum(keel, (m) => m.cpuSeconds)];
    const [er, kr] = [sum(etcd, (m) => m.peakRssMiB), sum(keel, (m) => m.peakRssMiB)];
    const cpu = (v: number | null) => (v === null ? '—' : v.toFixed(1));
    const rss = (v: number | null) => (v === null ? '—' : v.toFixed(0));
    return `| ${label} | ${cpu(ec)} | ${cpu(kc)} | ${fmtRatio(kc, ec)} | ${rss(er)} | ${rss(kr)} | ${fmtRatio(kr, er)} |`;
  };
  for (const id of ids) rows.push(row(String(id), of('etcd').filter((m) => m.id === id), of('keel').filter((m) => m.id === id)));
  rows.push(row('all (sum)', of('etcd'), of('keel')));
  return rows.join('\n');
}

export function failoverTable(trials: FailoverTrial[]): string {
  const rows = [
    '| fault | trials | etcd gap median | etcd gap max | keel gap median | keel gap max | keel/etcd | etcd new-term write median | etcd max | keel median | keel max | keel/etcd |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const faults = [...new Set(trials.map((t) => t.fault))] as Fault[];
  for (const fault of faults) {
    const of = (system: SystemName) => trials.filter((t) => t.system === system && t.fault === fault);
    const gap = (system: SystemName) => medianMax(of(system).map((t) => t.longestGapMs));
    // A trial where no write came in a new term counts as missing, and says so in its count.
    const first = (system: SystemName) => medianMax(of(system).flatMap((t) => (t.firstNewTermWriteMs === null ? [] : [t.firstNewTermWriteMs])));
    const counts = (['etcd', 'keel'] as const).map((s) => {
      const all = of(s).length;
      const missing = of(s).filter((t) => t.firstNewTermWriteMs === null).length;
      return missing > 0 ? `${all} (${missing} without a new-term write)` : String(all);
    });
    const [eg, kg, ef, kf] = [gap('etcd'), gap('keel'), first('etcd'), first('keel')];
    rows.push(
      `| ${fault} | ${counts[0] === counts[1] ? counts[0] : `etcd ${counts[0]}, keel ${counts[1]}`} | ${fmtMs(eg?.median)} | ${fmtMs(eg?.max)} | ${fmtMs(kg?.median)} | ${fmtMs(kg?.max)} | ` +
        `${fmtRatio(kg?.median, eg?.median)} | ${fmtMs(ef?.median)} | ${fmtMs(ef?.max)} | ${fmtMs(kf?.median)} | ${fmtMs(kf?.max)} | ${fmtRatio(kf?.median, ef?.median)} |`,
    );
  }
  return rows.join('\n');
}

function preamble(r: CompareResults): string[] {
  const m = r.machine;
  const durability = r.noFsync ? `**${r.durability}**: both systems ran without fsync (etcd \`--unsafe-no-fsync\`, keel \`unsafeNoFsync\`); a machine crash may lose acknowledged writes.` : '**Durability: fsync on** in both systems.';
  const s = r.settings;
  return [
    `# keel vs etcd: ${r.date}${r.quick ? ' (quick run)' : ''}${r.noFsync ? ` — ${r.durability}` : ''}`,
    '',
    durability,
    '',
    `- Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}; data on ${m.tmpdirFs}; load average before the run ${m.loadAverage.join(' ')}.`,
    `- Systems: keel ${r.versions.keel} (3 masters) and ${r.versions.etcd === null ? 'etcd (not measured)' : `etcd ${r.versions.etcd}`} (3 members) on 127.0.0.1, running side by side and taking turns (each point runs on one, then the other, alternating which goes first); heartbeat ${s.heartbeatMs} ms, election timeout ${s.electionTimeoutMs} ms (randomized up to twice that), PreVote and CheckQuorum on in both.`,
    `- Load: one load generator process, closed-loop clients with one request in flight each on a keep-alive connection of its own (bench/http1.ts), every client connected with one answer before the point begins, speaking etcd's v3 JSON gateway (\`/v3/kv/put\`, \`/v3/kv/range\`) to both; 8-byte keys over ${s.keyspace.toLocaleString('en-US')} keys, written once (256 B) before the reads. Each point: a warm-up of at least ${s.warmupMs} ms that lasts until every client has had an answer (at most ${s.warmupMaxMs / 1000} s), then a ${s.windowMs / 1000} s window.`,
    '- `to leader`: every client talks to the leader; `to all`: client i talks to member i mod 3 (followers forward writes; linearizable reads use ReadIndex on both).',
    '- keel/etcd: above 1 means keel\'s figure is higher (better for throughput; worse for latency, CPU and memory).',
    ...(r.etcdMissing !== null ? ['', `**etcd was not measured**: ${r.etcdMissing}`] : []),
  ];
}

export function markdownReport(r: CompareResults): string {
  const s = r.settings;
  const label = r.noFsync ? ` — ${r.durability}` : '';
  const parts = [
    ...preamble(r),
    '',
    `## Throughput${label}`,
    '',
    throughputTable(r.points),
    '',
    `## Latency, ms${label}`,
    '',
    latencyTable(r.points),
    '',
    `## CPU and peak memory per member${label}`,
    '',
    'CPU seconds (user + system) summed over the fill and every measured window; peak RSS is the highest of the per-window peaks.',
    '',
    membersTable(r.members),
  ];
  if (r.failover.length > 0) {
    parts.push(
      '',
      `## Failover${label}`,
      '',
      `A writer with ${s.writerConcurrency} clients spread over the three members (a client whose request fails or takes over ${s.writerTimeoutMs} ms moves to the next member) while the leader is SIGKILLed and restarted, paused (SIGSTOP for ${s.pauseMs / 1000} s, then SIGCONT), or cut off from its peers by a proxy on every peer link for ${s.partitionMs / 1000} s. ` +
        '*gap*: the longest time with no successful write; *new-term write*: from the fault to the first write answered in a later Raft term (the new leader\'s). Milliseconds.',
      '',
      failoverTable(r.failover),
    );
  }
  return parts.join('\n') + '\n';
}
