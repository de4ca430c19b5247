import type { NodeId } from './types.ts';

/** Heartbeat rounds remembered for lease reads. */
const roundsRemembered = 64;

export interface PendingRead {
  context: string;
  from: NodeId;
  /** The commit index when the read arrived: it may be served once applied reaches it. */
  index: number;
  /** The heartbeat round that confirms it; 0 while that round is not sent yet. */
  seq: number;
}

/**
 * ReadIndex reads waiting for a leader to confirm, with a heartbeat round sent after they
 * arrived, that it still leads. Every heartbeat broadcast is a numbered round; followers echo
 * the number, and a read is confirmed once a quorum echoed its round or a later one.
 */
export class ReadQueue {
  #pending: PendingRead[] = [];
  #unsent = 0;
  #seq = 0;
  #sentTicks = new Array<number>(roundsRemembered).fill(-1);

  get size(): number {
    return this.#pending.length;
  }

  add(context: string, from: NodeId, index: number): void {
    this.#pending.push({ context, from, index, seq: 0 });
    this.#unsent++;
  }

  hasUnsent(): boolean {
    return this.#unsent > 0;
  }

  /** A heartbeat round goes out now: every read not yet in a round joins it. */
  startRound(tick: number): number {
    const seq = ++this.#seq;
    this.#sentTicks[seq % roundsRemembered] = tick;
    for (let i = this.#pending.length - this.#unsent; i < this.#pending.length; i++) this.#pending[i].seq = seq;
    this.#unsent = 0;
    return seq;
  }

  /** The tick at which round `seq` was sent, or null if it is too old or never was. */
  sentTick(seq: number): number | null {
    if (seq <= 0 || seq > this.#seq || this.#seq - seq >= roundsRemembered) return null;
    return this.#sentTicks[seq % roundsRemembered];
  }

  /** Removes and returns, in arrival order, the reads whose round is <= `confirmedSeq`. */
  takeConfirmed(confirmedSeq: number): PendingRead[] {
    let n = 0;
    while (n < this.#pending.length - this.#unsent && this.#pending[n].seq <= confirmedSeq) n++;
    if (n === 0) return [];
    return this.#pending.splice(0, n);
  }

  /** Leadership is lost: pending reads are dropped (their callers time out and retry). */
  clear(): void {
    this.#pending = [];
    this.#unsent = 0;
    this.#sentTicks.fill(-1);
  }
}
