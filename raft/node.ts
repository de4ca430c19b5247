// The driver: runs a pure Raft core inside a process. It owns the tick timer and the Ready
// loop: persist (sync) before sending what depends on it, let a leader replicate in parallel
// with its own write, apply committed entries, serve reads, then advance.
import { RawNode, Prng, KeelError, assert, noNode } from './core/index.ts';
import type { ConfState, Entry, Message, NodeId, Ready, SnapshotMeta, Status } from './core/index.ts';
import type { BatchOp, LogStore } from './log-store.ts';
import { ImageHandle, SnapshotReceiver, SnapshotSender, parseAck, snapshotChunkBytesDefault, streamWindowChunks } from './snapshot-stream.ts';
import type { ImageSink, ImageSource } from './snapshot-stream.ts';

export type { ImageSink, ImageSource } from './snapshot-stream.ts';

/** Ticks of the core per second: one tick is one heartbeat interval (100 ms, etcd's default). */
export const tickIntervalMs = 100;
/** Applied entries between two snapshots of the state machine. */
export const snapshotEveryEntriesDefault = 10_000;
/** Applied entry bytes between two snapshots: large values compact the log before the entry count does. */
export const snapshotEveryBytesDefault = 16 << 20;
/** Batches of committed entries queued for the apply stage before the Ready loop waits. */
export const applyBatchesMax = 4;
/** Proposals waiting for their entry to apply, per process. */
export const pendingProposalsMax = 65_536;

/** The replicated state machine, as the driver sees it. */
export interface StateMachine {
  /** The index of the last entry applied, as stored with the state. */
  appliedIndex(): Promise<number>;
  /**
   * Applies committed entries in order, in one batch that also stores the applied index.
   * Returns one result per entry (undefined for no-op and membership entries). A state machine
   * may call `answer` with the results once they are final and before its write lands: the
   * entries are committed, so their proposers are answered then, while reads still wait for the
   * write (the applied index moves only when apply resolves).
   */
  apply(entries: Entry[], answer?: (results: unknown[]) => void): Promise<unknown[]>;
  /** A serialized image of the state at the applied index. */
  snapshot(): Promise<Uint8Array>;
  /** Batch operations that replace the whole state with an image, written with the log's snapshot. */
  restoreOps(data: Uint8Array, meta: SnapshotMeta): Promise<BatchOp[]>;
  /** The restore operations are on disk: drop any cached state. */
  restored(meta: SnapshotMeta): void;
  /**
   * Streaming snapshots (all of these or none): an image at the applied index to stream in
   * chunks (instead of snapshot()), a staging area for the chunks received (ImageSink), the ops
   * that decide the install of the staged image (written in the log's sync batch with the
   * snapshot meta, instead of restoreOps), and the install itself (then restored(meta)).
   */
  openImage?(): Promise<ImageSource>;
  stageDiscard?: ImageSink['stageDiscard'];
  stageChunk?: ImageSink['stageChunk'];
  installOps?(meta: SnapshotMeta): BatchOp[];
  installStaged?(meta: SnapshotMeta): Promise<void>;
}

export interface Transport {
  send(messages: Message[]): void;
  /** Messages waiting to go out to `to` (paces snapshot streams); optional. */
  queued?(to: NodeId): number;
}

