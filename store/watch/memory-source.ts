// An in-memory WatchSource: the reference model the hub's tests run against (the simulator may
// use it too). Every change is kept until compact(); history reads can be held and released one
// at a time, so a test decides exactly how reads interleave with writes.
import { assert } from '../../raft/core/index.ts';
import type { KeyRange, KeyValue } from '../mvcc/types.ts';
import { keyInRange } from './key-range.ts';
import type { SourceEvent, WatchSource } from './types.ts';

export type MemoryOp = { key: string | Uint8Array; value: string | Uint8Array; lease?: number } | { key: string | Uint8Array; delete: true };

export class CompactedError extends Error {
  readonly code = 'KEEL_COMPACTED' as const;
  constructor(readonly compactRevision: number) {
    super(`revision ${compactRevision} and older have been compacted`);
  }
}

const encoder = new TextEncoder();
const bytes = (text: string | Uint8Array) => (typeof text === 'string' ? encoder.encode(text) : text);
const keyId = (key: Uint8Array) => Buffer.from(key).toString('hex');

export class MemoryWatchSource implements WatchSource {
  /** Every event since the start (compaction removes none of these from `log`, only from history). */
  readonly log: SourceEvent[] = [];
  currentRevision = 0;
  compactRevision = 0;
  /** Hold history reads until release(); otherwise they answer on the next microtask. */
  holdReads = false;
  historyCalls = 0;
  readonly #listeners = new Set<(events: SourceEvent[], revision: number) => void>();
  readonly #kvs = new Map<string, KeyValue>();
  readonly #held: Array<() => void> = [];

  onApplied(listener: (events: SourceEvent[], revision: number) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Reads held so far. */
  get heldReads(): number {
    return this.#held.length;
  }

  history(range: KeyRange, fromRevision: number, toRevision: number, limit?: number): Promise<{ events: SourceEvent[]; compactRevision: number }> {
    this.historyCalls++;
    return new Promise((resolve, reject) => {
      const answer = () => {
        if (fromRevision <= this.compactRevision) return reject(new CompactedError(this.compactRevision));
        const events = this.log.filter((event) => event.revision >= fromRevision && event.revision <= toRevision && keyInRange(event.kv.key, range));
        resolve({ events: limit === undefined ? events : events.slice(0, limit), compactRevision: this.compactRevision });
      };
      if (this.holdReads) this.#held.push(answer);
      else queueMicrotask(answer);
    });
  }

  /** Answers the oldest held read; false when none is held. */
  release(): boolean {
    const answer = this.#held.shift();
    answer?.();
    return answer !== undefined;
  }

  /** Applies one batch: each element of `revisions` is one revision's ops (a txn); listeners hear the batch at once. */
  apply(revisions: MemoryOp[][]): SourceEvent[] {
    const batch: SourceEvent[] = [];
    for (const ops of revisions) {
      const revision = this.currentRevision + 1;
      let changed = false;
      for (const op of ops) {
        const event = this.#change(op, revision);
        if (event !== null) {
          batch.push(event);
          changed = true;
        }
      }
      if (changed) this.currentRevision = revision;
    }
    this.log.push(...batch);
    for (const listener of this.#listeners) listener(batch, this.currentRevision);
    return batch;
  }

  put(key: string, value: string): SourceEvent {
    return this.apply([[{ key, value }]])[0];
  }

  delete(key: string): SourceEvent | undefined {
    return this.apply([[{ key, delete: true }]])[0];
  }

  compact(revision: number): void {
    assert(revision <= this.currentRevision && revision >= this.compactRevision, `cannot compact at ${revision}`);
    this.compactRevision = revision;
  }

  #change(op: MemoryOp, revision: number): SourceEvent | null {
    const key = bytes(op.key);
    const id = keyId(key);
    const prev = this.#kvs.get(id);
    if ('delete' in op) {
      if (prev === undefined) return null;
      this.#kvs.delete(id);
      return { type: 'delete', kv: { key, createRevision: 0, modRevision: revision, version: 0, value: new Uint8Array(0), lease: 0 }, prevKv: prev, revision };
    }
    const kv: KeyValue = {
      key,
      createRevision: prev?.createRevision ?? revision,
      modRevision: revision,
      version: (prev?.version ?? 0) + 1,
      value: bytes(op.value),
      lease: op.lease ?? 0,
    };
    this.#kvs.set(id, kv);
    return prev === undefined ? { type: 'put', kv, revision } : { type: 'put', kv, prevKv: prev, revision };
  }
}
