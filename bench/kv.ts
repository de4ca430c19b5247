// The replicated store under load: writes/s and latency percentiles through the leader and
// through a follower (forwarded), linearizable (ReadIndex) and serializable reads/s from both,
// at 1, 16, 64 and 256 closed-loop clients, on three real master processes with fsync on.
// The clients run in a child process (bench/load-generator.ts, one for the whole suite) so their
// CPU is theirs alone; the masters' CPU and peak RSS per point come from /proc.
import { ProcessCluster } from '../lab/cluster/process-cluster.ts';
import { closeGenerator, killGenerator, runPoint, type PointRun } from './compare/generator.ts';
import type { LoadMode, LoadResult, LoadSpec } from './load-generator.ts';
import { clockTicksPerSecond, readProc } from './proc.ts';

/** API ports 21001-21003, peer ports 21011-21013: below Linux's ephemeral range. */
const basePort = 21_000;
const valueBytes = 256;
const requestTimeoutMs = 10_000;
const concurrencies = [1, 16, 64, 256];


type Op = 'write' | 'read-linearizable' | 'read-serializable';
type Target = 'leader' | 'follower';

export interface MasterUsage {
  id: number;
  role: Target;
  /** CPU time (user + system) of the master in the measured window, s. */
  cpuSeconds: number;
  /** cpuSeconds / window length: cores kept busy. */
  cores: number;
  /** Peak RSS in the window (VmHWM, reset at the window's start when the kernel allows), MiB. */
  peakRssMiB: number;
}

export interface KvPoint {
  op: Op;
  target: Target;
  targetId: number;
  concurrency: number;
  valueBytes: number;
  keyspace: number;
  seconds: number;
  ops: number;
  opsPerSecond: number;
  latencyMs: LoadResult['latencyMs'];
  errors: Record<string, number>;
  errorsTotal: number;
  warmupErrorsTotal: number;
  clientCpuSeconds: number;
  masters: MasterUsage[];
  /** Whether each master's peak RSS is for this window alone (false: since the process started). */
  peakRssPerWindow: boolean;
}

class Suite {
  readonly cluster: ProcessCluster;
  readonly quick: boolean;
  readonly keyspace: number;
  leaderId = 0;
  /** Peak RSS seen per master over the whole suite, KiB. */
  readonly peakRssKiB = new Map<number, number>();

  constructor(quick: boolean) {
    this.quick = quick;
    this.keyspace = quick ? 20_000 : 100_000;
    this.cluster = new ProcessCluster({ basePort });
  }

  get ids(): number[] {
    return this.cluster.configs.map((c) => c.id);
  }

  followerId(): number {
    return this.ids.find((id) => id !== this.leaderId)!;
  }

  async refreshLeader(): Promise<void> {
    const leader = await this.cluster.leader();
    if (this.leaderId !== 0 && leader !== this.leaderId) console.log(`kv: leader changed from ${this.leaderId} to ${leader}`);
    this.leaderId = leader;
  }

  /** Runs one point in the suite's load generator; samples the masters when its window opens and closes. */
  async load(spec: LoadSpec): Promise<PointRun> {
    const run = await runPoint(spec, new Map(this.ids.map((id) => [id, this.cluster.pid(id)])));
    for (const id of this.ids) {
      if (!this.cluster.running(id)) throw new Error(`master ${id} exited during ${spec.mode} c=${spec.concurrency}; see ${this.cluster.logFile(id)}`);
    }
    return run;
  }

  spec(mode: LoadMode, targetId: number, concurrency: number): LoadSpec {
    return {
      url: this.cluster.url(targetId),
      mode,
      concurrency,
      warmupMs: this.quick ? 500 : 1_000,
      durationMs: this.quick ? 1_500 : 5_000,
      keyspace: this.keyspace,
      valueBytes,
      timeoutMs: requestTimeoutMs,
      seed: concurrency * 7 + targetId,
    };
  }

  /** Writes every key once, so that reads find a value and writes overwrite like a steady state. */
  async fill(): Promise<void> {
    const { result } = await this.load(this.spec('fill', this.leaderId, 64));
    const errors = result.errorsTotal > 0 ? `, ${result.errorsTotal} errors ${JSON.stringify(result.errors)}` : '';
    console.log(`kv fill: ${result.ops.toLocaleString('en-US')} keys of ${valueBytes} B in ${result.seconds.toFixed(1)} s (${fmtRate(result.opsPerSecond)}/s at c=64${errors})`);
    if (result.ops !== this.keyspace) throw new Error(`fill wrote ${result.ops} of ${this.keyspace} keys`);
  }

  async point(op: Op, target: Target, concurrency: number): Promise<KvPoint> {
    await this.refreshLeader();
    const targetId = target === 'leader' ? this.leaderId : this.followerId();
    const { result, members, peakRssPerWindow } = await this.load(this.spec(op, targetId, concurrency));
    const usage: MasterUsage[] = [...members].map(([id, { before, after }]) => {
      const cpuSeconds = (after.cpuTicks - before.cpuTicks) / clockTicksPerSecond;
      this.peakRssKiB.set(id, Math.max(this.peakRssKiB.get(id) ?? 0, after.hwmKiB));
      return { id, role: id === this.leaderId ? 'leader' : 'follower', cpuSeconds, cores: cpuSeconds / result.seconds, peakRssMiB: after.hwmKiB / 1024 };
    });
    const point: KvPoint = {
      op,
      target,
      targetId,
      concurrency,
      valueBytes,
      keyspace: this.keyspace,
      seconds: result.seconds,
      ops: result.ops,
      opsPerSecond: result.opsPerSecond,
      latencyMs: result.latencyMs,
      errors: result.errors,
      errorsTotal: result.errorsTotal,
      warmupErrorsTotal: result.warmupErrorsTotal,
      clientCpuSeconds: result.clientCpuSeconds,
      masters: usage,
      peakRssPerWindow,
    };
    console.log(progressLine(point));
    return point;
  }
}

