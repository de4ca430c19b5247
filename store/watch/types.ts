// What the watch hub reads from (the MVCC store, or a fake in tests) and what it delivers to.
import { KeelError } from '../../raft/core/index.ts';
import type { KeyRange, WatchEvent } from '../mvcc/types.ts';

/** An event as the store records it: `revision` is the revision of the change (its kv's modRevision). */
export type SourceEvent = WatchEvent & { revision: number };

/** The members of `MvccStore` (store/mvcc/store.ts) the hub uses. */
export interface WatchSource {
  /** Called synchronously after each applied batch is on disk, events in revision order, prevKv always included; `revision` is the store's revision after the batch. Returns the unsubscribe function. */
  onApplied(listener: (events: SourceEvent[], revision: number) => void): () => void;
  /** The events of `range` with fromRevision <= revision <= toRevision, at most `limit` of them. Throws an error with code KEEL_COMPACTED and a `compactRevision` field when fromRevision <= compactRevision. */
  history(range: KeyRange, fromRevision: number, toRevision: number, limit?: number): Promise<{ events: SourceEvent[]; compactRevision: number }>;
  readonly currentRevision: number;
  readonly compactRevision: number;
}

export type WatchFilter = 'noput' | 'nodelete';

export interface WatchRequest {
  range: KeyRange;
  /** The first revision to deliver (inclusive); 0: from now, i.e. every change after the current revision. */
  startRevision: number;
  /** Deliver each event's previous key-value (when the store has it). */
  prevKv: boolean;
  /** Send `progress(revision)` when no event was sent for a whole progress interval. */
  progressNotify: boolean;
  /** Event kinds left out: 'noput' drops puts, 'nodelete' drops deletes (etcd's NOPUT, NODELETE). */
  filters?: WatchFilter[];
}

export interface WatchSink {
  /**
   * Events of whole revisions, in revision order, never one twice. `revision`: every event of the
   * watch at or below it has now been delivered. Return false when the sink cannot take more for
   * now: the watcher sends nothing until `resume()`, and then reads what it missed from history.
   */
  events(events: WatchEvent[], revision: number): boolean | void;
  /** No event was sent for a progress interval; every event at or below `revision` has been delivered. */
  progress(revision: number): void;
  /** The watch needs events at or below `compactRevision`, which compaction removed; the watch has ended. */
  compacted(compactRevision: number): void;
  /** The watch ended because history could not be read (a storage error). */
  failed?(error: Error): void;
}

export interface Watcher {
  readonly id: number;
  /** Ends the watch; nothing more is delivered. Idempotent. */
  cancel(): void;
  /** The sink can take events again after it returned false; a no-op otherwise. */
  resume(): void;
}

export class TooManyWatchesError extends KeelError {
  override readonly code = 'KEEL_TOO_MANY_WATCHES' as const;
  constructor(readonly watchersMax: number) {
    super(`this master already serves ${watchersMax} watches, its limit; cancel some or watch through another master`);
  }
}