export interface RaftNodeOptions {
  id: NodeId;
  /** Membership of a new cluster (used only when the log store is empty). */
  conf: ConfState;
  logStore: LogStore;
  stateMachine: StateMachine;
  transport: Transport;
  /** Seed of the election-timeout PRNG. Default: derived from the id and the process id. */
  seed?: number;
  /** Ticks between heartbeats. Default 1. */
  heartbeatTicks?: number;
  /** Base election timeout in ticks. Default 10 ([1000, 2000) ms at the default tick). */
  electionTicks?: number;
  /** Milliseconds per tick. Default tickIntervalMs (100). */
  tickMs?: number;
  /**
   * Applied entries between two snapshots (then the log is compacted, keeping half of that
   * behind the snapshot in memory for followers slightly behind). Default 10,000.
   */
  snapshotEveryEntries?: number;
  /**
   * Bytes of applied entry data between two snapshots, whichever of this and
   * snapshotEveryEntries comes first: it bounds the log held in memory (about 1.5 times this)
   * when values are large, or when each entry carries a batch of writes. Default 16 MiB.
   */
  snapshotEveryBytes?: number;
  /** Bytes of image per snapshot chunk message (streaming state machines). Default 1 MiB. */
  snapshotChunkBytes?: number;
  /** Called once when the node stops on an error it cannot go on from (a failed write). */
  onFatal: (error: Error) => void;
  /** Observability hooks; all optional. */
  observe?: Partial<NodeObserver>;
}

export interface NodeObserver {
  fsync(ms: number, entries: number): void;
  committed(latencyMs: number): void;
  leaderChanged(leader: NodeId, term: number): void;
  snapshotChunkSent(bytes: number): void;
  snapshotChunkReceived(bytes: number): void;
}

export class ProposalDroppedError extends KeelError {
  override readonly code = 'KEEL_PROPOSAL_DROPPED' as const;
  constructor() {
    super('the entry was replaced by another leader before it committed; the write did not happen');
  }
}

export class NotStartedError extends KeelError {
  override readonly code = 'KEEL_NOT_STARTED' as const;
  constructor() {
    super('this master is still recovering its log');
  }
}

export class StoppedError extends KeelError {
  override readonly code = 'KEEL_STOPPED' as const;
  constructor() {
    super('this master is stopping');
  }
}

