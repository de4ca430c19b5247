// The watch hub of a master: one subscription to the store's applied batches, fanned out to
// every watcher; the watcher limit; the progress ticker. Guarantees, etcd's: events in revision
// order, none twice, none missing from the start revision on, a revision never split between two
// deliveries; a watch that needs compacted history gets `compacted` and ends.
import { assert } from '../../raft/core/index.ts';
import { TooManyWatchesError, type SourceEvent, type WatchRequest, type WatchSink, type WatchSource, type Watcher } from './types.ts';
import { ActiveWatcher, type WatcherHost } from './watcher.ts';

/** Watchers one hub serves at most. */
export const watchersMaxDefault = 10_000;
/** How often a quiet watcher with progressNotify hears the current revision, ms (etcd: 10 min). */
export const progressIntervalMsDefault = 5_000;
/** Events per history read of a catching-up watcher. */
export const historyChunkEventsMax = 1_000;
/** Bytes of live events one watcher may hold while it catches up; beyond it, it drops them and reads them from history again. */
export const watcherBufferBytesMax = 1 << 20;

export interface WatchTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface WatchHubOptions {
  /** Watchers at most; one more is refused with KEEL_TOO_MANY_WATCHES. Default 10_000. */
  watchersMax?: number;
  /** Progress notification interval, ms. Default 5000. */
  progressIntervalMs?: number;
  /** Events per history read, default 1000. */
  historyChunkEvents?: number;
  /** Live-event buffer per catching-up watcher, bytes. Default 1 MiB. */
  bufferBytesMax?: number;
  /** The timer functions (tests pass fakes and tick by hand). Default: the global ones, unref'd. */
  timers?: WatchTimers;
}

const realTimers: WatchTimers = {
  setInterval(callback, ms) {
    const handle = setInterval(callback, ms);
    handle.unref();
    return handle;
  },
  clearInterval(handle) {
    clearInterval(handle as ReturnType<typeof setInterval>);
  },
};

export class WatchHub {
  readonly #source: WatchSource;
  readonly #watchers = new Map<number, ActiveWatcher>();
  readonly #watchersMax: number;
  readonly #timers: WatchTimers;
  readonly #timer: unknown;
  readonly #unsubscribe: () => void;
  readonly #host: WatcherHost;
  #appliedRevision: number;
  #lastId = 0;
  #closed = false;

  constructor(source: WatchSource, options: WatchHubOptions = {}) {
    this.#source = source;
    this.#watchersMax = options.watchersMax ?? watchersMaxDefault;
    const progressIntervalMs = options.progressIntervalMs ?? progressIntervalMsDefault;
    const historyChunkEvents = options.historyChunkEvents ?? historyChunkEventsMax;
    const bufferBytesMax = options.bufferBytesMax ?? watcherBufferBytesMax;
    assert(Number.isInteger(this.#watchersMax) && this.#watchersMax > 0, `watchersMax must be a positive integer, not ${this.#watchersMax}`);
    assert(progressIntervalMs > 0, `progressIntervalMs must be positive, not ${progressIntervalMs}`);
    assert(Number.isInteger(historyChunkEvents) && historyChunkEvents > 0, `historyChunkEvents must be a positive integer, not ${historyChunkEvents}`);
    assert(bufferBytesMax > 0, `bufferBytesMax must be positive, not ${bufferBytesMax}`);
    this.#appliedRevision = source.currentRevision;
    const hub = this;
    this.#host = {
      source,
      get appliedRevision() {
        return hub.#appliedRevision;
      },
      historyChunkEvents,
      bufferBytesMax,
      remove: (watcher) => void this.#watchers.delete(watcher.id),
    };
    this.#unsubscribe = source.onApplied((events, revision) => this.#onApplied(events, revision));
    this.#timers = options.timers ?? realTimers;
    this.#timer = this.#timers.setInterval(() => this.#tickProgress(), progressIntervalMs);
  }

  /** Watchers now served. */
  get size(): number {
    return this.#watchers.size;
  }

  /** The revision of the last applied batch the hub has seen. */
  get revision(): number {
    return this.#appliedRevision;
  }

  /** Starts a watch. Nothing reaches the sink before this returns. Throws TooManyWatchesError (KEEL_TOO_MANY_WATCHES) at the limit. */
  watch(request: WatchRequest, sink: WatchSink): Watcher {
    assert(!this.#closed, 'watch on a closed hub');
    assert(Number.isSafeInteger(request.startRevision) && request.startRevision >= 0, `startRevision must be an integer >= 0, not ${request.startRevision}`);
    for (const filter of request.filters ?? []) assert(filter === 'noput' || filter === 'nodelete', `unknown watch filter ${String(filter)}`);
    if (this.#watchers.size >= this.#watchersMax) throw new TooManyWatchesError(this.#watchersMax);
    const watcher = new ActiveWatcher(++this.#lastId, this.#host, request, sink);
    this.#watchers.set(watcher.id, watcher);
    watcher.start();
    return watcher;
  }

  /** Ends every watch (their sinks hear nothing more) and leaves the source. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#timers.clearInterval(this.#timer);
    for (const watcher of [...this.#watchers.values()]) watcher.cancel();
  }

  #onApplied(events: SourceEvent[], revision: number): void {
    assert(revision >= this.#appliedRevision, `applied revision went back from ${this.#appliedRevision} to ${revision}`);
    this.#appliedRevision = revision;
    for (const watcher of this.#watchers.values()) {
      try {
        watcher.applied(events, revision);
      } catch (error) {
        // A sink that throws is a bug; it must not break the store's apply loop or starve the
        // other watchers, so it ends its watch and the error surfaces on its own.
        watcher.cancel();
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  #tickProgress(): void {
    for (const watcher of this.#watchers.values()) watcher.progressTick();
  }
}
