import { assert } from './assert.ts';
import { readyCommittedBytesMax } from './config.ts';
import type { RaftConfig } from './config.ts';
import type { ProgressState } from './progress.ts';
import { Raft } from './raft.ts';
import type { ConfChange, ConfState, Entry, HardState, InitialState, Message, NodeId, Ready, Role, Snapshot, SoftState } from './types.ts';

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  learner: boolean;
  /** Ticks since the leader last heard from this member. */
  lastContactTicks: number;
}

export interface Status {
  id: NodeId;
  role: Role;
  term: number;
  vote: NodeId;
  leader: NodeId;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  conf: ConfState;
  /** Set while a leadership transfer is in flight. */
  transferee: NodeId;
  /** Per member, on a leader only. */
  progress: Map<NodeId, ProgressStatus>;
}

/**
 * The pure Raft state machine behind the Ready/advance interface (etcd-io/raft's RawNode).
 * Inputs: tick, step, propose, proposeConfChange, readIndex, transferLeadership, campaign.
 * Output: a Ready, handled by the driver and acknowledged with advance. One Ready at a time:
 * calls may go on between ready() and advance(); what they produce comes in the next Ready.
 */
export class RawNode {
  readonly #raft: Raft;
  #prevSoft: SoftState;
  #prevHard: HardState;
  /** The term on disk: that of the last Ready advanced (its write done), or the initial one. */
  #durableTerm: number;
  #outstanding: Ready | null = null;

  constructor(config: RaftConfig, initial: InitialState) {
    this.#raft = new Raft(config, initial);
    this.#prevSoft = this.#softState();
    this.#prevHard = { ...initial.hardState };
    this.#durableTerm = initial.hardState.term;
  }

  tick(): void {
    this.#raft.tick();
  }

  step(message: Message): void {
    this.#raft.step(message);
  }

  /** Starts an election now (with a pre-vote when PreVote is on). */
  campaign(): void {
    this.#raft.campaign('pre-vote');
  }

  /** Appends one entry on the leader; throws a KeelError with a code when refused. */
  propose(data: Uint8Array): { index: number; term: number } {
    return this.#raft.propose([{ term: 0, index: 0, kind: 'normal', data }]);
  }

  /** Appends several entries at once; returns the index and term of the last. */
  proposeBatch(data: Uint8Array[]): { index: number; term: number } {
    assert(data.length > 0, 'empty proposal batch');
    return this.#raft.propose(data.map((d): Entry => ({ term: 0, index: 0, kind: 'normal', data: d })));
  }

  /** Proposes a single-server membership change; it takes effect when applied. */
  proposeConfChange(change: ConfChange): { index: number; term: number } {
    return this.#raft.proposeConfChange(change);
  }

  /** Asks for a linearizable read index; the answer comes as a ReadState with this context. */
  readIndex(context: string): void {
    this.#raft.readIndex(context);
  }

  transferLeadership(to: NodeId): void {
    this.#raft.transferLeadership(to);
  }

