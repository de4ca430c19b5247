import { assert } from './assert.ts';
import { pendingReadsMax, resolveConfig, uncommittedBytesMax } from './config.ts';
import type { RaftConfig, ResolvedConfig } from './config.ts';
import {
  ConfChangeInProgressError,
  InvalidConfChangeError,
  NoLeaderError,
  NotLeaderError,
  ProposalQueueFullError,
  ReadQueueFullError,
  TransferInProgressError,
  TransferRefusedError,
} from './errors.ts';
import { RaftLog } from './log.ts';
import { Progress } from './progress.ts';
import { ReadQueue } from './read-queue.ts';
import { emptyMessage, noNode } from './types.ts';
import type { ConfChange, ConfState, Entry, InitialState, Message, MessageType, NodeId, ReadState, Role, Snapshot } from './types.ts';

const emptyData = new Uint8Array(0);

/** Messages a leader sends to replicate its log: they may go out before its own write is synced. */
const leaderMessageTypes: ReadonlySet<MessageType> = new Set(['append', 'heartbeat', 'snapshot', 'timeout-now', 'read-index-resp']);

type ReadRequest = { context: string; from: NodeId };

/**
 * The Raft state machine of one member. Deterministic: its only inputs are the calls made on
 * it, and its only randomness is the seeded PRNG of its config. RawNode wraps it with Ready.
 */
export class Raft {
  readonly config: ResolvedConfig;
  readonly id: NodeId;
  term = 0;
  vote: NodeId = noNode;
  leader: NodeId = noNode;
  role: Role = 'follower';
  readonly log: RaftLog;
  conf: ConfState;
  /** Per member, maintained on a leader. */
  progress = new Map<NodeId, Progress>();
  /** The last snapshot the application created: what a lagging follower is sent. */
  snapshot: Snapshot | null = null;
  /** A follower needs a snapshot and there is none since this member started. */
  snapshotWanted = false;

  /** Messages to send after the Ready's write, and a leader's replication messages. */
  messages: Message[] = [];
  leaderMessages: Message[] = [];
  readStates: ReadState[] = [];

  #votes = new Map<NodeId, boolean>();
  #electionElapsed = 0;
  #heartbeatElapsed = 0;
  #randomizedElectionTimeout = 0;
  /** Total ticks seen by this member: the leader's clock for leases and last contact. */
  #ticks = 0;
  #leadTransferee: NodeId = noNode;
  #pendingConfIndex = 0;
  #uncommittedBytes = 0;
  readonly #reads = new ReadQueue();
  /** Reads that arrived before this leader committed an entry of its own term. */
  #readsAwaitingCommit: ReadRequest[] = [];
  /** Proposals appended since the last broadcast. */
  #appendUnsent = false;

  #stepRole: (m: Message) => void;
  #tickRole: () => void;

  constructor(config: RaftConfig, initial: InitialState) {
    this.config = resolveConfig(config);
    this.id = this.config.id;
    const snap = initial.snapshot;
    const bootstrap = isFresh(initial) && initial.conf.voters.length > 0;
    // A founding member writes the founding membership as the log's first entry, identical on
    // every founder and committed from the start (as etcd-io/raft's bootstrap does), so that a
    // member joining later replays its membership from the log like everything else.
    const entries = bootstrap ? [bootstrapEntry(initial.conf)] : initial.entries;
    const commit = bootstrap ? 1 : initial.hardState.commit;
    this.log = new RaftLog(snap?.index ?? 0, snap?.term ?? 0, entries, commit, initial.applied);
    if (bootstrap) this.log.stableIndex = 0;
    // Membership: the snapshot's, then every change applied since. The bootstrap entry is in
    // effect from the moment it is in the log (every founder has it, committed).
    this.conf = cloneConf(snap?.conf ?? { voters: [], learners: [] });
    const last = Math.max(initial.applied, this.log.term(1) === 0 ? 1 : 0);
    for (const entry of this.log.slice(this.log.firstIndex(), last + 1, Number.MAX_SAFE_INTEGER, Infinity) ?? []) {
      if (entry.kind === 'conf') this.conf = applyChange(this.conf, entry.change!);
    }
    this.#stepRole = this.#stepFollower;
    this.#tickRole = this.#tickElection;
    this.becomeFollower(initial.hardState.term, noNode);
    this.vote = initial.hardState.vote;
  }

