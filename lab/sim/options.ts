// Options and results of one simulator run.

import type { FaultSchedule } from './faults.ts';
import type { ClientsReport } from './linearizability.ts';
import type { NetworkStats } from './network.ts';

export interface SimOptions {
  /** Voting members, 3 or 5. */
  nodes: number;
  /** Virtual milliseconds to run (one step each). */
  steps: number;
  /** Virtual ms per Raft tick. Default 10. */
  tickMs?: number;
  /** Base election timeout in ticks. Default 10 (so 100-200 ms). */
  electionTicks?: number;
  /** Ticks between heartbeats. Default 1. */
  heartbeatTicks?: number;
  /** The core's Figure 8 fault switch (tests only). Default false. */
  unsafeCommitPreviousTermByCount?: boolean;
  /** After the faults heal, a new proposal must commit within this many ms. Default 10 election timeouts (1000 ms). */
  livenessMs?: number;
  /** Run past `steps` until the liveness deadline so it is always checked. Default true. */
  extendForLiveness?: boolean;
  /** Keep the trace's text (the CLI prints it). Default true. */
  keepTrace?: boolean;
  /** One trace line per message sent and delivered. Default false. */
  traceMessages?: boolean;
  /** Snapshot after this many applied entries; 0 never. Default: drawn per member in [20, 100). */
  snapshotEveryApplied?: number;
  /** Leaders send replication messages before their own write. Default false. */
  leaderMessagesEarly?: boolean;
  /** Probability of one ordinary proposal per tick. Default 0.5. */
  proposeChance?: number;
  /** Bytes of an ordinary proposal. Default 8. */
  proposeBytes?: number;
  /** Stop at the end of the step that found the first violation. Default true. */
  stopOnViolation?: boolean;
  /**
   * Logical kv clients running keel operations (get through ReadIndex, put, delete, cas) on
   * `clientKeys` keys, one operation at a time each, beside the write-only client; their
   * history is checked for linearizability at the end of the run. Default 0: none.
   */
  clients?: number;
  /** Keys the kv clients touch. Default 4. */
  clientKeys?: number;
  /** A kv client gives up on an operation after this long, ms (its outcome is then unknown). Default 400. */
  clientTimeoutMs?: number;
  /** The linearizability check's time limit, ms (wall clock); past it the verdict is `unknown`. Default 10000. */
  lincheckTimeoutMs?: number;
  /** Test-only fault: a member that does not lead serves kv clients' reads from its own state, without ReadIndex. Default false. */
  unsafeFollowerLocalReads?: boolean;
  /**
   * The apply stage lags each member's Ready loop by up to this many ms (drawn per Ready), as
   * keel's driver applies beside its loop: a member may know a read index it has not applied
   * yet. Default 0: entries are applied within the Ready that hands them out.
   */
  applyLagMsMax?: number;
  /** Test-only fault: a member serves a read once it knows its read index, without waiting to apply up to it. Default false. */
  unsafeReadsBeforeApply?: boolean;
  /**
   * Bytes of new entries one Ready hands out to persist (at least one entry): small values make
   * members write their log in several Readies, with acknowledgements held until the entries
   * they name are written. Default: the core's (4 MiB, more than a run ever proposes at once).
   */
  readyEntriesBytesMax?: number;
}

export interface ResolvedOptions {
  nodes: number;
  steps: number;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  unsafeCommitPreviousTermByCount: boolean;
  livenessMs: number;
  extendForLiveness: boolean;
  keepTrace: boolean;
  traceMessages: boolean;
  snapshotEveryApplied: number | undefined;
  leaderMessagesEarly: boolean;
  proposeChance: number;
  proposeBytes: number;
  stopOnViolation: boolean;
  clients: number;
  clientKeys: number;
  clientTimeoutMs: number;
  lincheckTimeoutMs: number;
  unsafeFollowerLocalReads: boolean;
  applyLagMsMax: number;
  unsafeReadsBeforeApply: boolean;
  readyEntriesBytesMax: number | undefined;
}

export function resolveOptions(options: SimOptions): ResolvedOptions {
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 9) throw new RangeError(`nodes must be 1..9, got ${options.nodes}`);
  if (!Number.isInteger(options.steps) || options.steps < 0) throw new RangeError(`steps must be a whole number >= 0, got ${options.steps}`);
  const clients = options.clients ?? 0;
  if (!Number.isInteger(clients) || clients < 0 || clients > clientsMax) throw new RangeError(`clients must be 0..${clientsMax}, got ${clients}`);
  const applyLagMsMax = options.applyLagMsMax ?? 0;
  if (!Number.isInteger(applyLagMsMax) || applyLagMsMax < 0) throw new RangeError(`applyLagMsMax must be a whole number >= 0, got ${applyLagMsMax}`);
  const readyEntriesBytesMax = options.readyEntriesBytesMax;
  if (readyEntriesBytesMax !== undefined && (!Number.isInteger(readyEntriesBytesMax) || readyEntriesBytesMax < 1)) {
    throw new RangeError(`readyEntriesBytesMax must be a whole number >= 1, got ${readyEntriesBytesMax}`);
  }
  const tickMs = options.tickMs ?? 10;
  const electionTicks = options.electionTicks ?? 10;
  return {
    nodes: options.nodes,
    steps: options.steps,
    tickMs,
    electionTicks,
    heartbeatTicks: options.heartbeatTicks ?? 1,
    unsafeCommitPreviousTermByCount: options.unsafeCommitPreviousTermByCount ?? false,
    livenessMs: options.livenessMs ?? 10 * electionTicks * tickMs,
    extendForLiveness: options.extendForLiveness ?? true,
    keepTrace: options.keepTrace ?? true,
    traceMessages: options.traceMessages ?? false,
    snapshotEveryApplied: options.snapshotEveryApplied,
    leaderMessagesEarly: options.leaderMessagesEarly ?? false,
    proposeChance: options.proposeChance ?? 0.5,
    proposeBytes: options.proposeBytes ?? 8,
    stopOnViolation: options.stopOnViolation ?? true,
    clients,
    clientKeys: options.clientKeys ?? 4,
    clientTimeoutMs: options.clientTimeoutMs ?? 400,
    lincheckTimeoutMs: options.lincheckTimeoutMs ?? 10_000,
    unsafeFollowerLocalReads: options.unsafeFollowerLocalReads ?? false,
    applyLagMsMax,
    unsafeReadsBeforeApply: options.unsafeReadsBeforeApply ?? false,
    readyEntriesBytesMax,
  };
}

/** Bound on kv clients: each adds operations to the history the check searches. */
export const clientsMax = 64;

export interface SimStats {
  /** Virtual ms simulated. */
  steps: number;
  /** Terms that had a leader. */
  leaderTerms: number;
  maxTerm: number;
  /** Highest index applied by any member. */
  appliedMax: number;
  proposalsAccepted: number;
  proposalsRefused: number;
  crashes: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  messages: NetworkStats;
  /** When every fault was over (ms), and whether the liveness deadline fell within the run. */
  healMs: number;
  livenessChecked: boolean;
  /** The run's applyLagMsMax (0: entries applied within their Ready). */
  applyLagMsMax: number;
}

export interface SimResult {
  seed: number;
  nodes: number;
  schedule: FaultSchedule;
  /** Violation texts (the first `violationsKeptMax`), each stamped with its virtual time. */
  violations: string[];
  violationCount: number;
  /** The trace lines (empty unless `keepTrace`). */
  trace: string[];
  stats: SimStats;
  /** The kv clients' operations and the linearizability verdict; null without kv clients. */
  clients: ClientsReport | null;
}
