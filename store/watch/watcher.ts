// One watch: catches up from history, then follows the applied batches live. The technique is
// etcd's unsynced/synced watcher split, per watcher:
//
//   catching-up: live batches are buffered (bounded); history is read in chunks from the next
//                undelivered revision up to the round's target (the applied revision when the
//                round began); then the buffer is drained, skipping what history already gave.
//                A buffer that overflows is dropped and the round repeats with a new target.
//   live:        each applied batch is delivered as it arrives.
//   paused:      the sink reported backpressure; nothing is buffered. `resume()` starts a new
//                catch-up round from the next undelivered revision.
//   ended:       cancelled, compacted or failed.
//
// `#nextRevision` (the lowest revision not yet delivered) only grows, and every delivery starts
// at it, so nothing is delivered twice and nothing is skipped.
import { assert } from '../../raft/core/index.ts';
import type { WatchEvent } from '../mvcc/types.ts';
import { keyInRange } from './key-range.ts';
import type { SourceEvent, WatchRequest, WatchSink, WatchSource, Watcher } from './types.ts';

/** Fixed bytes counted per buffered event on top of its keys and values, for the objects around them. */
export const bufferEventOverheadBytes = 64;

/** What a watcher needs from its hub. */
export interface WatcherHost {
  readonly source: WatchSource;
  /** The store revision of the last batch the hub saw applied (on disk). */
  readonly appliedRevision: number;
  readonly historyChunkEvents: number;
  readonly bufferBytesMax: number;
  remove(watcher: ActiveWatcher): void;
}

type State = 'catching-up' | 'live' | 'paused' | 'ended';

export class ActiveWatcher implements Watcher {
  readonly id: number;
  readonly #host: WatcherHost;
  readonly #request: WatchRequest;
  readonly #sink: WatchSink;
  readonly #noPut: boolean;
  readonly #noDelete: boolean;
  #state: State = 'catching-up';
  #nextRevision = 0;
  /** Live events of the range that arrived during this catch-up round, all after its target. */
  #buffer: SourceEvent[] = [];
  #bufferBytes = 0;
  /** The revision of the last batch seen during this round (events or not). */
  #bufferRevision = 0;
  #bufferOverflowed = false;
  #sentSinceTick = false;

  constructor(id: number, host: WatcherHost, request: WatchRequest, sink: WatchSink) {
    this.id = id;
    this.#host = host;
    this.#request = request;
    this.#sink = sink;
    this.#noPut = request.filters?.includes('noput') ?? false;
    this.#noDelete = request.filters?.includes('nodelete') ?? false;
  }

  get state(): State {
    return this.#state;
  }

  /** Bytes of live events held for this watcher now. */
  get bufferedBytes(): number {
    return this.#bufferBytes;
  }

  /** Starts the watch. Sends nothing synchronously, so the caller can announce the watch first. */
  start(): void {
    if (this.#request.startRevision === 0) {
      this.#nextRevision = this.#host.appliedRevision + 1;
      this.#state = 'live';
      return;
    }
    this.#nextRevision = this.#request.startRevision;
    void this.#catchUp(true);
  }

