import { assert } from './assert.ts';
import type { NodeId } from './types.ts';
import type { Prng } from './prng.ts';

/** Entries in one append message. */
export const appendEntriesMax = 512;
/** Bytes of entry data in one append message (at least one entry is always sent). */
export const appendBytesMax = 1 << 20;
/** Append messages in flight to one follower while replicating. */
export const inflightAppendsMax = 256;
/** Bytes of committed entries handed out in one Ready. */
export const readyCommittedBytesMax = 16 << 20;
/**
 * Bytes of new entries one Ready hands out to persist (one entry always goes): the rest wait for
 * the next Ready, so no single sync write grows so long that heartbeats (and their answers) wait
 * behind it for an election timeout.
 */
export const readyEntriesBytesMax = 4 << 20;
/** Bytes of proposals a leader holds uncommitted before it refuses more. */
export const uncommittedBytesMax = 64 << 20;
/** Linearizable reads waiting on one leader (queued or in a confirmation round). */
export const pendingReadsMax = 65_536;

export interface RaftConfig {
  /** This member's id (not 0). */
  id: NodeId;
  /** Ticks between heartbeats. Default 1 (with a 100 ms tick: etcd's 100 ms heartbeat). */
  heartbeatTicks?: number;
  /**
   * Base election timeout in ticks; each term draws a timeout in [base, 2 * base).
   * Default 10 (with a 100 ms tick: etcd's [1000, 2000) ms).
   */
  electionTicks?: number;
  /** A pre-election round that does not bump terms, so a rejoining member cannot depose a healthy leader. Default true. */
  preVote?: boolean;
  /** A leader steps down when it has not heard from a quorum for an election timeout. Default true. */
  checkQuorum?: boolean;
  /**
   * Serve ReadIndex from the leader's lease instead of a heartbeat round. Default false.
   *
   * Clock assumption: the lease is valid for an election timeout (electionTicks) after the
   * leader last heard from a quorum, counted in the leader's ticks. It is safe only when no
   * member's tick runs slower than the leader's by more than the gap between the base and the
   * smallest randomized election timeout... which is zero: so it further assumes that tick
   * rates drift by less than (heartbeatTicks / electionTicks), 10% at the defaults, and that a
   * paused process (GC, SIGSTOP) does not resume serving a lease that ran out while it slept.
   * Requires checkQuorum.
   */
  leaseReads?: boolean;
  /** Entries in one append message. Default appendEntriesMax (512). */
  appendEntriesMax?: number;
  /** Bytes of entry data in one append message; one entry always goes. Default appendBytesMax (1 MiB). */
  appendBytesMax?: number;
  /** Append messages in flight to one follower while replicating. Default inflightAppendsMax (256). */
  inflightAppendsMax?: number;
  /** Bytes of new entries one Ready hands out to persist; one entry always goes. Default readyEntriesBytesMax (4 MiB). */
  readyEntriesBytesMax?: number;
  /** The PRNG for election timeouts: seeded, so runs replay. */
  prng: Prng;
  /**
   * Test-only fault switch: commit entries of earlier terms by counting replicas (the bug of
   * the Raft paper's Figure 8). The simulator must catch it. Never set outside tests.
   */
  unsafeCommitPreviousTermByCount?: boolean;
}

export interface ResolvedConfig {
  id: NodeId;
  heartbeatTicks: number;
  electionTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  leaseReads: boolean;
  appendEntriesMax: number;
  appendBytesMax: number;
  inflightAppendsMax: number;
  readyEntriesBytesMax: number;
  prng: Prng;
  unsafeCommitPreviousTermByCount: boolean;
}

export function resolveConfig(config: RaftConfig): ResolvedConfig {
  const resolved: ResolvedConfig = {
    id: config.id,
    heartbeatTicks: config.heartbeatTicks ?? 1,
    electionTicks: config.electionTicks ?? 10,
    preVote: config.preVote ?? true,
    checkQuorum: config.checkQuorum ?? true,
    leaseReads: config.leaseReads ?? false,
    appendEntriesMax: config.appendEntriesMax ?? appendEntriesMax,
    appendBytesMax: config.appendBytesMax ?? appendBytesMax,
    inflightAppendsMax: config.inflightAppendsMax ?? inflightAppendsMax,
    readyEntriesBytesMax: config.readyEntriesBytesMax ?? readyEntriesBytesMax,
    prng: config.prng,
    unsafeCommitPreviousTermByCount: config.unsafeCommitPreviousTermByCount ?? false,
  };
  assert(resolved.id > 0, 'member id must be positive');
  assert(resolved.heartbeatTicks > 0, 'heartbeatTicks must be positive');
  assert(resolved.heartbeatTicks * 2 <= resolved.electionTicks, 'an election timeout must span at least two heartbeats');
  assert(resolved.appendEntriesMax >= 1 && resolved.appendBytesMax >= 1 && resolved.inflightAppendsMax >= 1, 'flow control bounds must be positive');
  assert(resolved.readyEntriesBytesMax >= 1, 'readyEntriesBytesMax must be positive');
  assert(!resolved.leaseReads || resolved.checkQuorum, 'leaseReads requires checkQuorum');
  return resolved;
}