  hasReady(): boolean {
    if (this.#outstanding !== null) return false;
    const raft = this.#raft;
    raft.flush();
    const log = raft.log;
    return (
      raft.messages.length > 0 ||
      raft.leaderMessages.length > 0 ||
      raft.readStates.length > 0 ||
      log.stableIndex < log.lastIndex() ||
      log.pendingSnapshot !== null ||
      log.hasNextCommitted() ||
      raft.snapshotWanted ||
      !sameSoft(this.#softState(), this.#prevSoft) ||
      !sameHard(this.#hardState(), this.#prevHard)
    );
  }

  ready(): Ready {
    assert(this.#outstanding === null, 'ready() called again before advance()');
    const raft = this.#raft;
    raft.flush();
    const log = raft.log;
    const soft = this.#softState();
    const entries = log.unstableEntries(raft.config.readyEntriesBytesMax);
    // Only what is on disk once this Ready is written: entries it leaves for the next Ready
    // cannot be applied yet, even if a quorum already has them, and the commit index it stores
    // must not name them (a restart would find committed entries missing).
    const snapshotIndex = log.pendingSnapshot?.meta.index ?? 0;
    const onDiskAfter = entries.length > 0 ? entries[entries.length - 1].index : Math.max(log.stableIndex, snapshotIndex);
    const hard = this.#hardState(onDiskAfter);
    const messages = this.#takeMessages(onDiskAfter);
    const committedEntries = log.nextCommitted(readyCommittedBytesMax, onDiskAfter);
    if (committedEntries.length > 0) log.applying = committedEntries[committedEntries.length - 1].index;
    const ready: Ready = {
      snapshotWanted: raft.snapshotWanted,
      softState: sameSoft(soft, this.#prevSoft) ? null : soft,
      hardState: sameHard(hard, this.#prevHard) ? null : hard,
      entries,
      snapshot: log.pendingSnapshot,
      committedEntries,
      messages,
      leaderMessages: raft.leaderMessages,
      readStates: raft.readStates,
      mustSync: entries.length > 0 || log.pendingSnapshot !== null || hard.term !== this.#prevHard.term || hard.vote !== this.#prevHard.vote,
    };
    raft.leaderMessages = [];
    raft.readStates = [];
    this.#prevSoft = soft;
    this.#prevHard = hard;
    this.#outstanding = ready;
    return ready;
  }

  /**
   * The messages a leader may send before its own write (heartbeats, appends) queued since the
   * last Ready, taken now, also while a Ready is outstanding: a driver whose write is slow sends
   * a leader's heartbeats meanwhile, or its followers would take the silence for a dead leader.
   */
  takeLeaderMessages(): Message[] {
    const raft = this.#raft;
    if (raft.leaderMessages.length === 0) return [];
    const messages = raft.leaderMessages;
    raft.leaderMessages = [];
    return messages;
  }

  /**
   * A follower's answers to heartbeats, taken now, also while a Ready is outstanding: a driver
   * whose write is slow sends them meanwhile, or its leader, hearing nothing, steps down
   * (CheckQuorum). Only answers in a term already on disk go: one in a term the outstanding
   * Ready is still writing would let a crash forget that term and vote in it again.
   */
  takeHeartbeatResponses(): Message[] {
    const raft = this.#raft;
    if (raft.role === 'leader' || raft.term !== this.#durableTerm) return [];
    let taken: Message[] | null = null;
    const rest: Message[] = [];
    for (const m of raft.messages) {
      if (m.type === 'heartbeat-resp' && m.term === this.#durableTerm) (taken ??= []).push(m);
      else rest.push(m);
    }
    if (taken === null) return [];
    raft.messages = rest;
    return taken;
  }

  /** The Ready was persisted, sent and applied. */
  advance(ready: Ready): void {
    assert(this.#outstanding === ready, 'advance() of a Ready that is not the outstanding one');
    this.#outstanding = null;
    const raft = this.#raft;
    if (ready.hardState !== null) this.#durableTerm = ready.hardState.term;
    if (ready.snapshot !== null) raft.log.snapshotInstalled(ready.snapshot);
    const entries = ready.entries;
    if (entries.length > 0) raft.log.stableTo(entries[entries.length - 1].index, entries[entries.length - 1].term);
    const committed = ready.committedEntries;
    if (committed.length > 0) {
      raft.log.appliedTo(committed[committed.length - 1].index);
      raft.entriesApplied(committed);
    }
    raft.selfStableTo(raft.log.stableIndex);
  }

  /**
   * Committed entries that are already on disk and were not in a Ready yet, handed out between
   * ready() and advance(): a driver applies them while it writes the outstanding Ready, instead
   * of waiting for that write and the next Ready. They count as applied at once, as a Ready's
   * committed entries do at advance(). They follow the outstanding Ready's committed entries,
   * which must be applied first: a driver applies the ones before that Ready's own entries
   * during its write (the only ones that can precede a hand-out: while the Ready commits an entry
   * it is still writing, nothing is on disk beyond it). They come before anything a later Ready
   * hands out. Stops before a membership change, which goes through a Ready.
   */
  takeCommittedStable(): Entry[] {
    const log = this.#raft.log;
    const entries = log.nextCommittedStable(readyCommittedBytesMax);
    if (entries.length === 0) return entries;
    log.appliedTo(entries[entries.length - 1].index);
    this.#raft.entriesApplied(entries);
    return entries;
  }

  /** Records a snapshot of the state machine at `index` (<= applied): what laggards are sent. */
  createSnapshot(index: number, data: Uint8Array): Snapshot {
    return this.#raft.createSnapshot(index, data);
  }

  /**
   * The membership in force at `index` (<= applied): null while a membership change handed out
   * after it may not be applied yet. An application that applies beside its Ready loop asks
   * before it stores a snapshot's meta at its own applied index, and tries again later on null.
   */
  confStateAt(index: number): ConfState | null {
    return this.#raft.confStateAt(index);
  }

  /** Drops log entries up to `index` (<= applied); a snapshot is asked for when a follower needs one. */
  compact(index: number): void {
    this.#raft.compact(index);
  }

  /** The transport could not reach `id`: stop pipelining to it and probe. */
  reportUnreachable(id: NodeId): void {
    this.#raft.reportUnreachable(id);
  }

  /** The transport finished (or failed) sending a snapshot to `id`. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.#raft.reportSnapshot(id, ok);
  }

  status(): Status {
    const raft = this.#raft;
    const progress = new Map<NodeId, ProgressStatus>();
    if (raft.role === 'leader') {
      for (const [id, pr] of raft.progress) {
        const lastContactTicks = id === raft.id ? 0 : raft.ticks - pr.lastContactTick;
        progress.set(id, { match: pr.match, next: pr.next, state: pr.state, learner: pr.learner, lastContactTicks });
      }
    }
    return {
      id: raft.id,
      role: raft.role,
      term: raft.term,
      vote: raft.vote,
      leader: raft.leader,
      commit: raft.log.committed,
      applied: raft.log.applied,
      firstIndex: raft.log.firstIndex(),
      lastIndex: raft.log.lastIndex(),
      conf: { voters: [...raft.conf.voters], learners: [...raft.conf.learners] },
      transferee: raft.leadTransferee,
      progress,
    };
  }

  /** Log entries in [lo, hi) still held in memory (for inspection and tests). */
  entries(lo: number, hi: number): Entry[] {
    return this.#raft.log.slice(lo, hi, Number.MAX_SAFE_INTEGER, Infinity) ?? [];
  }

  /** The last snapshot recorded by createSnapshot, or null. */
  lastSnapshot(): Snapshot | null {
    return this.#raft.snapshot;
  }

  #softState(): SoftState {
    return { leader: this.#raft.leader, role: this.#raft.role };
  }

  /**
   * The messages to send once this Ready is written, in order. An append acknowledgement of an
   * entry this Ready leaves for a later one stays behind until a Ready that writes it: a member
   * never claims an entry it does not hold on disk. One from an earlier term, or for entries a
   * conflict has since removed, is dropped (as a lost message would be).
   */
  #takeMessages(onDiskAfter: number): Message[] {
    const raft = this.#raft;
    const send: Message[] = [];
    const held: Message[] = [];
    for (const m of raft.messages) {
      const claimsUnwritten = m.type === 'append-resp' && !m.reject && m.index > onDiskAfter;
      if (!claimsUnwritten) send.push(m);
      else if (m.term === raft.term && m.index <= raft.log.lastIndex()) held.push(m);
    }
    raft.messages = held;
    return send;
  }

  /** The hard state, its commit index at most `onDisk` (the last index on disk once it is written). */
  #hardState(onDisk = Number.MAX_SAFE_INTEGER): HardState {
    return { term: this.#raft.term, vote: this.#raft.vote, commit: Math.min(this.#raft.log.committed, onDisk) };
  }
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
