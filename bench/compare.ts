// keel against etcd, side by side: a three-master keel cluster and a three-member etcd cluster
// (etcd 3.4, where it is installed) on loopback, taking turns point by point, with the same
// heartbeat and election timeout and fsync on (or both off with --no-fsync, labelled in every
// output). One load generator drives both through the same etcd v3 JSON requests: writes of
// 256 B (and 1 KiB and 64 KiB in the full run), linearizable and serializable reads, to the
// leader and spread over all members, at 1-1000 closed-loop clients; CPU and peak RSS per member
// from /proc. Then failover: a writer at 16 clients while the leader is killed, paused, and
// partitioned. Writes bench/results/<stem>.md and two SVG charts; bench/index.ts writes
// <stem>.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { failoverTable, fmtMs, fmtRate, latencyTable, markdownReport, membersTable, throughputTable } from './compare/report.ts';
import { etcdInstallHint, etcdVersion, findEtcd } from './compare/etcd-cluster.ts';
import { runTrial, type FailoverTrial } from './compare/failover.ts';
import { closeGenerator, killGenerator, runPoint, type PointRun } from './compare/generator.ts';
import { estimateSeconds, planOf, pointLabel, smallValueBytes, type Plan, type PointKey } from './compare/plan.ts';
import { Progress } from './compare/progress.ts';
import { noFsyncLabel, type CompareResults, type MemberTotal, type Point } from './compare/results.ts';
import { throughputFigure, latencyFigure } from './compare/charts.ts';
import { EtcdSystem, KeelSystem, electionTimeoutMs, heartbeatMs, logTails, type System, type SystemOptions } from './compare/systems.ts';
import type { LoadSpec } from './load-generator.ts';
import { machineInfo } from './machine.ts';
import { clockTicksPerSecond } from './proc.ts';
import type { SuiteOutput } from './index.ts';

/**
 * Base ports, all in 30,000-30,400: below Linux's ephemeral range (32768 and up) and above the
 * test port slots (10,000-29,999). Member i: clients base+i, peers base+10+i, peer proxy base+20+i.
 */
const basePorts = { keel: 30_000, etcd: 30_100, keelFailover: 30_200, etcdFailover: 30_300 } as const;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Run {
  plan: Plan;
  noFsync: boolean;
  progress: Progress;
  /** Systems running now, destroyed on Ctrl-C. */
  live: Set<System>;
}

function pidsOf(system: System): Map<number, number> {
  return new Map(system.ids.map((id) => [id, system.pid(id)]));
}

function specOf(run: Run, system: System, key: PointKey, leaderId: number): LoadSpec {
  return {
    url: system.url(leaderId),
    ...(key.target === 'all' ? { urls: system.ids.map((id) => system.url(id)) } : {}),
    protocol: 'v3',
    mode: key.op,
    concurrency: key.concurrency,
    warmupMs: run.plan.warmupMs,
    warmupMaxMs: run.plan.warmupMaxMs,
    durationMs: run.plan.windowMs,
    keyspace: run.plan.keyspace,
    valueBytes: key.valueBytes,
    timeoutMs: run.plan.requestTimeoutMs,
    seed: key.concurrency * 7 + key.valueBytes + (key.target === 'all' ? 3 : 0),
  };
}

function pointOf(system: System, key: PointKey, leaderId: number, run: PointRun): Omit<Point, 'term' | 'termAfter'> {
  const { result } = run;
  const members = [...run.members].map(([id, { before, after }]) => {
    const cpuSeconds = (after.cpuTicks - before.cpuTicks) / clockTicksPerSecond;
    return { id, role: id === leaderId ? ('leader' as const) : ('follower' as const), cpuSeconds, cores: cpuSeconds / result.seconds, peakRssMiB: after.hwmKiB / 1024 };
  });
  return {
    system: system.name,
    ...key,
    seconds: result.seconds,
    ops: result.ops,
    opsPerSecond: result.opsPerSecond,
    latencyMs: result.latencyMs,
    errors: result.errors,
    errorsTotal: result.errorsTotal,
    warmupErrorsTotal: result.warmupErrorsTotal,
    clientCpuSeconds: result.clientCpuSeconds,
    members,
  };
}

