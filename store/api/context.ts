// What the HTTP route handlers of a master see: local reads, proposals (on the leader), the
// read barrier, the watch hub, the leader's lease timers, and the cluster facts for response
// headers. The server (store/http-api.ts) builds one and forwards every request that must run
// on the leader before a handler sees it, so handlers never forward anything themselves.
import type { CommandError, CommandResult, Envelope, LeaseInfo, RangeRequest, RangeResponse } from '../mvcc/types.ts';

export interface ClusterHeader {
  /** The cluster id as a number (derived from the configured cluster id string). */
  clusterId: bigint;
  memberId: number;
  /** The store's current revision on this member. */
  revision: number;
  raftTerm: number;
}

export interface MemberInfo {
  id: number;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

export interface MemberStatus {
  version: string;
  /** Bytes of the LevelDB data directory, approximately. */
  dbSize: number;
  leader: number;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
}

export interface LeaseClock {
  /** Resets the lease's timer (leader only); its TTL in seconds, or null when it does not exist. */
  keepAlive(id: number): number | null;
  /** Seconds left before the leader expires the lease, or null when it does not exist. */
  remaining(id: number): number | null;
}

export interface StoreContext {
  /** Proposes a write through Raft (this member is the leader) and resolves with its result once applied. */
  propose(envelope: Envelope): Promise<CommandResult | CommandError>;
  /**
   * Linearizable: waits for ReadIndex; serializable: waits only until every write this member
   * answered is in its state (ownWritesVisible).
   */
  readBarrier(consistency: 'linearizable' | 'serializable'): Promise<void>;
  /**
   * Resolves once this member's state holds every write it has answered: its own proposals, and
   * the writes it forwarded to the leader (forwardedAnswer). Reads and new watches wait for it.
   * Fails with KEEL_TIMEOUT when this member cannot catch up within the request timeout.
   */
  ownWritesVisible(): Promise<void>;
  /** A write this member forwarded to the leader and answered took effect at `revision`. */
  forwardedAnswer(revision: number): void;
  /** A local read of the state machine (after the barrier). */
  range(request: RangeRequest): Promise<RangeResponse>;
  leases: LeaseClock;
  /** A lease as the state machine holds it (granted TTL, attached keys), or undefined. */
  lease(id: number): LeaseInfo | undefined;
  header(): ClusterHeader;
  members(): MemberInfo[];
  status(): Promise<MemberStatus>;
}