/** The state machine could not apply committed entries (its write failed): the master must stop. */
export class ApplyError extends KeelError {
  override readonly code = 'KEEL_APPLY_FAILED' as const;
  constructor(firstIndex: number, cause: unknown) {
    super(`applying the entries from index ${firstIndex} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export class TimeoutError extends KeelError {
  override readonly code = 'KEEL_TIMEOUT' as const;
}

export class TooManyPendingError extends KeelError {
  override readonly code = 'KEEL_TOO_MANY_PENDING' as const;
  constructor() {
    super(`${pendingProposalsMax} proposals are already waiting; try again later`);
  }
}

interface PendingProposal {
  term: number;
  startedMs: number;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

interface PendingRead {
  index: number; // -1 until the read index is known
  resolve: () => void;
  reject: (error: Error) => void;
}

export class RaftNode {
  readonly id: NodeId;
  #core!: RawNode;
  readonly #options: RaftNodeOptions;
  #timer: NodeJS.Timeout | null = null;
  /** start() has recovered the log and made the core: before that, peers' messages are dropped. */
  #started = false;
  #running = false;
  #stopped = false;
  #fatal: Error | null = null;
  #appliedIndex = 0;
  /** The last entry whose proposer was answered with its result: at most one apply batch ahead of #appliedIndex. */
  #answeredIndex = 0;
  #lastSnapshotIndex = 0;
  /** Bytes of entry data applied since the last compaction or installed snapshot. */
  #bytesSinceSnapshot = 0;
  /** The log compaction under way, if any (#maybeCompact). */
  #compaction: Promise<void> | null = null;
  #snapshotsInstalled = 0;
  #proposals = new Map<number, PendingProposal>();
  #reads = new Map<string, PendingRead>();
  #readsWaitingApply: PendingRead[] = [];
  #readSeq = 0;
  #applyChain: Promise<void> = Promise.resolve();
  #applyBacklog = 0;
  /** Batches queued for the apply stage that no apply step has taken yet (#queueApply). */
  #applyWaiting: Entry[][] = [];
  #leader: NodeId = noNode;
  #term = 0;
  #leaderWaiters: Array<() => void> = [];
  #stopWaiters: Array<() => void> = [];
  /** The image laggards are streamed (leader side), null until one is wanted. */
  #image: ImageHandle | null = null;
  #sender: SnapshotSender | null = null;
  #receiver: SnapshotReceiver | null = null;
  /** The staged image whose chunk-less snapshot message was stepped, and the Ready count then. */
  #staged: { meta: SnapshotMeta; afterReady: number } | null = null;
  #readies = 0;
  /** Called at the start of every Ready turn (setTurnHook); a turn is wanted (requestTurn). */
  #turnHook: (() => void) | null = null;
  #turnWanted = false;
  /** A Ready's sync write is in flight: committed entries already on disk may be applied meanwhile. */
  #saving = false;

  constructor(options: RaftNodeOptions) {
    this.id = options.id;
    this.#options = options;
    const sm = options.stateMachine;
    const streaming = [sm.openImage, sm.stageDiscard, sm.stageChunk, sm.installOps, sm.installStaged].filter((f) => f !== undefined).length;
    if (streaming === 0) return;
    if (streaming !== 5) throw new TypeError('a state machine implements all of openImage, stageDiscard, stageChunk, installOps, installStaged or none');
    this.#sender = this.#newSender();
    this.#receiver = this.#newReceiver(sm as Required<StateMachine>);
  }

  #newSender(): SnapshotSender {
    const { transport, observe } = this.#options;
    return new SnapshotSender({
      chunkBytes: this.#options.snapshotChunkBytes ?? snapshotChunkBytesDefault,
      send: (m) => transport.send([m]),
      queued: transport.queued ? (to) => transport.queued!(to) : undefined,
      windowChunks: streamWindowChunks,
      done: (to, ok) => {
        if (this.#stopped) return;
        this.#core.reportSnapshot(to, ok);
        this.#schedule();
      },
      chunkSent: (bytes) => observe?.snapshotChunkSent?.(bytes),
      log: (line) => process.stderr.write(`raft ${this.id}: ${line}\n`),
    });
  }

  #newReceiver(sm: Required<StateMachine>): SnapshotReceiver {
    return new SnapshotReceiver({
      sink: { stageDiscard: () => sm.stageDiscard(), stageChunk: (seq, chunk) => sm.stageChunk(seq, chunk) },
      term: () => this.#core.status().term,
      applied: () => this.#appliedIndex,
      step: (m, staged) => {
        if (this.#stopped) return;
        if (staged) this.#staged = { meta: m.snapshot!.meta, afterReady: this.#readies };
        this.#core.step(m);
        this.#schedule();
      },
      send: (m) => this.#options.transport.send([m]),
      chunkReceived: (bytes) => this.#options.observe?.snapshotChunkReceived?.(bytes),
      log: (line) => process.stderr.write(`raft ${this.id}: ${line}\n`),
    });
  }

  /** Recovers from disk alone and starts ticking. */
  async start(): Promise<void> {
    const { logStore, stateMachine } = this.#options;
    const recovered = await logStore.load();
    const applied = await stateMachine.appliedIndex();
    this.#appliedIndex = applied;
    this.#lastSnapshotIndex = recovered.snapshot?.index ?? 0;
    const seed = this.#options.seed ?? (this.id * 1_000_003 + process.pid) >>> 0;
    this.#core = new RawNode(
      {
        id: this.id,
        prng: new Prng(seed),
        heartbeatTicks: this.#options.heartbeatTicks ?? 1,
        electionTicks: this.#options.electionTicks ?? 10,
      },
      { hardState: recovered.hardState, snapshot: recovered.snapshot, entries: recovered.entries, applied, conf: this.#options.conf },
    );
    this.#term = recovered.hardState.term;
    this.#started = true;
    this.#timer = setInterval(() => this.#onTick(), this.#options.tickMs ?? tickIntervalMs);
    this.#schedule();
  }

  // ---- inputs -----------------------------------------------------------------------------

  /**
   * Messages from peers. Before start() has recovered the log they are dropped, as a lost
   * message would be: the transport listens first, and peers may reach it meanwhile.
   */
  receive(messages: Message[]): void {
    if (!this.#started || this.#stopped) return;
    for (const m of messages) {
      if (m.to !== this.id) continue;
      if (this.#receiver !== null && SnapshotReceiver.isChunk(m)) this.#receiver.receive(m);
      else if (parseAck(m) !== null) this.#sender?.ack(m.from, m.term, parseAck(m)!);
      else this.#core.step(m);
    }
    // While the loop waits on a write, a follower answers its leader's heartbeats now: a leader
    // that hears from no quorum for an election timeout steps down.
    if (this.#running) {
      const answers = this.#core.takeHeartbeatResponses();
      if (answers.length > 0) this.#options.transport.send(answers);
    }
    if (this.#saving) this.#applyCommittedStable();
    this.#schedule();
  }

  /**
   * An acknowledgement (or a leader's commit index) that arrives while the loop writes a Ready
   * commits entries that are already on disk here: they go to the apply stage now, not after
   * this write and the next Ready's.
   */
  #applyCommittedStable(): void {
    const entries = this.#core.takeCommittedStable();
    if (entries.length > 0) this.#queueApply(entries);
  }

  reportUnreachable(id: NodeId): void {
    if (!this.#started || this.#stopped) return;
    this.#core.reportUnreachable(id);
  }

  /**
   * Proposes `data` on this member (the leader); resolves with the state machine's result once
   * applied. After `timeoutMs` it fails with KEEL_TIMEOUT: the write may or may not happen.
   */
  propose(data: Uint8Array, timeoutMs: number): Promise<unknown> {
    let appended: { index: number; term: number };
    try {
      this.#checkRunning();
      if (this.#proposals.size >= pendingProposalsMax) throw new TooManyPendingError();
      appended = this.#core.propose(data);
    } catch (error) {
      return Promise.reject(error);
    }
    const { index, term } = appended;
    const promise = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#proposals.get(index)?.term !== term) return;
        this.#proposals.delete(index);
        reject(new TimeoutError(`the write at index ${index} did not commit within ${timeoutMs} ms; it may still take effect`));
      }, timeoutMs);
      const settle = <T>(f: (v: T) => void) => (v: T): void => {
        clearTimeout(timer);
        f(v);
      };
      this.#proposals.set(index, { term, startedMs: performance.now(), resolve: settle(resolve), reject: settle(reject) });
    });
    this.#schedule();
    return promise;
  }

  /**
   * Sets the function the loop calls at the start of every Ready turn, before it takes the core's
   * Ready. A proposer that holds writes back while a Ready is being written proposes them there,
   * together, so that they share the next write; requestTurn() asks for a turn.
   */
  setTurnHook(hook: () => void): void {
    this.#turnHook = hook;
  }

  /** Asks the loop for a turn (now if it is idle, else after the Ready it is writing). */
  requestTurn(): void {
    if (!this.#started || this.#stopped) {
      // No loop to take the turn: the hook runs anyway, and its proposals fail as they would here.
      const hook = this.#turnHook;
      if (hook !== null) setImmediate(hook);
      return;
    }
    this.#turnWanted = true;
    this.#schedule();
  }

  /**
   * Resolves once this member's state machine reflects every write committed before the call
   * (ReadIndex). Fails with KEEL_TIMEOUT after `timeoutMs`, e.g. while leadership changes.
   */
  readIndex(timeoutMs: number): Promise<void> {
    const context = `${this.id}:${++this.#readSeq}`;
    try {
      this.#checkRunning();
      this.#core.readIndex(context);
    } catch (error) {
      return Promise.reject(error);
    }
    const promise = new Promise<void>((resolve, reject) => {
      const read: PendingRead = { index: -1, resolve: () => {}, reject: () => {} };
      const timer = setTimeout(() => {
        this.#reads.delete(context);
        this.#readsWaitingApply = this.#readsWaitingApply.filter((r) => r !== read);
        reject(new TimeoutError(`no read index within ${timeoutMs} ms`));
      }, timeoutMs);
      read.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
      read.reject = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      this.#reads.set(context, read);
    });
    this.#schedule();
    return promise;
  }

  transferLeadership(to: NodeId): void {
    this.#checkRunning();
    this.#core.transferLeadership(to);
    this.#schedule();
  }

  status(): Status {
    return this.#core.status();
  }

  get leader(): NodeId {
    return this.#leader;
  }

  get term(): number {
    return this.#term;
  }

  get appliedIndex(): number {
    return this.#appliedIndex;
  }

  /**
   * Resolves once everything this member has answered is applied here: a proposer is answered
   * before the apply's write lands, and a serializable read that follows its own write must
   * still see it.
   */
  answeredApplied(): Promise<void> {
    if (this.#answeredIndex <= this.#appliedIndex) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#readsWaitingApply.push({ index: this.#answeredIndex, resolve, reject });
    });
  }

  /** The index of the last compaction or installed snapshot here (0: none): the log starts after it on disk. */
  get snapshotIndex(): number {
    return this.#lastSnapshotIndex;
  }

  /** Snapshots received from a leader and installed since this process started. */
  get snapshotsInstalled(): number {
    return this.#snapshotsInstalled;
  }

  get tickMs(): number {
    return this.#options.tickMs ?? tickIntervalMs;
  }

  /** Resolves when a leader is known, or after `timeoutMs` (then the caller fails with 503). */
  waitForLeader(timeoutMs: number): Promise<NodeId> {
    if (this.#leader !== noNode || this.#stopped) return Promise.resolve(this.#leader);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(this.#leader);
      };
      const timer = setTimeout(() => {
        this.#leaderWaiters = this.#leaderWaiters.filter((w) => w !== done);
        resolve(this.#leader);
      }, timeoutMs);
      this.#leaderWaiters.push(done);
    });
  }