function pointLine(run: Run, p: Point): string {
  const leader = p.members.find((m) => m.role === 'leader');
  const errors = p.errorsTotal > 0 ? `  ERRORS ${p.errorsTotal} ${JSON.stringify(p.errors)}` : '';
  const election = p.termAfter !== p.term ? `  ELECTION (term ${p.term} -> ${p.termAfter})` : '';
  return (
    `${run.progress.tag} ${pointLabel(p.system, p)}: ${fmtRate(p.opsPerSecond)}/s p50 ${fmtMs(p.latencyMs.p50)} p99 ${fmtMs(p.latencyMs.p99)} ` +
    `max ${fmtMs(p.latencyMs.max)} ms; leader ${leader?.cores.toFixed(2) ?? '?'} cores, client ${(p.clientCpuSeconds / p.seconds).toFixed(2)}` +
    `${run.noFsync ? ` [${noFsyncLabel}]` : ''}${errors}${election}`
  );
}

function checkRunning(system: System, during: string): void {
  for (const id of system.ids) {
    if (!system.running(id)) throw new Error(`${system.name} member ${id} exited during ${during}; see ${system.logFile(id)}`);
  }
}

/** Per member over the throughput phase: CPU in the fill and the measured windows, the highest peak RSS. */
class Totals {
  readonly #cpuSeconds = new Map<string, number>();
  readonly #peakKiB = new Map<string, number>();

  add(system: System, run: PointRun): void {
    for (const [id, { before, after }] of run.members) {
      const key = `${system.name}/${id}`;
      this.#cpuSeconds.set(key, (this.#cpuSeconds.get(key) ?? 0) + (after.cpuTicks - before.cpuTicks) / clockTicksPerSecond);
      this.#peakKiB.set(key, Math.max(this.#peakKiB.get(key) ?? 0, after.hwmKiB));
    }
  }