  // ---- roles ----------------------------------------------------------------------------

  becomeFollower(term: number, leader: NodeId): void {
    this.#reset(term);
    this.leader = leader;
    this.role = 'follower';
    this.#stepRole = this.#stepFollower;
    this.#tickRole = this.#tickElection;
  }

  becomePreCandidate(): void {
    assert(this.role !== 'leader', 'leader cannot become pre-candidate');
    // A pre-election changes neither the term nor the vote: that is its whole point.
    this.#votes.clear();
    this.#resetElectionTimeout();
    this.leader = noNode;
    this.role = 'pre-candidate';
    this.#stepRole = this.#stepCandidate;
    this.#tickRole = this.#tickElection;
  }

  becomeCandidate(): void {
    assert(this.role !== 'leader', 'leader cannot become candidate');
    this.#reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.#stepRole = this.#stepCandidate;
    this.#tickRole = this.#tickElection;
  }

  becomeLeader(): void {
    assert(this.role === 'candidate', `${this.role} cannot become leader directly`);
    this.#reset(this.term);
    this.leader = this.id;
    this.role = 'leader';
    this.#stepRole = this.#stepLeader;
    this.#tickRole = this.#tickHeartbeat;
    this.progress.get(this.id)!.becomeReplicate();
    // No membership change until everything up to our own no-op is applied (thesis 4.1).
    this.#pendingConfIndex = this.log.lastIndex();
    this.#appendEntries([{ term: 0, index: 0, kind: 'normal', data: emptyData }]);
  }

