// One simulated member: its disk, its state machine, and the Ready loop that drives its Raft
// core. A crash throws the core away; a restart builds a new one from the disk alone.

import {
  RawNode, type ConfChange, type ConfState, type Entry, type Message, type NodeId, type Prng,
  type Ready, type ReadState, type Role, type SoftState, type Status,
} from '../../raft/core/index.ts';
import type { Checker } from './checker.ts';
import { Disk } from './disk.ts';
import type { CrashPoint } from './faults.ts';
import type { KvApplied } from './kv-command.ts';
import type { Trace } from './trace.ts';

/** What a member needs from the simulator around it. */
export interface HostEnv {
  readonly nowMs: number;
  readonly checker: Checker;
  readonly trace: Trace;
  send(message: Message, sender: NodeHost): void;
  /** Where, if anywhere, `host` dies while handling `ready` (the crash triggers of the schedule). */
  crashPointFor(host: NodeHost, ready: Ready, leaderTerm: number): CrashPoint | null;
  /** `host` just died by a trigger; the simulator schedules its restart. */
  onTriggeredCrash(host: NodeHost, point: CrashPoint): void;
  /** `host` applied `entry`; `applied` is the answer to a kv client's command in it, if any. */
  onApply(host: NodeHost, entry: Entry, applied: KvApplied | null): void;
  /**
   * `host` handled a Ready's snapshot and committed entries: reads may be served up to its
   * applied index, and `readStates` (the Ready's) say which reads have their index now.
   */
  onApplied(host: NodeHost, readStates: ReadState[]): void;
}

export interface RaftKnobs {
  heartbeatTicks: number;
  electionTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  unsafeCommitPreviousTermByCount: boolean;
  /** Bytes of new entries one Ready hands out (RaftConfig.readyEntriesBytesMax); undefined: the core's default. */
  readyEntriesBytesMax?: number;
}

export interface HostOptions {
  id: NodeId;
  prng: Prng;
  raft: RaftKnobs;
  /** The founding membership (the same on every founder); empty for a member that joins later. */
  bootstrapConf: ConfState;
  /** Snapshot once this many entries were applied since the last one; 0 never. */
  snapshotEveryApplied: number;
  /** Entries kept in the log below a new snapshot, drawn in [0, compactKeepMax]. */
  compactKeepMax: number;
  /** Send a leader's replication messages before its own write (the Ready contract allows it). */
  leaderMessagesEarly: boolean;
  /**
   * The apply stage lags the Ready loop by up to this many ms (drawn per Ready), as keel's
   * driver applies committed entries beside its loop; 0: applied within the Ready.
   */
  applyLagMsMax: number;
}

export class NodeHost {
  readonly id: NodeId;
  readonly disk = new Disk();
  role: Role = 'follower';
  leader: NodeId = 0;
  incarnation = 0;
  snapshotsTaken = 0;
  snapshotsInstalled = 0;
  #core: RawNode | null = null;
  #env: HostEnv;
  #options: HostOptions;
  #compacted = 0;
  /** Committed entries handed out by the core and not applied yet, in order, each batch with its due time. */
  #applyQueue: Array<{ dueMs: number; entries: Entry[] }> = [];

  constructor(env: HostEnv, options: HostOptions) {
    this.id = options.id;
    this.#env = env;
    this.#options = options;
  }

  get up(): boolean {
    return this.#core !== null;
  }

  /** The term on disk, which is the member's term once its Ready is handled. */
  get term(): number {
    return this.disk.hardState.term;
  }

