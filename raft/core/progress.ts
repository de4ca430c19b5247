import { assert } from './assert.ts';

/**
 * A ring of the last indexes of append messages in flight to one follower. Replication pauses
 * while it is full: the bound on what a slow follower can cost the leader.
 */
export class Inflights {
  #buffer: number[];
  #start = 0;
  #count = 0;

  constructor(readonly capacity: number) {
    this.#buffer = new Array<number>(capacity).fill(0);
  }

  get count(): number {
    return this.#count;
  }

  full(): boolean {
    return this.#count === this.capacity;
  }

  add(lastIndex: number): void {
    assert(!this.full(), 'inflights overflow');
    this.#buffer[(this.#start + this.#count) % this.capacity] = lastIndex;
    this.#count++;
  }

  /** Frees every message whose last index is <= `index`. */
  freeLE(index: number): void {
    while (this.#count > 0 && this.#buffer[this.#start] <= index) {
      this.#start = (this.#start + 1) % this.capacity;
      this.#count--;
    }
  }

  freeFirst(): void {
    if (this.#count === 0) return;
    this.#start = (this.#start + 1) % this.capacity;
    this.#count--;
  }

  reset(): void {
    this.#start = 0;
    this.#count = 0;
  }
}

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/**
 * The leader's view of one member's log. `probe`: one append at a time until a match is found;
 * `replicate`: pipelined appends with an optimistic next index; `snapshot`: waiting for a
 * snapshot to be installed.
 */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an append is out and no answer has come back yet. */
  probeSent = false;
  /** In snapshot state: the index of the snapshot sent, and the ticks spent waiting for it. */
  pendingSnapshot = 0;
  snapshotTicks = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** The leader's tick count when it last heard from this member. */
  lastContactTick = 0;
  /** The commit index last sent to this member in an append. */
  sentCommit = 0;
  /** The highest ReadIndex round this member has acknowledged in the current term. */
  readSeqAcked = 0;
  readonly inflights: Inflights;

  constructor(next: number, readonly learner: boolean, inflightsMax: number) {
    this.next = next;
    this.inflights = new Inflights(inflightsMax);
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.#resetState('probe');
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.#resetState('replicate');
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.#resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  #resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  /** An acknowledgement of `index`: returns whether it moved the match forward. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /** After sending entries up to `lastIndex` while replicating. */
  optimisticUpdate(lastIndex: number): void {
    this.next = lastIndex + 1;
  }

  /**
   * A rejection of the append after `rejected`, with the follower's hint of where its log may
   * match. Returns false when the rejection is stale (answers an append already superseded).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Nothing sent to this member is waiting for its answer (no append in flight, no probe, no snapshot). */
  drained(): boolean {
    switch (this.state) {
      case 'probe':
        return !this.probeSent;
      case 'replicate':
        return this.inflights.count === 0;
      case 'snapshot':
        return false;
    }
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}