  #reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = noNode;
    }
    this.leader = noNode;
    this.#electionElapsed = 0;
    this.#heartbeatElapsed = 0;
    this.#resetElectionTimeout();
    this.#leadTransferee = noNode;
    this.#votes.clear();
    this.#pendingConfIndex = 0;
    this.#uncommittedBytes = 0;
    this.#appendUnsent = false;
    this.#reads.clear();
    this.#readsAwaitingCommit = [];
    this.#resetProgress();
  }

  #resetProgress(): void {
    this.progress = new Map();
    const next = this.log.lastIndex() + 1;
    for (const id of this.conf.voters) this.progress.set(id, this.#newProgress(next, false));
    for (const id of this.conf.learners) this.progress.set(id, this.#newProgress(next, true));
    const self = this.progress.get(this.id);
    if (self) self.match = this.log.stableIndex;
  }

  /** Each member draws its timeout in [electionTicks, 2 * electionTicks), so split votes end. */
  #resetElectionTimeout(): void {
    this.#randomizedElectionTimeout = this.config.electionTicks + this.config.prng.int(this.config.electionTicks);
  }

  #newProgress(next: number, learner: boolean): Progress {
    return new Progress(next, learner, this.config.inflightAppendsMax);
  }

  // ---- time -----------------------------------------------------------------------------

  tick(): void {
    this.#ticks++;
    this.#tickRole();
  }

  #tickElection(): void {
    this.#electionElapsed++;
    if (this.#promotable() && this.#electionElapsed >= this.#randomizedElectionTimeout) {
      this.#electionElapsed = 0;
      this.campaign('pre-vote');
    }
  }

  #tickHeartbeat(): void {
    this.#heartbeatElapsed++;
    this.#electionElapsed++;
    if (this.#electionElapsed >= this.config.electionTicks) {
      this.#electionElapsed = 0;
      if (this.config.checkQuorum && !this.#quorumActive()) {
        this.becomeFollower(this.term, noNode);
        return;
      }
      this.#leadTransferee = noNode;
    }
    this.#tickSnapshotWaits();
    if (this.#heartbeatElapsed >= this.config.heartbeatTicks) {
      this.#heartbeatElapsed = 0;
      this.#bcastHeartbeat();
    }
  }

  /** A snapshot that got lost is sent again after an election timeout without an answer. */
  #tickSnapshotWaits(): void {
    for (const pr of this.progress.values()) {
      if (pr.state !== 'snapshot') continue;
      if (++pr.snapshotTicks >= this.config.electionTicks) pr.becomeProbe();
    }
  }

  /** CheckQuorum: has a quorum been heard from since the last round? Resets the marks. */
  #quorumActive(): boolean {
    let active = 0;
    for (const id of this.conf.voters) {
      const pr = this.progress.get(id)!;
      if (id === this.id || pr.recentActive) active++;
      pr.recentActive = false;
    }
    return active >= this.#quorum();
  }

  // ---- elections --------------------------------------------------------------------------

  #promotable(): boolean {
    return this.conf.voters.includes(this.id) && this.log.pendingSnapshot === null;
  }

  /**
   * Starts an election. `'pre-vote'`: a pre-election first when PreVote is on; `'vote'`: the
   * real election after a won pre-election; `'transfer'`: a leadership transfer's election,
   * which skips the pre-vote and is the only one that overrides followers' leases.
   */
  campaign(kind: 'pre-vote' | 'vote' | 'transfer'): void {
    if (!this.#promotable() || this.role === 'leader') return;
    // A member that has not applied a committed membership change does not know its quorum.
    if (this.#hasUnappliedConfChange()) return;
    if (kind === 'pre-vote' && this.config.preVote) {
      this.becomePreCandidate();
      this.#requestVotes('pre-vote', this.term + 1, false);
    } else {
      this.becomeCandidate();
      this.#requestVotes('vote', this.term, kind === 'transfer');
    }
  }

  #hasUnappliedConfChange(): boolean {
    const lo = Math.max(this.log.applied + 1, this.log.firstIndex());
    const pending = this.log.slice(lo, this.log.committed + 1, Number.MAX_SAFE_INTEGER, Infinity) ?? [];
    return pending.some((entry) => entry.kind === 'conf' && entry.change!.type !== 'bootstrap');
  }

  #requestVotes(type: 'pre-vote' | 'vote', term: number, transfer: boolean): void {
    if (this.#tally(this.id, true) === 'won') return this.#wonElection();
    for (const id of this.conf.voters) {
      if (id === this.id) continue;
      const m = emptyMessage(type, this.id, id, term);
      m.index = this.log.lastIndex();
      m.logTerm = this.log.lastTerm();
      m.transfer = transfer;
      this.#send(m);
    }
  }

  #tally(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.#votes.has(from)) this.#votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const id of this.conf.voters) {
      const vote = this.#votes.get(id);
      if (vote === true) yes++;
      else if (vote === false) no++;
    }
    const quorum = this.#quorum();
    if (yes >= quorum) return 'won';
    if (no > this.conf.voters.length - quorum) return 'lost';
    return 'pending';
  }

  #wonElection(): void {
    if (this.role === 'pre-candidate') {
      this.campaign('vote');
      return;
    }
    this.becomeLeader();
    this.#bcastAppend();
  }

  #quorum(): number {
    return Math.floor(this.conf.voters.length / 2) + 1;
  }

  #handleVote(m: Message): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === noNode && this.leader === noNode) ||
      (m.type === 'pre-vote' && m.term > this.term);
    const respType = m.type === 'vote' ? 'vote-resp' : 'pre-vote-resp';
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // A granted pre-vote answers in the term it was asked for, so the asker counts it.
      this.#send(emptyMessage(respType, this.id, m.from, m.term));
      if (m.type === 'vote') {
        this.#electionElapsed = 0;
        this.vote = m.from;
      }
      return;
    }
    const resp = emptyMessage(respType, this.id, m.from, this.term);
    resp.reject = true;
    this.#send(resp);
  }

  // ---- messages ---------------------------------------------------------------------------

  step(m: Message): void {
    if (!this.#stepTerm(m)) return;
    if (m.type === 'vote' || m.type === 'pre-vote') return this.#handleVote(m);
    this.#stepRole(m);
  }

  /** Raft's term rules. Returns false when the message is to be dropped. */
  #stepTerm(m: Message): boolean {
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'pre-vote') {
        // CheckQuorum's lease: while we hear from a leader, nobody else gets our vote.
        const inLease = this.config.checkQuorum && this.leader !== noNode && this.#electionElapsed < this.config.electionTicks;
        if (inLease && !m.transfer) return false;
      }
      if (m.type === 'pre-vote' || (m.type === 'pre-vote-resp' && !m.reject)) return true;
      const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
      this.becomeFollower(m.term, fromLeader ? m.from : noNode);
      return true;
    }
    if (m.term < this.term) {
      if ((this.config.checkQuorum || this.config.preVote) && (m.type === 'heartbeat' || m.type === 'append')) {
        // A stale leader cut off by PreVote/CheckQuorum would never learn of our term otherwise.
        this.#send(emptyMessage('append-resp', this.id, m.from, this.term));
      } else if (m.type === 'pre-vote') {
        const resp = emptyMessage('pre-vote-resp', this.id, m.from, this.term);
        resp.reject = true;
        this.#send(resp);
      }
      return false;
    }
    return true;
  }

  #send(m: Message): void {
    if (this.role === 'leader' && leaderMessageTypes.has(m.type)) this.leaderMessages.push(m);
    else this.messages.push(m);
  }

  #stepFollower(m: Message): void {
    switch (m.type) {
      case 'append':
        this.#heardFromLeader(m.from);
        return this.#handleAppend(m);
      case 'heartbeat':
        this.#heardFromLeader(m.from);
        return this.#handleHeartbeat(m);
      case 'snapshot':
        this.#heardFromLeader(m.from);
        return this.#handleSnapshot(m);
      case 'timeout-now':
        return this.campaign('transfer');
      case 'read-index-resp':
        this.readStates.push({ index: m.index, context: m.context });
        return;
      default:
        return;
    }
  }

  #heardFromLeader(leader: NodeId): void {
    this.#electionElapsed = 0;
    this.leader = leader;
  }

  #stepCandidate(m: Message): void {
    switch (m.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        this.becomeFollower(m.term, m.from);
        return this.#stepFollower(m);
      case 'pre-vote-resp':
      case 'vote-resp': {
        const expected = this.role === 'pre-candidate' ? 'pre-vote-resp' : 'vote-resp';
        if (m.type !== expected) return;
        const result = this.#tally(m.from, !m.reject);
        if (result === 'won') this.#wonElection();
        else if (result === 'lost') this.becomeFollower(this.term, noNode);
        return;
      }
      default:
        return;
    }
  }

  #handleAppend(m: Message): void {
    const resp = emptyMessage('append-resp', this.id, m.from, this.term);
    if (m.index < this.log.committed) {
      resp.index = this.log.committed;
      return this.#send(resp);
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== null) {
      resp.index = lastNew;
      return this.#send(resp);
    }
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    resp.reject = true;
    resp.index = m.index;
    resp.rejectHint = hint;
    resp.logTerm = this.log.term(hint) ?? 0;
    this.#send(resp);
  }

  #handleHeartbeat(m: Message): void {
    // The leader sends min(our match, its commit), so this never passes our log's end.
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    const resp = emptyMessage('heartbeat-resp', this.id, m.from, this.term);
    resp.readSeq = m.readSeq;
    this.#send(resp);
  }

  #handleSnapshot(m: Message): void {
    const snapshot = m.snapshot!;
    const resp = emptyMessage('append-resp', this.id, m.from, this.term);
    if (this.#restore(snapshot)) resp.index = this.log.lastIndex();
    else resp.index = this.log.committed;
    this.#send(resp);
  }

  #restore(snapshot: Snapshot): boolean {
    const { index, term } = snapshot.meta;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      // We have the snapshot's last entry: just fast-forward the commit index.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(snapshot);
    this.conf = cloneConf(snapshot.meta.conf);
    this.#resetProgress();
    return true;
  }

  // ---- the leader -------------------------------------------------------------------------

  #stepLeader(m: Message): void {
    const pr = this.progress.get(m.from);
    if (m.type === 'read-index') return this.#handleReadIndex({ context: m.context, from: m.from });
    if (pr === undefined) return;
    pr.recentActive = true;
    pr.lastContactTick = this.#ticks;
    switch (m.type) {
      case 'append-resp':
        return this.#handleAppendResp(m, pr);
      case 'heartbeat-resp':
        return this.#handleHeartbeatResp(m, pr);
      default:
        return;
    }
  }

  #handleAppendResp(m: Message, pr: Progress): void {
    if (m.reject) {
      let hint = m.rejectHint;
      if (m.logTerm > 0) hint = this.log.findConflictByTerm(m.rejectHint, m.logTerm);
      if (pr.maybeDecrTo(m.index, hint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.#sendAppend(m.from, true);
      }
      return;
    }
    // A probe answered at the match we already know also ends the probe.
    const probeMatched = pr.state === 'probe' && pr.match === m.index;
    if (!pr.maybeUpdate(m.index) && !probeMatched) return;
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);

    if (this.#maybeCommit()) this.#bcastCommit();
    while (this.#sendAppend(m.from, false));
    // A follower whose pipeline has drained learns a commit index it was not sent now, not at
    // the next heartbeat.
    if (pr.sentCommit < this.log.committed && pr.drained()) this.#sendAppend(m.from, true);
    if (m.from === this.#leadTransferee && pr.match === this.log.lastIndex()) this.#sendTimeoutNow(m.from);
  }

  #handleHeartbeatResp(m: Message, pr: Progress): void {
    pr.probeSent = false;
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
    if (pr.match < this.log.lastIndex()) this.#sendAppend(m.from, true);
    if (m.readSeq > pr.readSeqAcked) {
      pr.readSeqAcked = m.readSeq;
      this.#releaseConfirmedReads();
    }
  }

  /** Sends the next append (or a snapshot) to `to`. Returns whether it sent anything. */
  #sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    if (to === this.id) return false;
    const pr = this.progress.get(to)!;
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries = this.log.slice(pr.next, this.log.lastIndex() + 1, this.config.appendEntriesMax, this.config.appendBytesMax);
    if (prevTerm === null || entries === null) return this.#sendSnapshot(to, pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    const m = emptyMessage('append', this.id, to, this.term);
    m.index = prevIndex;
    m.logTerm = prevTerm;
    m.entries = entries;
    m.commit = this.log.committed;
    pr.sentCommit = m.commit;
    this.#send(m);
    if (entries.length > 0) {
      if (pr.state === 'replicate') {
        const last = entries[entries.length - 1].index;
        pr.optimisticUpdate(last);
        pr.inflights.add(last);
      } else pr.probeSent = true;
    }
    return true;
  }

  #sendSnapshot(to: NodeId, pr: Progress): boolean {
    const snapshot = this.snapshot;
    if (snapshot === null || snapshot.meta.index < this.log.firstIndex() - 1) {
      // None, or older than the compacted log: the application must make one (Ready.snapshotWanted).
      this.snapshotWanted = true;
      return false;
    }
    const m = emptyMessage('snapshot', this.id, to, this.term);
    m.snapshot = snapshot;
    this.#send(m);
    pr.becomeSnapshot(snapshot.meta.index);
    return true;
  }

  #bcastAppend(): void {
    for (const id of this.progress.keys()) this.#sendAppend(id, true);
  }

  /**
   * The commit index moved on: every follower gets what is unsent, but an append carrying only
   * the new commit index goes only to a follower with nothing in flight. One with appends in
   * flight learns it with the next append, or when its last answer comes back
   * (#handleAppendResp): under load that halves the messages and the follower's Readies, and a
   * follower's commit index never waits for a heartbeat while the leader knows a newer one.
   */
  #bcastCommit(): void {
    for (const [id, pr] of this.progress) this.#sendAppend(id, pr.drained());
  }

  #bcastHeartbeat(): void {
    const seq = this.#reads.startRound(this.#ticks);
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      const m = emptyMessage('heartbeat', this.id, id, this.term);
      m.commit = Math.min(pr.match, this.log.committed);
      m.readSeq = seq;
      this.#send(m);
    }
  }

  #sendTimeoutNow(to: NodeId): void {
    this.#send(emptyMessage('timeout-now', this.id, to, this.term));
  }

  /** The commit rule (paper 5.4.2): count replicas only for entries of the current term. */
  #maybeCommit(): boolean {
    const matches = this.conf.voters.map((id) => this.progress.get(id)!.match).sort((a, b) => b - a);
    const index = matches[this.#quorum() - 1];
    const before = this.log.committed;
    if (index <= before) return false;
    if (this.config.unsafeCommitPreviousTermByCount) this.log.commitTo(index);
    else if (this.log.term(index) === this.term) this.log.commitTo(index);
    if (this.log.committed === before) return false;
    this.#onCommitAdvanced();
    return true;
  }

  #onCommitAdvanced(): void {
    if (this.#readsAwaitingCommit.length === 0 || !this.#committedInTerm()) return;
    const waiting = this.#readsAwaitingCommit;
    this.#readsAwaitingCommit = [];
    for (const request of waiting) this.#handleReadIndex(request);
  }

  #committedInTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  /** The leader's own entries are on disk up to `index`: only now does it count itself. */
  selfStableTo(index: number): void {
    if (this.role !== 'leader') return;
    const self = this.progress.get(this.id);
    if (self === undefined || !self.maybeUpdate(index)) return;
    if (this.#maybeCommit()) this.#bcastCommit();
  }

  #appendEntries(entries: Entry[]): { index: number; term: number } {
    let index = this.log.lastIndex();
    for (const entry of entries) {
      entry.term = this.term;
      entry.index = ++index;
    }
    this.log.append(entries);
    return { index, term: this.term };
  }

  // ---- proposals --------------------------------------------------------------------------

  propose(entries: Entry[]): { index: number; term: number } {
    if (this.role !== 'leader') throw new NotLeaderError(this.leader);
    if (this.#leadTransferee !== noNode) throw new TransferInProgressError(this.#leadTransferee);
    let bytes = 0;
    for (const entry of entries) bytes += entry.data.length;
    if (this.#uncommittedBytes > 0 && this.#uncommittedBytes + bytes > uncommittedBytesMax) {
      throw new ProposalQueueFullError(this.#uncommittedBytes);
    }
    this.#uncommittedBytes += bytes;
    const result = this.#appendEntries(entries);
    // Proposals until the next Ready go out together: one append per follower (group commit).
    this.#appendUnsent = true;
    return result;
  }

  proposeConfChange(change: ConfChange): { index: number; term: number } {
    if (this.role !== 'leader') throw new NotLeaderError(this.leader);
    if (this.#pendingConfIndex > this.log.applied) throw new ConfChangeInProgressError(this.#pendingConfIndex);
    validateChange(this.conf, change);
    const result = this.propose([{ term: 0, index: 0, kind: 'conf', data: emptyData, change: { ...change } }]);
    this.#pendingConfIndex = result.index;
    return result;
  }

  /** Committed entries were handed out and applied: they no longer count as uncommitted. */
  entriesApplied(entries: Entry[]): void {
    for (const entry of entries) {
      this.#uncommittedBytes = Math.max(0, this.#uncommittedBytes - entry.data.length);
      if (entry.kind === 'conf') this.#applyConfChange(entry.change!);
    }
  }

  // ---- membership -------------------------------------------------------------------------

  #applyConfChange(change: ConfChange): void {
    this.conf = applyChange(this.conf, change);
    if (change.type === 'bootstrap') {
      if (this.progress.size === 0) this.#resetProgress();
      return;
    }
    if (change.type === 'remove') {
      this.progress.delete(change.node);
      if (change.node === this.#leadTransferee) this.#leadTransferee = noNode;
    } else {
      const existing = this.progress.get(change.node);
      const learner = change.type === 'add-learner';
      if (existing === undefined) this.progress.set(change.node, this.#newProgress(this.log.lastIndex() + 1, learner));
      else if (existing.learner && !learner) {
        const promoted = this.#newProgress(existing.next, false);
        promoted.match = existing.match;
        promoted.recentActive = true;
        promoted.becomeProbe();
        this.progress.set(change.node, promoted);
      }
    }
    if (this.role !== 'leader') return;
    if (!this.conf.voters.includes(this.id)) {
      // A removed leader steps down; the remaining members elect a new one.
      this.becomeFollower(this.term, noNode);
      return;
    }
    if (this.#maybeCommit()) this.#bcastAppend();
    this.#releaseConfirmedReads();
  }

  // ---- leadership transfer ----------------------------------------------------------------

  transferLeadership(to: NodeId): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.leader);
    if (to === this.id) return;
    if (!this.conf.voters.includes(to)) throw new TransferRefusedError(`member ${to} is not a voter`);
    if (this.#leadTransferee === to) return;
    this.#leadTransferee = to;
    // The transfer must finish within an election timeout, or it is abandoned.
    this.#electionElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex()) this.#sendTimeoutNow(to);
    else this.#sendAppend(to, true);
  }

  get leadTransferee(): NodeId {
    return this.#leadTransferee;
  }

  // ---- reads ------------------------------------------------------------------------------

  readIndex(context: string): void {
    if (this.role === 'leader') return this.#handleReadIndex({ context, from: this.id });
    if (this.leader === noNode) throw new NoLeaderError();
    const m = emptyMessage('read-index', this.id, this.leader, this.term);
    m.context = context;
    this.#send(m);
  }

  #handleReadIndex(request: ReadRequest): void {
    if (this.#reads.size + this.#readsAwaitingCommit.length >= pendingReadsMax) {
      if (request.from === this.id) throw new ReadQueueFullError(pendingReadsMax);
      return; // a follower's request: it times out and retries
    }
    // A new leader does not know the commit index until it has committed its own entry.
    if (!this.#committedInTerm()) {
      this.#readsAwaitingCommit.push(request);
      return;
    }
    const index = this.log.committed;
    if (this.conf.voters.length === 1 || (this.config.leaseReads && this.#leaseValid())) {
      return this.#answerRead(request, index);
    }
    this.#reads.add(request.context, request.from, index);
  }

  /**
   * Sends what was batched since the last Ready: appends of new proposals, and the heartbeat
   * round that confirms reads queued since (it must start after they arrived).
   */
  flush(): void {
    if (this.role !== 'leader') return;
    if (this.#appendUnsent) {
      this.#appendUnsent = false;
      this.#bcastAppend();
    }
    if (this.#reads.hasUnsent()) this.#bcastHeartbeat();
  }

  #releaseConfirmedReads(): void {
    if (this.role !== 'leader' || this.#reads.size === 0) return;
    const confirmed = this.#quorumAckedSeq();
    for (const read of this.#reads.takeConfirmed(confirmed)) this.#answerRead(read, read.index);
  }

  /** The highest heartbeat round a quorum of voters (ourselves included) has acknowledged. */
  #quorumAckedSeq(): number {
    const acked = this.conf.voters.map((id) => (id === this.id ? Infinity : this.progress.get(id)!.readSeqAcked));
    acked.sort((a, b) => b - a);
    return acked[this.#quorum() - 1];
  }

  /** Lease reads: a quorum acknowledged a heartbeat sent less than an election timeout ago. */
  #leaseValid(): boolean {
    if (this.#leadTransferee !== noNode) return false; // the transferee may lead before our lease ends
    const sentTick = this.#reads.sentTick(this.#quorumAckedSeq());
    // Followers refuse votes for electionTicks after hearing from us; keep a margin for drift.
    const leaseTicks = this.config.electionTicks - this.config.heartbeatTicks;
    return sentTick !== null && this.#ticks - sentTick < leaseTicks;
  }

  #answerRead(request: { context: string; from: NodeId }, index: number): void {
    if (request.from === this.id) {
      this.readStates.push({ index, context: request.context });
      return;
    }
    const m = emptyMessage('read-index-resp', this.id, request.from, this.term);
    m.index = index;
    m.context = request.context;
    this.#send(m);
  }

  // ---- snapshots and status ---------------------------------------------------------------

  /** The application made a snapshot at `index` (<= applied): it is what laggards get. */
  createSnapshot(index: number, data: Uint8Array): Snapshot {
    assert(index <= this.log.applied, `snapshot at ${index} beyond applied ${this.log.applied}`);
    if (this.snapshot !== null && index <= this.snapshot.meta.index) return this.snapshot;
    const term = this.log.term(index);
    assert(term !== null, `snapshot at ${index}: the entry is compacted`);
    // The membership at `index` is the one applied then: ours, unless changes were applied since.
    const snapshot: Snapshot = { meta: { index, term, conf: this.#confAt(index) }, data };
    this.snapshot = snapshot;
    this.snapshotWanted = false;
    return snapshot;
  }

  confStateAt(index: number): ConfState | null {
    assert(index <= this.log.applied, `membership at ${index} asked beyond applied ${this.log.applied}`);
    if (index !== this.log.applied && this.#confChangedAfter(index)) return null;
    return cloneConf(this.conf);
  }

  #confAt(index: number): ConfState {
    const conf = this.confStateAt(index);
    assert(conf !== null, `snapshot at ${index}: a membership change was applied after it`);
    return conf;
  }

  #confChangedAfter(index: number): boolean {
    const entries = this.log.slice(index + 1, this.log.applied + 1, Number.MAX_SAFE_INTEGER, Infinity) ?? [];
    return entries.some((entry) => entry.kind === 'conf');
  }

  /**
   * Drops the log up to `index` (<= applied). A snapshot need not exist yet: when a follower
   * turns out to need one, the leader asks for it (snapshotWanted), so that the state machine
   * is serialized only when someone needs it.
   */
  compact(index: number): void {
    this.log.compact(index);
  }

  reportUnreachable(id: NodeId): void {
    const pr = this.progress.get(id);
    if (this.role === 'leader' && pr?.state === 'replicate') pr.becomeProbe();
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.progress.get(id);
    if (this.role !== 'leader' || pr?.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    pr.probeSent = true; // wait for the follower's answer (or the next heartbeat) to go on
  }

  get ticks(): number {
    return this.#ticks;
  }
}

/** Nothing on disk yet: no snapshot, no entries, no term. */
function isFresh(initial: InitialState): boolean {
  return initial.snapshot === null && initial.entries.length === 0 && initial.hardState.term === 0 && initial.applied === 0;
}

function bootstrapEntry(conf: ConfState): Entry {
  return { term: 0, index: 1, kind: 'conf', data: emptyData, change: { type: 'bootstrap', node: 0, voters: [...conf.voters], learners: [...conf.learners] } };
}

function cloneConf(conf: ConfState): ConfState {
  return { voters: [...conf.voters], learners: [...conf.learners] };
}

function validateChange(conf: ConfState, change: ConfChange): void {
  const isVoter = conf.voters.includes(change.node);
  const isLearner = conf.learners.includes(change.node);
  if (change.type === 'bootstrap') throw new InvalidConfChangeError('the founding membership is written at bootstrap only');
  if (change.node <= 0) throw new InvalidConfChangeError(`member id must be positive, got ${change.node}`);
  if (change.type === 'add-learner' && (isVoter || isLearner)) {
    throw new InvalidConfChangeError(`member ${change.node} is already a ${isVoter ? 'voter' : 'learner'}`);
  }
  if (change.type === 'add-voter' && isVoter) throw new InvalidConfChangeError(`member ${change.node} is already a voter`);
  if (change.type === 'remove') {
    if (!isVoter && !isLearner) throw new InvalidConfChangeError(`member ${change.node} is not a member`);
    if (isVoter && conf.voters.length === 1) throw new InvalidConfChangeError('cannot remove the last voter');
  }
}

/** The membership after one change. Sorted, so every member iterates in the same order. */
export function applyChange(conf: ConfState, change: ConfChange): ConfState {
  if (change.type === 'bootstrap') return { voters: [...change.voters], learners: [...change.learners] };
  const voters = conf.voters.filter((id) => id !== change.node);
  const learners = conf.learners.filter((id) => id !== change.node);
  if (change.type === 'add-voter') voters.push(change.node);
  if (change.type === 'add-learner') learners.push(change.node);
  return { voters: voters.sort((a, b) => a - b), learners: learners.sort((a, b) => a - b) };
}
