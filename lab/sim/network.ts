// The simulated network: every message gets a random delay (so messages reorder), and may be
// dropped or duplicated; link filters model partitions. Time is the simulator's virtual clock.

import type { Message, NodeId, Prng } from '../../raft/core/index.ts';

export interface NetworkConditions {
  /** Probability in [0, 1] that a message is lost. */
  dropP: number;
  /** Probability in [0, 1] that a message is delivered twice. */
  dupP: number;
  delayMinMs: number;
  delayMaxMs: number;
  /** Probability of an extra delay in [0, spikeMaxMs) on top, the usual source of reordering. */
  spikeP: number;
  spikeMaxMs: number;
}

/** What the network does with no fault active: no loss, 1-4 ms, an occasional late message. */
export const cleanConditions: NetworkConditions = { dropP: 0, dupP: 0, delayMinMs: 1, delayMaxMs: 4, spikeP: 0.01, spikeMaxMs: 30 };

/** True when a message from `from` to `to` must not get through. */
export type LinkFilter = (from: NodeId, to: NodeId) => boolean;

export interface Envelope {
  message: Message;
  /** The sender's incarnation, so a late answer is not reported to a restarted sender. */
  senderIncarnation: number;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  blocked: number;
}

export class Network {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, blocked: 0 };
  #prng: Prng;
  #queue = new Map<number, Envelope[]>();
  #filters = new Map<number, LinkFilter>();
  #conditions = new Map<number, NetworkConditions>();

  constructor(prng: Prng) {
    this.#prng = prng;
  }

  get conditions(): NetworkConditions {
    let current = cleanConditions;
    for (const conditions of this.#conditions.values()) current = conditions;
    return current;
  }

  blocked(from: NodeId, to: NodeId): boolean {
    for (const filter of this.#filters.values()) if (filter(from, to)) return true;
    return false;
  }

  addFilter(id: number, filter: LinkFilter): void {
    this.#filters.set(id, filter);
  }

  removeFilter(id: number): void {
    this.#filters.delete(id);
  }

  setConditions(id: number, conditions: NetworkConditions): void {
    this.#conditions.set(id, conditions);
  }

  clearConditions(id: number): void {
    this.#conditions.delete(id);
  }

  /** Heals everything: no filters, clean conditions. Messages in flight stay in flight. */
  heal(): void {
    this.#filters.clear();
    this.#conditions.clear();
  }

  /** Queues a message; returns what became of it. */
  send(nowMs: number, message: Message, senderIncarnation: number): 'queued' | 'blocked' | 'dropped' {
    this.stats.sent += 1;
    if (this.blocked(message.from, message.to)) {
      this.stats.blocked += 1;
      return 'blocked';
    }
    const conditions = this.conditions;
    if (this.#prng.chance(conditions.dropP)) {
      this.stats.dropped += 1;
      return 'dropped';
    }
    this.#enqueue(nowMs, { message: copyMessage(message), senderIncarnation }, conditions);
    if (this.#prng.chance(conditions.dupP)) {
      this.stats.duplicated += 1;
      this.#enqueue(nowMs, { message: copyMessage(message), senderIncarnation }, conditions);
    }
    return 'queued';
  }

  #enqueue(nowMs: number, envelope: Envelope, conditions: NetworkConditions): void {
    let delay = this.#prng.range(conditions.delayMinMs, conditions.delayMaxMs + 1);
    if (this.#prng.chance(conditions.spikeP)) delay += this.#prng.int(conditions.spikeMaxMs);
    const at = nowMs + Math.max(1, delay);
    const bucket = this.#queue.get(at);
    if (bucket === undefined) this.#queue.set(at, [envelope]);
    else bucket.push(envelope);
  }

  /** The messages due at `nowMs`, in arrival order, split into those that get through and those a partition now blocks. */
  takeDue(nowMs: number): { due: Envelope[]; lost: Envelope[] } {
    const bucket = this.#queue.get(nowMs);
    if (bucket === undefined) return { due: [], lost: [] };
    this.#queue.delete(nowMs);
    const due: Envelope[] = [];
    const lost: Envelope[] = [];
    for (const envelope of bucket) {
      if (this.blocked(envelope.message.from, envelope.message.to)) lost.push(envelope);
      else due.push(envelope);
    }
    this.stats.blocked += lost.length;
    return { due, lost };
  }

  get inFlight(): number {
    let count = 0;
    for (const bucket of this.#queue.values()) count += bucket.length;
    return count;
  }
}

/** A copy the receiver may keep: entries and snapshot meta are fresh objects, data bytes are shared (immutable). */
export function copyMessage(message: Message): Message {
  return {
    ...message,
    entries: message.entries.map((entry) => ({ ...entry })),
    snapshot: message.snapshot === null ? null : { meta: structuredClone(message.snapshot.meta), data: message.snapshot.data },
  };
}
