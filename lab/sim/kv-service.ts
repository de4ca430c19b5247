// The members' client API in the simulator, keel's request path in miniature. A write is
// proposed as a command carrying the operation's id; the member that proposed it answers with
// its own result when it applies it. A read asks the core for a read index (ReadIndex: at the
// leader, or through a follower that asks its leader) and is served from the member's state
// machine once its applied index reaches it. A member that crashes answers nothing: whoever
// waits on it learns that the connection broke.

import { KeelError, type Entry, type NodeId, type ReadState } from '../../raft/core/index.ts';
import type { KeelInput, KeelOutput } from '../lincheck/index.ts';
import { encodeKvCommand, type KvApplied, type KvWrite } from './kv-command.ts';
import { encodeText } from './digest.ts';
import type { NodeHost } from './node-host.ts';

export type Outcome =
  | { kind: 'ok'; output: KeelOutput }
  /** The operation certainly took no effect. `leaderHint` comes with KEEL_NOT_LEADER. */
  | { kind: 'fail'; why: string; leaderHint: NodeId }
  /** Nobody knows whether the operation took effect. */
  | { kind: 'indeterminate'; why: string };

export interface Request {
  /** Unique in the run; a read's ReadIndex context, a write's command id. */
  id: string;
  input: KeelInput;
}

interface Pending {
  request: Request;
  host: NodeHost;
  /** The member's life the request belongs to: a restarted member knows nothing of it. */
  incarnation: number;
  /** A write's log index, or a read's read index, once known. */
  index: number | null;
}

/** Called with the outcome of a request that was pending. */
export type Answer = (request: Request, outcome: Outcome) => void;

export interface KvServiceOptions {
  /**
   * Test-only fault: a member that does not lead serves a read from its own state machine at
   * once, without ReadIndex (a stale read). Default false.
   */
  unsafeFollowerLocalReads: boolean;
  /**
   * Test-only fault: a read is served as soon as its read index is known, from whatever the
   * member has applied by then (the bug the apply wait prevents). Default false.
   */
  unsafeReadsBeforeApply: boolean;
}

export class KvService {
  #answer: Answer;
  #options: KvServiceOptions;
  /** At most one per client, so a scan is cheap. */
  #pending: Pending[] = [];

  constructor(answer: Answer, options: KvServiceOptions) {
    this.#answer = answer;
    this.#options = options;
  }

  /**
   * Sends a request to `host` (undefined or down: the connection is refused). Returns the
   * outcome when it is known at once, null when the answer comes later through `answer`.
   */
  submit(host: NodeHost | undefined, request: Request): Outcome | null {
    if (host === undefined || !host.up) return { kind: 'fail', why: 'member down', leaderHint: 0 };
    const { input } = request;
    if (input.op === 'get' && this.#options.unsafeFollowerLocalReads && host.role !== 'leader') {
      return { kind: 'ok', output: { value: host.disk.sm.read(input.key) } };
    }
    // Registered before the core sees it: the answer may come from inside the call.
    const pending: Pending = { request, host, incarnation: host.incarnation, index: null };
    this.#pending.push(pending);
    try {
      if (input.op === 'get') host.readIndex(request.id);
      else this.#propose(pending, input);
      return null;
    } catch (error) {
      if (!(error instanceof KeelError)) throw error;
      this.#remove(pending);
      return { kind: 'fail', why: error.code, leaderHint: (error as { leaderHint?: number }).leaderHint ?? 0 };
    }
  }

  #propose(pending: Pending, input: KvWrite): void {
    const at = pending.host.propose(encodeText(encodeKvCommand({ id: pending.request.id, ...input })));
    pending.index = at.index;
  }

  /** The client gave up on `request` (it timed out); a late answer goes nowhere. */
  abandon(request: Request): void {
    const pending = this.#pending.find((p) => p.request === request);
    if (pending !== undefined) this.#remove(pending);
  }

  /** Requests whose member died or restarted since: the connection broke. */
  noticeCrashes(): void {
    for (const p of [...this.#pending]) {
      if (!p.host.up || p.host.incarnation !== p.incarnation) this.#settle(p, { kind: 'indeterminate', why: 'member crashed' });
    }
  }

  /**
   * `host` applied `entry`. The write that proposed it is answered with the result; a write
   * that `host` proposed at the same index and is not this entry can never commit (an entry
   * keeps its index, and one index commits one entry), so it certainly failed.
   */
  onApply(host: NodeHost, entry: Entry, applied: KvApplied | null): void {
    for (const p of this.#mine(host)) {
      if (p.request.input.op === 'get') continue;
      if (applied !== null && applied.id === p.request.id) this.#settle(p, { kind: 'ok', output: applied.output });
      else if (p.index === entry.index) this.#settle(p, { kind: 'fail', why: `entry ${entry.index} is another command`, leaderHint: 0 });
    }
  }

  /**
   * `host` handled a Ready: reads get their read index from its read states and are served
   * once applied reaches it. A write still pending at or below applied was skipped by a
   * snapshot, which says nothing of which commands it holds.
   */
  onApplied(host: NodeHost, readStates: ReadState[]): void {
    const mine = this.#mine(host);
    if (mine.length === 0) return;
    for (const state of readStates) {
      const p = mine.find((q) => q.request.id === state.context && q.request.input.op === 'get');
      if (p !== undefined) p.index = state.index;
    }
    const sm = host.disk.sm;
    for (const p of mine) {
      const { input } = p.request;
      if (p.index === null) continue;
      const servable = p.index <= sm.applied || (input.op === 'get' && this.#options.unsafeReadsBeforeApply);
      if (!servable) continue;
      if (input.op === 'get') this.#settle(p, { kind: 'ok', output: { value: sm.read(input.key) } });
      else this.#settle(p, { kind: 'indeterminate', why: `a snapshot at ${sm.applied} skipped entry ${p.index}` });
    }
  }

  #mine(host: NodeHost): Pending[] {
    return this.#pending.filter((p) => p.host === host && p.incarnation === host.incarnation);
  }

  #settle(pending: Pending, outcome: Outcome): void {
    this.#remove(pending);
    this.#answer(pending.request, outcome);
  }

  #remove(pending: Pending): void {
    const i = this.#pending.indexOf(pending);
    if (i >= 0) this.#pending.splice(i, 1);
  }
}