  of(system: System): MemberTotal[] {
    return system.ids.map((id) => {
      const key = `${system.name}/${id}`;
      return { system: system.name, id, cpuSeconds: this.#cpuSeconds.get(key) ?? 0, peakRssMiB: (this.#peakKiB.get(key) ?? 0) / 1024 };
    });
  }
}

async function start(run: Run, systems: System[], what: string): Promise<void> {
  for (const system of systems) {
    run.progress.begin(`${system.name}: starting 3 members${what}`);
    run.live.add(system);
    await system.startAll();
  }
}

async function stop(run: Run, systems: System[]): Promise<void> {
  for (const system of systems) {
    await system.destroy();
    run.live.delete(system);
  }
}

/** Writes every key once with 256-byte values, so that every read finds one. */
async function fill(run: Run, system: System, totals: Totals): Promise<void> {
  const { plan, progress } = run;
  progress.begin(`${system.name}: filling ${plan.keyspace.toLocaleString('en-US')} keys`);
  const leader = await system.leader();
  const key: PointKey = { op: 'write', valueBytes: smallValueBytes, target: 'leader', concurrency: plan.fillConcurrency };
  const result = await runPoint({ ...specOf(run, system, key, leader.id), mode: 'fill' }, pidsOf(system));
  totals.add(system, result);
  if (result.result.ops !== plan.keyspace) throw new Error(`${system.name}: the fill wrote ${result.result.ops} of ${plan.keyspace} keys (${JSON.stringify(result.result.errors)})`);
  progress.log(`${progress.tag} ${system.name}: leader ${leader.id}, ${result.result.ops.toLocaleString('en-US')} keys of ${smallValueBytes} B written in ${result.result.seconds.toFixed(1)} s; data in ${system.dir}`);
  progress.done(3);
}

async function measure(run: Run, system: System, key: PointKey, totals: Totals): Promise<Point> {
  const { plan, progress } = run;
  progress.begin(pointLabel(system.name, key));
  const leader = await system.leader();
  const result = await runPoint(specOf(run, system, key, leader.id), pidsOf(system));
  checkRunning(system, pointLabel(system.name, key));
  totals.add(system, result);
  const after = await system.leader();
  const point = { ...pointOf(system, key, leader.id, result), term: leader.term, termAfter: after.term };
  progress.log(pointLine(run, point));
  progress.done(estimateSeconds(plan, { kind: 'point' }));
  return point;
}

/**
 * Every point of the plan on every system. The clusters run side by side and take turns, point
 * by point, in alternating order (etcd, keel, keel, etcd, ...): on a shared machine whose load
 * drifts, both then see the same conditions. The idle cluster only exchanges heartbeats.
 */
async function throughput(run: Run, systems: System[]): Promise<{ points: Point[]; totals: MemberTotal[] }> {
  const totals = new Totals();
  await start(run, systems, '');
  for (const system of systems) await fill(run, system, totals);
  const points: Point[] = [];
  for (const [i, key] of run.plan.points.entries()) {
    for (const system of i % 2 === 0 ? systems : [...systems].reverse()) points.push(await measure(run, system, key, totals));
  }
  await closeGenerator();
  await stop(run, systems);
  return { points, totals: systems.flatMap((system) => totals.of(system)) };
}

function trialLine(run: Run, t: FailoverTrial): string {
  const first = t.firstNewTermWriteMs === null ? 'none' : `${fmtMs(t.firstNewTermWriteMs)} ms`;
  return (
    `${run.progress.tag} ${t.system} ${t.fault} #${t.trial}: leader ${t.leaderBefore} (term ${t.termBefore}) -> ${t.leaderAfter} (term ${t.termAfter}); ` +
    `longest gap ${fmtMs(t.longestGapMs)} ms, first new-term write ${first}; ${t.writes.toLocaleString('en-US')} writes, ${t.errorsTotal} errors` +
    `${run.noFsync ? ` [${noFsyncLabel}]` : ''}`
  );
}

/**
 * The failover trials, on fresh clusters with a proxy on every peer link, side by side like the
 * points: rounds of kill, pause, partition, each fault on one system and then the other.
 */
async function failover(run: Run, systems: System[]): Promise<FailoverTrial[]> {
  const { plan, progress } = run;
  await start(run, systems, ' behind peer proxies for the failover trials');
  progress.done(2 * systems.length);
  const trials: FailoverTrial[] = [];
  let turn = 0;
  for (let trial = 1; trial <= plan.trials; trial++) {
    for (const fault of plan.faults) {
      for (const system of turn++ % 2 === 0 ? systems : [...systems].reverse()) {
        progress.begin(`${system.name} failover: ${fault} the leader, trial ${trial} of ${plan.trials}`);
        const result = await runTrial(system, fault, trial, plan);
        trials.push(result);
        progress.log(trialLine(run, result));
        progress.done(estimateSeconds(plan, { kind: 'trial', fault }));
      }
    }
  }
  await stop(run, systems);
  return trials;
}

function plannedSeconds(plan: Plan, systems: number): { steps: number; seconds: number } {
  const pointSeconds = plan.points.length * estimateSeconds(plan, { kind: 'point' });
  const trialSeconds = plan.trials * plan.faults.reduce((s, fault) => s + estimateSeconds(plan, { kind: 'trial', fault }), 0);
  // Per system: start and fill, the points, start behind the proxies, the trials.
  const steps = systems * (2 + plan.points.length + 1 + plan.trials * plan.faults.length);
  return { steps, seconds: systems * (3 + pointSeconds + 2 + trialSeconds) };
}

/** The tables on the console; the Markdown and the charts next to the JSON. */
function writeReport(results: CompareResults, output: SuiteOutput): void {
  const label = results.noFsync ? ` — ${noFsyncLabel}` : '';
  const { points, members, failover: trials } = results;
  console.log(`\nThroughput${label}\n\n${throughputTable(points)}\n\nLatency, ms${label}\n\n${latencyTable(points)}\n`);
  console.log(`CPU and peak memory per member${label}\n\n${membersTable(members)}\n\nFailover${label}\n\n${failoverTable(trials)}\n`);
  const files = {
    md: join(output.dir, `${output.stem}.md`),
    throughput: join(output.dir, `${output.stem}-throughput.svg`),
    latency: join(output.dir, `${output.stem}-latency.svg`),
  };
  writeFileSync(files.md, markdownReport(results));
  writeFileSync(files.throughput, throughputFigure(results));
  writeFileSync(files.latency, latencyFigure(results));
  console.log(`results: ${files.md}\nresults: ${files.throughput}\nresults: ${files.latency}`);
}

export async function main(argv: string[], output: SuiteOutput): Promise<CompareResults> {
  const plan = planOf(argv.includes('--quick'));
  const noFsync = argv.includes('--no-fsync');
  const binary = findEtcd();
  const etcdMissing = binary === null ? `etcd is not installed (install it with \`${etcdInstallHint}\`); measured keel alone` : null;
  if (etcdMissing !== null) console.log(`compare: ${etcdMissing}`);
  const machine = machineInfo();
  const date = output.stem.slice(0, 10); // the <date> of the file names
  const planned = plannedSeconds(plan, binary === null ? 1 : 2);
  const run: Run = { plan, noFsync, progress: new Progress(planned.steps, planned.seconds), live: new Set() };
  console.log(
    `compare: keel${binary !== null ? ` and etcd ${etcdVersion(binary)}` : ''}, 3 members each, ${noFsync ? noFsyncLabel : 'fsync on'}; ` +
      `${plan.points.length} points and ${plan.trials * plan.faults.length} failover trials per system, about ${Math.ceil(planned.seconds / 60)} min`,
  );
  const onSigint = (): void => {
    run.progress.end();
    console.error('compare: interrupted; stopping the load generator and the clusters');
    killGenerator();
    void Promise.all([...run.live].map((s) => s.destroy())).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  const options = (basePort: number, proxied: boolean): SystemOptions => ({ basePort, noFsync, proxied });
  const points: Point[] = [];
  const members: MemberTotal[] = [];
  const trials: FailoverTrial[] = [];
  try {
    const measured = await throughput(run, [
      ...(binary !== null ? [new EtcdSystem(binary, options(basePorts.etcd, false))] : []),
      new KeelSystem(options(basePorts.keel, false)),
    ]);
    points.push(...measured.points);
    members.push(...measured.totals);
    trials.push(
      ...(await failover(run, [
        ...(binary !== null ? [new EtcdSystem(binary, options(basePorts.etcdFailover, true))] : []),
        new KeelSystem(options(basePorts.keelFailover, true)),
      ])),
    );
  } catch (error) {
    run.progress.end();
    // The clusters' data and logs go with them: what the members said last goes to the terminal.
    for (const system of run.live) console.error(logTails(system));
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
    run.progress.end();
    killGenerator();
    await Promise.all([...run.live].map((s) => s.destroy()));
  }
  const results: CompareResults = {
    durability: noFsync ? noFsyncLabel : 'fsync on',
    noFsync,
    quick: plan.quick,
    date,
    machine,
    versions: { keel: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version, etcd: binary === null ? null : etcdVersion(binary) },
    etcdMissing,
    settings: {
      heartbeatMs,
      electionTimeoutMs,
      keyspace: plan.keyspace,
      warmupMs: plan.warmupMs,
      warmupMaxMs: plan.warmupMaxMs,
      windowMs: plan.windowMs,
      writerConcurrency: plan.writerConcurrency,
      writerTimeoutMs: plan.writerTimeoutMs,
      pauseMs: plan.pauseMs,
      partitionMs: plan.partitionMs,
    },
    points,
    members,
    failover: trials,
  };
  writeReport(results, output);
  return results;
}
