// The StoreContext of one master: what its HTTP handlers use to read, write and describe the
// cluster, built from the Raft node, the MVCC store and the leader's lease clock.
import { createHash } from 'node:crypto';
import { noNode } from '../raft/core/index.ts';
import type { RaftNode } from '../raft/node.ts';
import type { ClusterHeader, LeaseClock, MemberInfo, MemberStatus, StoreContext } from './api/context.ts';
import { ApiError } from './api/v1.ts';
import { ProposalBatcher } from './proposal-batcher.ts';
import { TimeoutError, TooManyPendingError, pendingProposalsMax } from '../raft/node.ts';
import { encodeEnvelope, encodeEnvelopeBatch, type CommandError, type CommandResult, type Envelope, type MvccStore } from './mvcc/index.ts';
import type { MasterConfig } from './server.ts';

export interface ContextOptions {
  config: MasterConfig;
  node: RaftNode;
  store: MvccStore;
  leases: LeaseClock;
  /** How long a request waits for a leader before a 503, ms. */
  leaderWaitMs: number;
  /** How long a write or a linearizable read may take before a 504, ms. */
  requestTimeoutMs: number;
  /** Bytes on disk of the data directory, approximately. */
  dbSize: () => Promise<number>;
  version: string;
  /**
   * Test hook, deliberately broken (store/server.ts, KEEL_TEST_UNSAFE_FOLLOWER_READS): a member
   * that is not the leader serves linearizable reads from its own state, with no ReadIndex and
   * no leader, so they can be stale. The lab's tests use it to show the linearizability checker
   * catching stale reads. Default false.
   */
  unsafeFollowerReads?: boolean;
  /** Called with the number of writes of every entry the batcher proposes. */
  observeBatch?: (writes: number) => void;
}

/** A stable 64-bit number for the configured cluster id string (etcd reports cluster ids as uint64). */
export function clusterIdNumber(clusterId: string): bigint {
  return createHash('sha256').update(clusterId).digest().readBigUInt64BE(0);
}

export function storeContext(options: ContextOptions): StoreContext {
  const { config, node, store } = options;
  const clusterId = clusterIdNumber(config.clusterId);
  const awaitLeader = async (): Promise<void> => {
    if ((await node.waitForLeader(options.leaderWaitMs)) === noNode) {
      throw new ApiError(503, 'KEEL_NO_LEADER', `no leader elected within ${options.leaderWaitMs} ms; try again`);
    }
  };
  // Writes without a client id share entries; a deduplicated write keeps an entry of its own
  // (the dedup table orders clients by the index of their last entry).
  const batcher = new ProposalBatcher({
    node,
    encodeBatch: encodeEnvelopeBatch,
    timeoutMs: options.requestTimeoutMs,
    heldMax: pendingProposalsMax,
    tooMany: () => new TooManyPendingError(),
    observe: options.observeBatch,
  });
  // The highest revision of a write this member answered after forwarding it to the leader (a
  // follower does not apply it before it answers), and the reads waiting for this member's state
  // to reach one.
  let forwardedRevision = 0;
  let revisionWaiters: Array<{ revision: number; resolve: () => void }> = [];
  store.onApplied((_events, revision) => {
    if (revisionWaiters.length === 0) return;
    const ready = revisionWaiters.filter((w) => w.revision <= revision);
    revisionWaiters = revisionWaiters.filter((w) => w.revision > revision);
    for (const waiter of ready) waiter.resolve();
  });
  const revisionApplied = (revision: number): Promise<void> => {
    if (store.currentRevision >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        revisionWaiters = revisionWaiters.filter((w) => w !== waiter);
        // A snapshot installed meanwhile moves the state on without an applied batch.
        if (store.currentRevision >= revision) resolve();
        else reject(new TimeoutError(`member ${config.id} answered a write at revision ${revision} and has not applied it within ${options.requestTimeoutMs} ms`));
      }, options.requestTimeoutMs);
      revisionWaiters.push(waiter);
    });
  };
  // On every serializable read: no extra promise step unless a forwarded answer is ahead.
  const ownWritesVisible = (): Promise<void> => {
    if (store.currentRevision >= forwardedRevision) return node.answeredApplied();
    const revision = forwardedRevision;
    return node.answeredApplied().then(() => revisionApplied(revision));
  };
  return {
    propose: (envelope: Envelope) => {
      store.readAhead(envelope); // what its apply will read, read while it replicates
      const data = encodeEnvelope(envelope);
      const answer = envelope.clientId === undefined && envelope.seq === undefined ? batcher.propose(data) : node.propose(data, options.requestTimeoutMs);
      return answer as Promise<CommandResult | CommandError>;
    },
    readBarrier: async (consistency) => {
      if (consistency === 'serializable') return ownWritesVisible(); // a member's own answers are visible in its reads
      if (options.unsafeFollowerReads === true && node.leader !== config.id) return;
      await awaitLeader();
      await node.readIndex(options.requestTimeoutMs);
    },
    ownWritesVisible,
    forwardedAnswer: (revision) => {
      if (revision > forwardedRevision) forwardedRevision = revision;
    },
    range: (request) => store.range(request),
    leases: options.leases,
    lease: (id) => store.lease(id),
    header: (): ClusterHeader => ({ clusterId, memberId: config.id, revision: store.headerRevision, raftTerm: node.term }),
    members: (): MemberInfo[] =>
      config.members.map((m) => ({ id: m.id, name: `m${m.id}`, peerUrls: [`http://${m.peerAddress}`], clientUrls: [`http://${m.apiAddress}`], isLearner: false })),
    status: async (): Promise<MemberStatus> => {
      const status = node.status();
      return { version: options.version, dbSize: await options.dbSize(), leader: status.leader, raftIndex: status.lastIndex, raftTerm: status.term, raftAppliedIndex: node.appliedIndex };
    },
  };
}
