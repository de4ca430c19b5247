// The comparison's charts: throughput against clients, and latency percentiles against clients,
// one panel per operation (and value size; and target for latency), etcd and keel in each.
import { bytesLabel, opLabel, type Op } from './plan.ts';
import type { CompareResults, Point } from './results.ts';
import { figureSvg, type Panel, type Series } from './svg.ts';
import type { SystemName } from './systems.ts';

const colors: Record<SystemName, string> = { etcd: '#1f77b4', keel: '#e4572e' };
const percentileDash = { p50: undefined, p90: '6 4', p99: '2 3' } as const;

interface Group {
  op: Op;
  valueBytes: number;
  title: string;
}

function groups(points: Point[]): Group[] {
  const seen = new Map<string, Group>();
  for (const p of points) {
    const title = p.op === 'write' ? `write ${bytesLabel(p.valueBytes)}` : opLabel(p.op).replace('lin', 'linearizable').replace('ser', 'serializable');
    if (!seen.has(title)) seen.set(title, { op: p.op, valueBytes: p.valueBytes, title });
  }
  return [...seen.values()];
}

const inGroup = (g: Group) => (p: Point) => p.op === g.op && p.valueBytes === g.valueBytes;

function subtitle(r: CompareResults): string {
  const durability = r.noFsync ? r.durability : 'fsync on';
  return `${r.date}${r.quick ? ', quick run' : ''}; ${durability}; 3 members each on ${r.machine.cpus} × ${r.machine.cpuModel}; ${r.settings.windowMs / 1000} s per point`;
}

export function throughputFigure(r: CompareResults): string {
  const panels: Panel[] = groups(r.points).map((g) => {
    const series: Series[] = [];
    for (const system of ['etcd', 'keel'] as const) {
      for (const target of ['leader', 'all'] as const) {
        const points = r.points.filter(inGroup(g)).filter((p) => p.system === system && p.target === target);
        series.push({ name: `${system} to ${target}`, color: colors[system], dash: target === 'all' ? '6 4' : undefined, points: points.map((p) => ({ x: p.concurrency, y: p.opsPerSecond })) });
      }
    }
    return { title: g.title, xLabel: 'clients', yLabel: 'ops/s', xLog: true, yLog: false, series };
  });
  return figureSvg({ title: `keel vs etcd: throughput against clients${r.noFsync ? ` — ${r.durability}` : ''}`, subtitle: subtitle(r), columns: 2, panels });
}

export function latencyFigure(r: CompareResults): string {
  const panels: Panel[] = [];
  for (const g of groups(r.points)) {
    for (const target of ['leader', 'all'] as const) {
      const series: Series[] = [];
      for (const system of ['etcd', 'keel'] as const) {
        const points = r.points.filter(inGroup(g)).filter((p) => p.system === system && p.target === target);
        for (const q of ['p50', 'p90', 'p99'] as const) {
          series.push({ name: `${system} ${q}`, color: colors[system], dash: percentileDash[q], points: points.map((p) => ({ x: p.concurrency, y: p.latencyMs[q] })) });
        }
      }
      panels.push({ title: `${g.title}, to ${target}`, xLabel: 'clients', yLabel: 'latency, ms (log)', xLog: true, yLog: true, series });
    }
  }
  return figureSvg({ title: `keel vs etcd: latency percentiles against clients${r.noFsync ? ` — ${r.durability}` : ''}`, subtitle: subtitle(r), columns: 2, panels });
}
