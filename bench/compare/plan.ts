// What the comparison measures, as data: the points of the throughput phase in the order they
// run, the failover trials, and how long each takes. The full run stays under 10 minutes on a
// 2-core machine, --quick under 2.
import type { SystemName } from './systems.ts';

export type Op = 'write' | 'read-linearizable' | 'read-serializable';
/** `leader`: every client talks to the leader; `all`: client i talks to member i % 3. */
export type Target = 'leader' | 'all';
export type Fault = 'kill' | 'pause' | 'partition';

export interface PointKey {
  op: Op;
  valueBytes: number;
  target: Target;
  concurrency: number;
}

export interface Plan {
  quick: boolean;
  points: PointKey[];
  /** Keys written once before the reads (8-byte keys, 256-byte values). */
  keyspace: number;
  fillConcurrency: number;
  /** Unmeasured run before each window, ms. */
  warmupMs: number;
  /** The warm-up goes on until every client has had an answer, up to this long, ms. */
  warmupMaxMs: number;
  /** Measured window per point, ms. */
  windowMs: number;
  /** Per-request timeout of the throughput phase, ms. */
  requestTimeoutMs: number;
  faults: Fault[];
  trials: number;
  writerConcurrency: number;
  /** The failover writer's per-request timeout, ms: a client waits this long before it tries another member. */
  writerTimeoutMs: number;
  /** Writes before the fault, ms. */
  preFaultMs: number;
  /** How long the leader stays paused (SIGSTOP), ms. */
  pauseMs: number;
  /** How long the leader stays partitioned from its peers, ms. */
  partitionMs: number;
  /** Writes after the cluster has healed (every member agrees on a leader), ms. */
  settleMs: number;
}

/** Value sizes of the writes, bytes: 256 always, 1 KiB and 64 KiB in the full run. */
export const smallValueBytes = 256;

export function planOf(quick: boolean): Plan {
  const concurrencies = quick ? [1, 16, 256] : [1, 16, 64, 256, 1000];
  const readConcurrencies = quick ? [16, 256] : concurrencies;
  const writeSizes = quick ? [smallValueBytes] : [smallValueBytes, 1024, 65536];
  const targets: Target[] = ['leader', 'all'];
  const points: PointKey[] = [];
  // Reads first, while every value is the fill's 256 bytes; then the writes, smallest first.
  for (const op of ['read-linearizable', 'read-serializable'] as const) {
    for (const target of targets) for (const concurrency of readConcurrencies) points.push({ op, valueBytes: smallValueBytes, target, concurrency });
  }
  for (const valueBytes of writeSizes) {
    for (const target of targets) for (const concurrency of concurrencies) points.push({ op: 'write', valueBytes, target, concurrency });
  }
  return {
    quick,
    points,
    keyspace: 10_000,
    fillConcurrency: 64,
    warmupMs: 300,
    warmupMaxMs: 10_000,
    windowMs: quick ? 1_000 : 1_250,
    requestTimeoutMs: 10_000,
    faults: ['kill', 'pause', 'partition'],
    trials: quick ? 1 : 5,
    writerConcurrency: 16,
    writerTimeoutMs: 250,
    preFaultMs: 500,
    pauseMs: 5_000,
    partitionMs: 5_000,
    settleMs: 500,
  };
}

/** Seconds a step is expected to take, for the progress line's estimate. */
export function estimateSeconds(plan: Plan, step: { kind: 'point' } | { kind: 'trial'; fault: Fault }): number {
  if (step.kind === 'point') return (plan.warmupMs + plan.windowMs) / 1000 + 0.7;
  const faultMs = step.fault === 'kill' ? 3_000 : step.fault === 'pause' ? plan.pauseMs : plan.partitionMs;
  return (plan.preFaultMs + faultMs + 1_000 + plan.settleMs) / 1000 + 0.5;
}

export function pointLabel(system: SystemName, p: PointKey): string {
  return `${system} ${opLabel(p.op)}${p.op === 'write' ? ` ${bytesLabel(p.valueBytes)}` : ''} ${p.target === 'leader' ? 'to leader' : 'to all'} c=${p.concurrency}`;
}

export function opLabel(op: Op): string {
  return op === 'write' ? 'write' : op === 'read-linearizable' ? 'read lin' : 'read ser';
}

export function bytesLabel(bytes: number): string {
  return bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}
