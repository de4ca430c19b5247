// The shape of the comparison's results: what bench/results/<date>-compare.json holds and the
// Markdown table and the charts are drawn from.
import type { LoadResult } from '../load-generator.ts';
import type { Machine } from '../machine.ts';
import type { FailoverTrial } from './failover.ts';
import type { PointKey } from './plan.ts';
import type { SystemName } from './systems.ts';

/** The label every output of the NO FSYNC mode carries. */
export const noFsyncLabel = 'NO FSYNC — not durable';

export interface MemberUsage {
  id: number;
  role: 'leader' | 'follower';
  /** CPU time (user + system) in the measured window, s. */
  cpuSeconds: number;
  /** cpuSeconds / window length: cores kept busy. */
  cores: number;
  /** Peak RSS in the window (VmHWM, reset at the window's start when the kernel allows), MiB. */
  peakRssMiB: number;
}

export interface Point extends PointKey {
  system: SystemName;
  seconds: number;
  ops: number;
  opsPerSecond: number;
  latencyMs: LoadResult['latencyMs'];
  errors: Record<string, number>;
  errorsTotal: number;
  warmupErrorsTotal: number;
  clientCpuSeconds: number;
  members: MemberUsage[];
  /** The Raft term before the point and after it: they differ when an election happened meanwhile. */
  term: number;
  termAfter: number;
}

/** One member over the throughput phase: CPU summed over the fill and the measured windows, the highest peak RSS. */
export interface MemberTotal {
  system: SystemName;
  id: number;
  cpuSeconds: number;
  peakRssMiB: number;
}

export interface CompareResults {
  /** 'fsync on', or noFsyncLabel. */
  durability: string;
  noFsync: boolean;
  quick: boolean;
  date: string;
  machine: Machine;
  /** keel's package version and etcd's (`3.4.23`), null when etcd was not measured. */
  versions: { keel: string; etcd: string | null };
  /** Why etcd was not measured, when it was not. */
  etcdMissing: string | null;
  settings: {
    heartbeatMs: number;
    electionTimeoutMs: number;
    keyspace: number;
    warmupMs: number;
    warmupMaxMs: number;
    windowMs: number;
    writerConcurrency: number;
    writerTimeoutMs: number;
    pauseMs: number;
    partitionMs: number;
  };
  points: Point[];
  members: MemberTotal[];
  failover: FailoverTrial[];
}