  /** Stops ticking and the loop; pending work fails with KEEL_STOPPED. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#running) await new Promise<void>((resolve) => this.#stopWaiters.push(resolve));
    await this.#applyChain; // what was committed and queued is applied and answered
    await this.#compaction; // and its deletes
    this.#failAll(new StoppedError());
    this.#sender?.cancelAll();
    await this.#sender?.idle();
    this.#image?.retire();
    await this.#image?.closed;
    await this.#receiver?.settled();
  }

  // ---- the loop ---------------------------------------------------------------------------

  #checkRunning(): void {
    if (!this.#started) throw new NotStartedError();
    if (this.#fatal) throw this.#fatal;
    if (this.#stopped) throw new StoppedError();
  }

  #onTick(): void {
    this.#core.tick();
    // While the loop waits on a write (LevelDB can stall a large one for seconds), a leader's
    // heartbeats go out now rather than with the next Ready: followers hear from it every tick.
    if (this.#running) {
      const early = this.#streamSnapshots(this.#core.takeLeaderMessages());
      if (early.length > 0) this.#options.transport.send(early);
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#running || this.#stopped) return;
    if (!this.#turnWanted && !this.#core.hasReady()) return;
    this.#running = true;
    setImmediate(() => void this.#loop());
  }

  async #loop(): Promise<void> {
    try {
      while (!this.#stopped) {
        if (this.#turnWanted) {
          this.#turnWanted = false;
          this.#turnHook?.();
        }
        if (!this.#core.hasReady()) break;
        this.#readies++;
        await this.#handleReady(this.#core.ready());
      }
    } catch (error) {
      this.#die(error as Error);
    } finally {
      this.#running = false;
      for (const waiter of this.#stopWaiters.splice(0)) waiter();
    }
    if (!this.#stopped && (this.#turnWanted || this.#core.hasReady())) this.#schedule();
  }

  async #handleReady(rd: Ready): Promise<void> {
    const { logStore, stateMachine, transport } = this.#options;
    if (rd.softState) this.#onSoftState(rd.softState.leader);
    if (rd.hardState) this.#term = rd.hardState.term;
    // A leader replicates in parallel with its own write; it counts itself only after it.
    const leaderMessages = this.#streamSnapshots(rd.leaderMessages);
    if (leaderMessages.length > 0) transport.send(leaderMessages);
    const streamed = this.#isStagedSnapshot(rd);
    // An image replaces the state: everything committed before it is applied first.
    if (rd.snapshot !== null) await this.#applyIdle();
    const restoreOps = rd.snapshot === null ? [] : streamed ? stateMachine.installOps!(rd.snapshot.meta) : await stateMachine.restoreOps(rd.snapshot.data, rd.snapshot.meta);
    // A commit-index-only change needs no write: a restart derives the commit index from the
    // applied one, and Raft does not need it durable.
    // Committed entries before this Ready's own are on disk: they are applied while it is written.
    const committed = rd.committedEntries;
    const firstUnstable = rd.entries.length > 0 ? rd.entries[0].index : Infinity;
    let stableCount = 0;
    while (stableCount < committed.length && committed[stableCount].index < firstUnstable) stableCount++;
    if (rd.snapshot === null && stableCount > 0) this.#queueApply(stableCount === committed.length ? committed : committed.slice(0, stableCount));
    else stableCount = 0;
    if (rd.mustSync) {
      this.#saving = rd.snapshot === null;
      try {
        await this.#save(rd, restoreOps);
      } finally {
        this.#saving = false;
      }
    }
    const messages = this.#streamSnapshots(rd.messages);
    if (messages.length > 0) transport.send(messages);
    if (rd.snapshot) {
      // The install is decided (on disk with the log's snapshot meta); a crash from here on is
      // finished by the state machine's open(). The staging chain must not run meanwhile.
      if (streamed) await this.#receiver!.exclusive(() => stateMachine.installStaged!(rd.snapshot!.meta));
      if (streamed) this.#releaseStaged(true);
      stateMachine.restored(rd.snapshot.meta);
      this.#appliedIndex = rd.snapshot.meta.index;
      this.#lastSnapshotIndex = rd.snapshot.meta.index;
      this.#bytesSinceSnapshot = 0;
      this.#snapshotsInstalled++;
      this.#dropProposalsUpTo(rd.snapshot.meta.index);
    }
    // Committed entries are applied by a second stage, in order, while this loop goes on to
    // write and send the next Ready: the state machine's write and the log's sync write then
    // share LevelDB's group commit instead of taking turns.
    if (stableCount < committed.length) this.#queueApply(stableCount === 0 ? committed : committed.slice(stableCount));
    if (this.#applyBacklog >= applyBatchesMax) await this.#applyChain;
    for (const rs of rd.readStates) this.#onReadState(rs.context, rs.index);
    this.#releaseReads();
    this.#core.advance(rd);
    if (rd.snapshotWanted) {
      await this.#applyIdle(); // the image is of the applied state
      await this.#makeSnapshot();
    }
    this.#maybeCompact();
  }

  /**
   * Queues committed entries for the apply stage, in order; the loop waits while applyBatchesMax
   * batches are queued. Batches that queue up while the state machine is busy are applied
   * together, in one state-machine write.
   */
  #queueApply(entries: Entry[]): void {
    this.#applyBacklog++;
    this.#applyWaiting.push(entries);
    if (this.#applyWaiting.length > 1) return; // the step queued for the first one takes this one too
    this.#applyChain = this.#applyChain.then(async () => {
      const batches = this.#applyWaiting;
      this.#applyWaiting = [];
      try {
        if (!this.#fatal) await this.#apply(batches.length === 1 ? batches[0] : batches.flat());
        this.#releaseReads();
      } catch (error) {
        this.#die(error as Error);
      } finally {
        this.#applyBacklog -= batches.length;
      }
    });
  }

  /** Resolves once every queued batch is applied. */
  async #applyIdle(): Promise<void> {
    await this.#applyChain;
    if (this.#fatal) throw this.#fatal;
  }

  /** Whether this Ready installs the image staged from a stream; releases a staged image the core did not take. */
  #isStagedSnapshot(rd: Ready): boolean {
    const staged = this.#staged;
    if (staged === null || this.#readies <= staged.afterReady) return false;
    const meta = rd.snapshot?.meta;
    if (meta !== undefined && meta.index === staged.meta.index && meta.term === staged.meta.term) return true;
    this.#releaseStaged(false);
    return false;
  }

  #releaseStaged(installed: boolean): void {
    this.#staged = null;
    this.#receiver!.release(installed);
  }

  /** Takes the snapshot messages out of `messages` and streams the image to their followers instead. */
  #streamSnapshots(messages: Message[]): Message[] {
    const sender = this.#sender;
    if (sender === null || !messages.some((m) => m.type === 'snapshot')) return messages;
    const rest: Message[] = [];
    for (const m of messages) {
      if (m.type !== 'snapshot') rest.push(m);
      else if (this.#image !== null && this.#image.index === m.snapshot!.meta.index) sender.start(m, this.#image);
      else this.#core.reportSnapshot(m.to, false); // not the image we hold (cannot happen: createSnapshot follows the image)
    }
    return rest;
  }

  async #save(rd: Ready, restoreOps: BatchOp[]): Promise<void> {
    const started = performance.now();
    await this.#options.logStore.save({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot?.meta ?? null, ops: restoreOps });
    this.#options.observe?.fsync?.(performance.now() - started, rd.entries.length);
  }

  async #apply(entries: Entry[]): Promise<void> {
    let answered = false;
    const answer = (results: unknown[]): void => {
      if (answered) return;
      answered = true;
      this.#answer(entries, results);
    };
    let results: unknown[];
    try {
      results = await this.#options.stateMachine.apply(entries, answer);
    } catch (error) {
      throw new ApplyError(entries[0].index, error);
    }
    answer(results);
    this.#appliedIndex = entries[entries.length - 1].index;
    for (const entry of entries) this.#bytesSinceSnapshot += entry.data.byteLength;
  }

  /** The proposers of `entries` get their results (or learn their entry was replaced). */
  #answer(entries: Entry[], results: unknown[]): void {
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      const pending = this.#proposals.get(entry.index);
      if (pending === undefined) continue;
      this.#proposals.delete(entry.index);
      if (pending.term !== entry.term) {
        pending.reject(new ProposalDroppedError());
        continue;
      }
      this.#options.observe?.committed?.(performance.now() - pending.startedMs);
      pending.resolve(results[i]);
      this.#answeredIndex = entry.index;
    }
  }

  #dropProposalsUpTo(index: number): void {
    for (const [i, pending] of this.#proposals) {
      if (i > index) continue;
      this.#proposals.delete(i);
      pending.reject(new ProposalDroppedError());
    }
  }

  #onSoftState(leader: NodeId): void {
    const changed = leader !== this.#leader;
    if (changed && this.#leader === this.id) this.#sender?.cancelAll();
    if (changed) this.#receiver?.leaderChanged();
    this.#leader = leader;
    if (changed && leader !== noNode) this.#options.observe?.leaderChanged?.(leader, this.#core.status().term);
    if (leader !== noNode) for (const waiter of this.#leaderWaiters.splice(0)) waiter();
    if (changed && leader !== noNode) this.#reissueReads();
  }

  /**
   * Asks the new leader for every read index still unanswered: a request to the old one may be
   * lost with it, and would otherwise wait for its timeout. Whichever answer comes first serves:
   * each is an index the leader that gave it confirmed after the read began.
   */
  #reissueReads(): void {
    for (const [context, read] of this.#reads) {
      try {
        this.#core.readIndex(context);
      } catch (error) {
        this.#reads.delete(context);
        read.reject(error as Error);
      }
    }
  }

  #onReadState(context: string, index: number): void {
    const read = this.#reads.get(context);
    if (read === undefined) return;
    this.#reads.delete(context);
    read.index = index;
    this.#readsWaitingApply.push(read);
  }

  #releaseReads(): void {
    if (this.#readsWaitingApply.length === 0) return;
    const waiting = this.#readsWaitingApply;
    this.#readsWaitingApply = [];
    for (const read of waiting) {
      if (read.index <= this.#appliedIndex) read.resolve();
      else this.#readsWaitingApply.push(read);
    }
  }

  /**
   * Every snapshotEveryEntries applied entries or snapshotEveryBytes applied bytes, the log is
   * compacted: on disk up to the applied index (the state machine on disk is the image), in
   * memory up to half an interval behind it.
   * No image is serialized here: only when a follower needs one (#makeSnapshot). It runs beside
   * the loop, one at a time: on every member it falls at about the same index, and a loop that
   * waited for it would stall the whole cluster at once.
   */
  #maybeCompact(): void {
    if (this.#compaction !== null) return;
    const applied = this.#appliedIndex;
    const every = this.#options.snapshotEveryEntries ?? snapshotEveryEntriesDefault;
    const since = applied - this.#lastSnapshotIndex;
    if (since < every && this.#bytesSinceSnapshot < (this.#options.snapshotEveryBytes ?? snapshotEveryBytesDefault)) return;
    const term = this.#core.entries(applied, applied + 1)[0]?.term;
    if (term === undefined) return; // applied is already behind the in-memory log: nothing to do
    const { logStore } = this.#options;
    if (applied < logStore.bounds().first) return; // an installed snapshot is already past it
    // The meta must name the membership at `applied`, not one the apply stage has yet to reach.
    const conf = this.#core.confStateAt(applied);
    if (conf === null) return; // a later Ready tries again
    this.#bytesSinceSnapshot = 0;
    this.#compaction = logStore
      .compact({ index: applied, term, conf })
      .then(() => {
        this.#lastSnapshotIndex = Math.max(this.#lastSnapshotIndex, applied);
        const keepFrom = applied - Math.floor(Math.min(every, since) / 2);
        if (!this.#stopped && keepFrom > this.#core.status().firstIndex) this.#core.compact(keepFrom);
      })
      .then(() => logStore.settled()) // a failed delete stops the master, as any failed write does
      .catch((error: unknown) => this.#die(error as Error))
      .finally(() => {
        this.#compaction = null;
      });
  }

  /**
   * A follower needs a snapshot. A streaming state machine opens an image at the applied index
   * (a LevelDB snapshot, nothing read yet) and the core gets a token; others serialize the
   * whole state machine.
   */
  async #makeSnapshot(): Promise<void> {
    const { stateMachine } = this.#options;
    if (stateMachine.openImage === undefined) {
      this.#core.createSnapshot(this.#appliedIndex, await stateMachine.snapshot());
      return;
    }
    const source = await stateMachine.openImage();
    assert(source.index === this.#appliedIndex, `image at ${source.index}, applied ${this.#appliedIndex}`);
    const snapshot = this.#core.createSnapshot(source.index, new TextEncoder().encode(`keel image ${source.index}`));
    if (snapshot.meta.index !== source.index || (this.#image !== null && this.#image.index >= source.index)) {
      await source.close(); // the core keeps the one it has
      return;
    }
    this.#image?.retire();
    this.#image = new ImageHandle(source);
  }

  #die(error: Error): void {
    if (this.#fatal) return;
    this.#fatal = error;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#sender?.cancelAll();
    this.#failAll(error);
    this.#options.onFatal(error);
  }

  #failAll(error: Error): void {
    for (const pending of this.#proposals.values()) pending.reject(error);
    this.#proposals.clear();
    // A turn asked for will not come: the hook runs now, and what it proposes fails the same way.
    if (this.#turnWanted) {
      this.#turnWanted = false;
      this.#turnHook?.();
    }
    for (const read of this.#reads.values()) read.reject(error);
    this.#reads.clear();
    for (const read of this.#readsWaitingApply) read.reject(error);
    this.#readsWaitingApply = [];
    for (const waiter of this.#leaderWaiters.splice(0)) waiter();
  }
}