  #trace(text: string): void {
    this.#env.trace.event(this.#env.nowMs, `n${this.id} ${text}`);
  }

  start(): void {
    this.disk.compact(this.disk.snapshotIndex);
    this.#compacted = this.disk.snapshotIndex;
    const initial = this.disk.initialState(this.#options.bootstrapConf);
    const { raft, id } = this.#options;
    this.#core = new RawNode({ ...raft, id, prng: this.#options.prng.fork() }, initial);
    this.incarnation += 1;
    this.role = 'follower';
    this.leader = 0;
    this.#env.checker.observeStart(id, initial.applied);
    this.#trace(`start term=${initial.hardState.term} commit=${initial.hardState.commit} applied=${initial.applied} log=${this.disk.snapshotIndex}..${this.disk.lastIndex}`);
    this.#drain();
  }

  crash(why: string): void {
    this.#core = null;
    this.#applyQueue = []; // the apply stage's memory: a restart applies them again from the log
    this.role = 'follower';
    this.leader = 0;
    this.#trace(`crash (${why})`);
  }

  #live(): RawNode {
    if (this.#core === null) throw new Error(`n${this.id} is down`);
    return this.#core;
  }

  tick(): void {
    this.#live().tick();
    this.#drain();
  }

  step(message: Message): void {
    this.#live().step(message);
    this.#drain();
  }

  campaign(): void {
    this.#live().campaign();
    this.#drain();
  }

  transferLeadership(to: NodeId): void {
    this.#live().transferLeadership(to);
    this.#drain();
  }

  /** Asks for a read index; the ReadState comes back through HostEnv.onApplied. */
  readIndex(context: string): void {
    this.#live().readIndex(context);
    this.#drain();
  }

  propose(data: Uint8Array): { index: number; term: number } {
    const at = this.#live().propose(data);
    this.#drain();
    return at;
  }

  proposeConfChange(change: ConfChange): { index: number; term: number } {
    const at = this.#live().proposeConfChange(change);
    this.#drain();
    return at;
  }

  reportSnapshot(to: NodeId, ok: boolean): void {
    this.#live().reportSnapshot(to, ok);
    this.#drain();
  }

  reportUnreachable(to: NodeId): void {
    this.#live().reportUnreachable(to);
    this.#drain();
  }

  status(): Status {
    return this.#live().status();
  }

  #drain(): void {
    while (this.#core !== null && this.#core.hasReady()) {
      const core = this.#core;
      const ready = core.ready();
      if (!this.#handleReady(ready)) return;
      core.advance(ready);
      if (ready.snapshotWanted) this.#snapshotWanted();
      else this.#maybeSnapshot();
    }
  }

  /**
   * One turn of the Ready contract: persist, then send and apply (applying before sending is
   * the same thing here, since sending only queues, and it lets `after-apply` model a process
   * that applied and died with its messages still in its socket buffers). False if it died.
   */
  #handleReady(ready: Ready): boolean {
    const role = ready.softState?.role ?? this.role;
    const leaderTerm = role === 'leader' ? (ready.hardState?.term ?? this.term) : 0;
    const point = this.#env.crashPointFor(this, ready, leaderTerm);
    if (point === 'before-persist') return this.#die(point);
    if (this.#options.leaderMessagesEarly) this.#sendAll(ready.leaderMessages);
    this.#persist(ready, leaderTerm);
    if (ready.softState !== null) this.#noteSoftState(ready.softState);
    if (point === 'after-persist') return this.#die(point);
    this.#handOut(ready.committedEntries);
    this.#env.onApplied(this, ready.readStates);
    if (point === 'after-apply') return this.#die(point);
    if (!this.#options.leaderMessagesEarly) this.#sendAll(ready.leaderMessages);
    this.#sendAll(ready.messages);
    return true;
  }

  #die(point: CrashPoint): false {
    this.crash(`trigger, ${point}`);
    this.#env.onTriggeredCrash(this, point);
    return false;
  }

  #sendAll(messages: Message[]): void {
    for (const message of messages) this.#env.send(message, this);
  }

  #persist(ready: Ready, leaderTerm: number): void {
    const { checker, nowMs } = this.#env;
    if (ready.snapshot !== null) this.#installSnapshot(ready, leaderTerm > 0);
    if (ready.entries.length > 0) {
      checker.observePersist(nowMs, this.id, ready.entries, this.disk, leaderTerm, this.disk.hardState.commit);
      const error = this.disk.append(ready.entries);
      if (error !== null) checker.violation(nowMs, `core: n${this.id} was handed ${error}`);
    }
    if (ready.hardState !== null) this.#persistHardState(ready, leaderTerm);
  }

  #installSnapshot(ready: Ready, isLeader: boolean): void {
    const snapshot = ready.snapshot;
    if (snapshot === null) return;
    this.applyDue(Infinity); // everything handed out is applied before an image replaces the state
    const { checker, nowMs } = this.#env;
    const { index, term } = snapshot.meta;
    if (index <= this.disk.sm.applied) {
      checker.violation(nowMs, `core: n${this.id} was handed a snapshot at ${index}, not above applied ${this.disk.sm.applied}`);
    }
    this.disk.installSnapshot(snapshot);
    this.snapshotsInstalled += 1;
    this.#compacted = Math.max(this.#compacted, index);
    checker.observeSnapshotInstall(nowMs, this.id, index, this.disk.sm.digest, isLeader);
    this.#trace(`install snapshot ${index}@${term} voters=${snapshot.meta.conf.voters.join(',')}`);
  }

  #persistHardState(ready: Ready, leaderTerm: number): void {
    const next = ready.hardState;
    if (next === null) return;
    const previous = this.disk.hardState;
    if (next.commit < previous.commit) {
      this.#env.checker.violation(this.#env.nowMs, `core: n${this.id} commit went back from ${previous.commit} to ${next.commit}`);
    }
    if (leaderTerm > 0 && next.commit > previous.commit) this.#trace(`commit ${next.commit}`);
    this.disk.hardState = { ...next };
  }

  #noteSoftState(soft: SoftState): void {
    const changed = soft.role !== this.role || soft.leader !== this.leader;
    const becameLeader = soft.role === 'leader' && this.role !== 'leader';
    this.role = soft.role;
    this.leader = soft.leader;
    if (!changed) return;
    const term = this.status().term;
    this.#trace(soft.role === 'follower' ? `follower of n${soft.leader} term=${term}` : `${soft.role} term=${term}`);
    if (becameLeader) this.#env.checker.observeLeader(this.#env.nowMs, this.id, term, this.disk);
  }

  /** Committed entries go to the apply stage: applied now, or after a drawn lag behind earlier batches. */
  #handOut(entries: Entry[]): void {
    if (entries.length === 0) return;
    const lagMax = this.#options.applyLagMsMax;
    if (lagMax === 0) return this.#apply(entries); // no draw: runs without a lag replay as before
    const dueMs = Math.max(this.#env.nowMs + this.#options.prng.int(lagMax + 1), this.#applyQueue.at(-1)?.dueMs ?? 0);
    this.#applyQueue.push({ dueMs, entries });
    this.#applyDue(this.#env.nowMs);
  }

  /** The simulator's step: applies the batches due by `nowMs`; reads waiting for them may be served. */
  applyDue(nowMs: number): void {
    if (this.#core !== null && this.#applyDue(nowMs)) this.#env.onApplied(this, []);
  }

  #applyDue(nowMs: number): boolean {
    let applied = false;
    while (this.#applyQueue.length > 0 && this.#applyQueue[0].dueMs <= nowMs) {
      this.#apply(this.#applyQueue.shift()!.entries);
      applied = true;
    }
    return applied;
  }

  #apply(entries: Entry[]): void {
    const { checker, nowMs } = this.#env;
    for (const entry of entries) {
      if (entry.index <= this.disk.sm.applied) {
        checker.violation(nowMs, `core: n${this.id} was handed ${entry.index} to apply again (applied ${this.disk.sm.applied})`);
        continue;
      }
      const applied = this.disk.sm.apply(entry);
      checker.observeApply(nowMs, this.id, entry, this.disk.sm.digest);
      if (entry.kind === 'conf') this.#trace(`apply conf ${entry.index} ${entry.change?.type ?? '?'} n${entry.change?.node ?? 0}`);
      this.#env.onApply(this, entry, applied);
    }
    this.#trace(`apply ${entries[0].index}..${entries.at(-1)?.index ?? 0}`);
  }

  /** The core has a follower to catch up and no snapshot since it (re)started: hand it the image. */
  #snapshotWanted(): void {
    this.applyDue(Infinity); // the image is of everything handed out
    const snapshot = this.#live().createSnapshot(this.disk.sm.applied, this.disk.sm.serialize());
    this.disk.saveSnapshot(snapshot);
    this.snapshotsTaken += 1;
    this.#trace(`snapshot ${snapshot.meta.index} (wanted by the core)`);
  }

  #maybeSnapshot(): void {
    const every = this.#options.snapshotEveryApplied;
    if (every <= 0 || this.disk.sm.applied - this.disk.snapshotIndex < every) return;
    this.snapshotNow(this.#options.prng.int(this.#options.compactKeepMax + 1));
  }

  /** Snapshots the state machine at its applied index and compacts all but `keep` entries below it. */
  snapshotNow(keep: number): void {
    const core = this.#live();
    const applied = this.disk.sm.applied;
    if (applied <= this.disk.snapshotIndex) return;
    if (core.confStateAt(applied) === null) {
      // As keel's driver: the image's membership must be the one at its index; a later Ready tries again.
      this.#trace(`snapshot ${applied} deferred: a membership change after it is not applied yet`);
      return;
    }
    const snapshot = core.createSnapshot(applied, this.disk.sm.serialize());
    this.disk.saveSnapshot(snapshot);
    this.snapshotsTaken += 1;
    const compactTo = applied - keep;
    if (compactTo > this.#compacted) {
      core.compact(compactTo);
      this.disk.compact(compactTo);
      this.#compacted = compactTo;
    }
    this.#trace(`snapshot ${applied} compact ${this.#compacted}`);
  }
}