  cancel(): void {
    if (this.#state === 'ended') return;
    this.#end();
  }

  resume(): void {
    if (this.#state !== 'paused') return;
    this.#state = 'catching-up';
    void this.#catchUp(false);
  }

  /** One applied batch, all of it: the watcher picks its range. */
  applied(events: SourceEvent[], revision: number): void {
    if (this.#state === 'live') {
      const mine = events.filter((event) => event.revision >= this.#nextRevision && keyInRange(event.kv.key, this.#request.range));
      this.#nextRevision = Math.max(this.#nextRevision, revision + 1);
      if (mine.length > 0) this.#deliver(mine, revision);
      return;
    }
    if (this.#state !== 'catching-up' || this.#bufferOverflowed) return;
    this.#bufferRevision = revision;
    for (const event of events) {
      if (!keyInRange(event.kv.key, this.#request.range)) continue;
      this.#buffer.push(event);
      this.#bufferBytes += eventBytes(event);
    }
    if (this.#bufferBytes > this.#host.bufferBytesMax) {
      // Memory stays bounded: these events are read from history in the next round instead.
      this.#buffer = [];
      this.#bufferBytes = 0;
      this.#bufferOverflowed = true;
    }
  }

  /** One progress interval has passed. */
  progressTick(): void {
    const quiet = !this.#sentSinceTick;
    this.#sentSinceTick = false;
    // Only a live watcher has delivered everything up to the applied revision.
    if (!this.#request.progressNotify || this.#state !== 'live' || !quiet) return;
    this.#sink.progress(this.#host.appliedRevision);
  }

  /** Catch-up rounds until the watcher is live (or paused, or ended). */
  async #catchUp(first: boolean): Promise<void> {
    // The caller of watch() or resume() gets control back before the sink hears anything.
    if (first) await Promise.resolve();
    while (this.#state === 'catching-up') {
      const target = this.#host.appliedRevision;
      this.#buffer = [];
      this.#bufferBytes = 0;
      this.#bufferRevision = target;
      this.#bufferOverflowed = false;
      if (!(await this.#readHistory(target))) return;
      this.#nextRevision = Math.max(this.#nextRevision, target + 1);
      if (this.#bufferOverflowed) continue;
      const pending = this.#buffer;
      const through = this.#bufferRevision;
      // Buffered events arrived after the round began, so all are past its target: none was in history.
      assert(pending.length === 0 || pending[0].revision >= this.#nextRevision, `buffered revision ${pending[0]?.revision} already delivered`);
      this.#buffer = [];
      this.#bufferBytes = 0;
      this.#nextRevision = Math.max(this.#nextRevision, through + 1);
      this.#state = 'live';
      if (pending.length > 0) this.#deliver(pending, through);
    }
  }

  /** Delivers history from #nextRevision through `target`; false when the watcher stopped catching up meanwhile. */
  async #readHistory(target: number): Promise<boolean> {
    const { source, historyChunkEvents } = this.#host;
    while (this.#nextRevision <= target) {
      if (this.#nextRevision <= source.compactRevision) {
        this.#endCompacted(source.compactRevision);
        return false;
      }
      const from = this.#nextRevision;
      let chunk: { events: SourceEvent[]; through: number };
      try {
        chunk = await this.#readChunk(from, target, historyChunkEvents);
      } catch (error) {
        if (this.#state === 'catching-up') this.#endOnReadError(error);
        return false;
      }
      if (this.#state !== 'catching-up') return false;
      this.#nextRevision = chunk.through + 1;
      if (chunk.events.length > 0 && !this.#deliver(chunk.events, chunk.through)) return false;
    }
    return true;
  }

  /** Events of whole revisions from `from` on, and the revision through which they are complete. */
  async #readChunk(from: number, target: number, limit: number): Promise<{ events: SourceEvent[]; through: number }> {
    const { source } = this.#host;
    const { events } = await source.history(this.#request.range, from, target, limit);
    checkHistory(events, from, target);
    if (events.length < limit) return { events, through: target };
    const last = events[events.length - 1].revision;
    if (events[0].revision !== last) {
      // The limit may have cut the last revision: leave it for the next chunk.
      return { events: events.filter((event) => event.revision < last), through: last - 1 };
    }
    // One revision holds more events than a chunk (a large txn): it is delivered whole.
    const whole = await source.history(this.#request.range, last, last);
    checkHistory(whole.events, last, last);
    return { events: whole.events, through: last };
  }

  /** Sends events (filtered, prevKv stripped unless asked); false when the sink reported backpressure. */
  #deliver(events: SourceEvent[], revision: number): boolean {
    const out: WatchEvent[] = [];
    for (const event of events) {
      if (event.type === 'put' ? this.#noPut : this.#noDelete) continue;
      out.push(this.#request.prevKv ? toWatchEvent(event) : { type: event.type, kv: event.kv });
    }
    if (out.length === 0) return true;
    this.#sentSinceTick = true;
    const accepted = this.#sink.events(out, revision) !== false;
    if (!accepted && this.#state !== 'ended') {
      this.#state = 'paused';
      this.#buffer = [];
      this.#bufferBytes = 0;
    }
    return accepted && this.#state !== 'ended';
  }

  #endCompacted(compactRevision: number): void {
    this.#end();
    this.#sink.compacted(compactRevision);
  }

  #endOnReadError(error: unknown): void {
    const coded = error as { code?: unknown; compactRevision?: unknown };
    if (coded.code === 'KEEL_COMPACTED' && typeof coded.compactRevision === 'number') return this.#endCompacted(coded.compactRevision);
    this.#end();
    this.#sink.failed?.(error instanceof Error ? error : new Error(String(error)));
  }

  #end(): void {
    this.#state = 'ended';
    this.#buffer = [];
    this.#bufferBytes = 0;
    this.#host.remove(this);
  }
}

function toWatchEvent(event: SourceEvent): WatchEvent {
  return event.prevKv === undefined ? { type: event.type, kv: event.kv } : { type: event.type, kv: event.kv, prevKv: event.prevKv };
}

function eventBytes(event: SourceEvent): number {
  const prev = event.prevKv === undefined ? 0 : event.prevKv.key.length + event.prevKv.value.length;
  return bufferEventOverheadBytes + event.kv.key.length + event.kv.value.length + prev;
}

/** The source's promise, checked: in order, within [from, to]. */
function checkHistory(events: SourceEvent[], from: number, to: number): void {
  let previous = from;
  for (const event of events) {
    assert(event.revision >= previous && event.revision <= to, `history out of order or out of [${from}, ${to}]: revision ${event.revision} after ${previous}`);
    previous = event.revision;
  }
}