function fmtRate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString('en-US');
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

function opLabel(op: Op): string {
  return op === 'write' ? 'write' : op === 'read-linearizable' ? 'read lin' : 'read ser';
}

function progressLine(p: KvPoint): string {
  const errors = p.errorsTotal > 0 ? `  ERRORS ${p.errorsTotal} ${JSON.stringify(p.errors)}` : '';
  const leader = p.masters.find((m) => m.role === 'leader')!;
  return (
    `kv ${opLabel(p.op)} ${p.target} c=${p.concurrency}: ${fmtRate(p.opsPerSecond)}/s p50 ${fmtMs(p.latencyMs.p50)} ms ` +
    `p99 ${fmtMs(p.latencyMs.p99)} ms max ${fmtMs(p.latencyMs.max)} ms (leader ${leader.cores.toFixed(2)} cores, client ${(p.clientCpuSeconds / p.seconds).toFixed(2)})${errors}`
  );
}

export function markdownTable(points: KvPoint[]): string {
  const rows = [
    '| op | to | clients | ops/s | p50 ms | p90 ms | p99 ms | max ms | errors | leader CPU | follower CPU (each) | client CPU |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const p of points) {
    const cores = (role: Target): string =>
      p.masters
        .filter((m) => m.role === role)
        .map((m) => m.cores.toFixed(2))
        .join(' / ');
    rows.push(
      `| ${opLabel(p.op)} | ${p.target} | ${p.concurrency} | ${fmtRate(p.opsPerSecond)} | ${fmtMs(p.latencyMs.p50)} | ${fmtMs(p.latencyMs.p90)} | ` +
        `${fmtMs(p.latencyMs.p99)} | ${fmtMs(p.latencyMs.max)} | ${p.errorsTotal} | ${cores('leader')} | ${cores('follower')} | ${(p.clientCpuSeconds / p.seconds).toFixed(2)} |`,
    );
  }
  return rows.join('\n');
}

function mastersTable(suite: Suite, cpuStart: Map<number, number>): string {
  const rows = ['| master | role | CPU s (whole suite) | peak RSS MiB |', '|---:|---|---:|---:|'];
  for (const id of suite.ids) {
    const cpu = (readProc(suite.cluster.pid(id)).cpuTicks - cpuStart.get(id)!) / clockTicksPerSecond;
    const peak = Math.max(suite.peakRssKiB.get(id) ?? 0, readProc(suite.cluster.pid(id)).hwmKiB);
    rows.push(`| ${id} | ${id === suite.leaderId ? 'leader' : 'follower'} | ${cpu.toFixed(1)} | ${(peak / 1024).toFixed(0)} |`);
  }
  return rows.join('\n');
}

const allOps = ['write', 'read-linearizable', 'read-serializable'] as const;

/** `--ops=write,read-serializable` narrows the run; the default is every operation. */
function selectedOps(argv: string[]): Array<(typeof allOps)[number]> {
  const flag = argv.find((a) => a.startsWith('--ops='));
  if (flag === undefined) return [...allOps];
  const wanted = flag.slice('--ops='.length).split(',');
  const unknown = wanted.filter((op) => !(allOps as readonly string[]).includes(op));
  if (unknown.length > 0) throw new Error(`kv: --ops= takes a comma-separated list of ${allOps.join(', ')}; got ${flag}`);
  return wanted as Array<(typeof allOps)[number]>;
}

export async function main(argv: string[]): Promise<KvPoint[]> {
  const suite = new Suite(argv.includes('--quick'));
  const onSigint = (): void => {
    console.error('kv: interrupted; stopping the load generator and the masters');
    killGenerator();
    void suite.cluster.destroy().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  const points: KvPoint[] = [];
  try {
    await suite.cluster.startAll();
    await suite.refreshLeader();
    const cpuStart = new Map(suite.ids.map((id) => [id, readProc(suite.cluster.pid(id)).cpuTicks]));
    console.log(`kv: 3 masters on ${suite.cluster.url(1)}..${suite.ids.length}, leader ${suite.leaderId}, data in ${suite.cluster.dir}`);
    await suite.fill();
    for (const op of selectedOps(argv)) {
      for (const target of ['leader', 'follower'] as const) {
        for (const c of concurrencies) points.push(await suite.point(op, target, c));
      }
    }
    console.log('\n' + markdownTable(points) + '\n');
    console.log(mastersTable(suite, cpuStart) + '\n');
    const failed = points.filter((p) => p.errorsTotal > 0);
    if (failed.length > 0) console.log(`kv: ${failed.length} of ${points.length} points had errors; see the errors column`);
    return points;
  } catch (error) {
    console.error(suite.cluster.logTails()); // the masters' logs go with the cluster's directory
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await closeGenerator();
    await suite.cluster.destroy();
  }
}
