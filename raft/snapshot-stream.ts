// Snapshots on the wire in chunks. The core asks for "send snapshot S to follower F" with one
// 'snapshot' message; the driver does not hand that message to the transport but streams the
// image instead, as a sequence of 'snapshot' messages that each carry one chunk in
// `snapshot.data` and `chunk <n>` (`chunk <n> last` for the final one) in `context`. The
// receiving driver stages the chunks through the state machine and, once the last one is
// stored, steps one chunk-less 'snapshot' message into its core. So no member holds the whole
// image in memory and no frame holds more than one chunk.
import { assert, emptyMessage, type Message, type NodeId, type SnapshotMeta } from './core/index.ts';

/** What the state machine gives the driver to stream: an image at `index`, readable many times. */
export interface ImageSource {
  /** The applied index the image is at. */
  index: number;
  /** One pass over the image, in chunks of about `chunkBytes` (a chunk never splits a pair). */
  chunks(chunkBytes: number): AsyncIterable<Uint8Array>;
  /** Releases what holds the image (a LevelDB snapshot). */
  close(): Promise<void>;
}

/** Where a receiving driver puts the chunks of an image until it installs it. */
export interface ImageSink {
  stageDiscard(): Promise<void>;
  stageChunk(seq: number, chunk: Uint8Array): Promise<void>;
}

/** Bytes of image per chunk message. Default 1 MiB. */
export const snapshotChunkBytesDefault = 1 << 20;
/** A chunk still waiting in the transport's queue after this long fails the stream. */
export const streamStallMsMax = 10_000;
/** How often a paced stream looks at the transport's queue, ms. */
export const pacePollMs = 2;
/**
 * Chunks sent but not yet acknowledged as stored by the follower: end-to-end flow control, so a
 * follower that stores slower than the network carries them is not flooded.
 */
export const streamWindowChunks = 4;
/** Chunks received but not yet written to the staging area; more drop the stream (the leader retries). */
export const stagingChunksPendingMax = 8;

export function chunkContext(seq: number, last: boolean): string {
  return last ? `chunk ${seq} last` : `chunk ${seq}`;
}

/** The follower's answer to chunk `seq`: it is stored (a 'snapshot' message back, never stepped). */
export function ackMessage(chunk: Message, seq: number): Message {
  return { ...emptyMessage('snapshot', chunk.to, chunk.from, chunk.term), context: `chunk-ack ${seq}` };
}

/** The chunk number a follower acknowledges, or null for a message that is not an ack. */
export function parseAck(m: Message): number | null {
  if (m.type !== 'snapshot') return null;
  const match = /^chunk-ack (\d{1,10})$/.exec(m.context);
  return match === null ? null : Number(match[1]);
}

/** The chunk number and whether it is the last, or null for a message that is not a chunk. */
export function parseChunkContext(context: string): { seq: number; last: boolean } | null {
  const match = /^chunk (\d{1,10})( last)?$/.exec(context);
  if (match === null) return null;
  return { seq: Number(match[1]), last: match[2] !== undefined };
}

function sameMeta(a: SnapshotMeta, b: SnapshotMeta): boolean {
  return a.index === b.index && a.term === b.term;
}

/** An image shared by the streams reading it: closed once retired and no stream holds it. */
export class ImageHandle {
  #refs = 0;
  #retired = false;
  #closed: Promise<void> | null = null;

  constructor(readonly source: ImageSource) {}

  get index(): number {
    return this.source.index;
  }

  retain(): void {
    assert(!this.#retired, 'a retired image is not streamed any more');
    this.#refs++;
  }

  release(): void {
    assert(this.#refs > 0, 'image released more often than retained');
    this.#refs--;
    this.#maybeClose();
  }

  /** A newer image replaces this one (or the member stops). */
  retire(): void {
    this.#retired = true;
    this.#maybeClose();
  }

  /** Resolves once the source is closed (after retire() and the last release()). */
  get closed(): Promise<void> | null {
    return this.#closed;
  }

  #maybeClose(): void {
    if (this.#retired && this.#refs === 0 && this.#closed === null) this.#closed = this.source.close();
  }
}

export interface SenderOptions {
  chunkBytes: number;
  send(message: Message): void;
  /** Messages waiting in the transport for `to`; absent: no pacing beyond one turn per chunk. */
  queued?(to: NodeId): number;
  /** The stream to `to` ended (not cancelled): RawNode.reportSnapshot. */
  done(to: NodeId, ok: boolean): void;
  chunkSent?(bytes: number): void;
  log?(line: string): void;
  stallMsMax?: number;
  /** Chunks in flight before an ack from the follower is awaited; absent: acks are not awaited. */
  windowChunks?: number;
}

interface OutStream {
  key: string;
  term: number;
  /** The highest chunk the follower stored, -1 before any. */
  acked: number;
  cancelled: boolean;
  finished: Promise<void>;
}

/** The leader's side: one stream per follower at a time, paced by the transport's queue. */
export class SnapshotSender {
  readonly #options: SenderOptions;
  readonly #streams = new Map<NodeId, OutStream>();

  constructor(options: SenderOptions) {
    assert(options.chunkBytes >= 1, `chunkBytes ${options.chunkBytes} < 1`);
    this.#options = options;
  }

  /**
   * Streams `image` to `m.to` for the core's snapshot message `m`. The same snapshot already
   * streaming to that follower goes on (the core asks again after an election timeout); another
   * one cancels it.
   */
  start(m: Message, image: ImageHandle): void {
    assert(m.type === 'snapshot' && m.snapshot !== null, 'only snapshot messages are streamed');
    assert(m.snapshot.meta.index === image.index, `snapshot at ${m.snapshot.meta.index}, image at ${image.index}`);
    const key = `${m.term}/${m.snapshot.meta.index}/${m.snapshot.meta.term}`;
    const existing = this.#streams.get(m.to);
    if (existing !== undefined && !existing.cancelled && existing.key === key) return;
    if (existing !== undefined) existing.cancelled = true;
    image.retain();
    const stream: OutStream = { key, term: m.term, acked: -1, cancelled: false, finished: Promise.resolve() };
    this.#streams.set(m.to, stream);
    stream.finished = this.#run(m, image, stream).finally(() => {
      image.release();
      if (this.#streams.get(m.to) === stream) this.#streams.delete(m.to);
    });
  }

  /** Follower `from` stored chunk `seq` of its stream in `term`. */
  ack(from: NodeId, term: number, seq: number): void {
    const stream = this.#streams.get(from);
    if (stream !== undefined && stream.term === term && seq > stream.acked) stream.acked = seq;
  }

  /** Leadership is lost or the member stops: every stream ends without a report. */
  cancelAll(): void {
    for (const stream of this.#streams.values()) stream.cancelled = true;
  }

  /** Resolves when every stream started so far has ended. */
  async idle(): Promise<void> {
    await Promise.all([...this.#streams.values()].map((s) => s.finished));
  }

  get active(): number {
    return this.#streams.size;
  }

  async #run(m: Message, image: ImageHandle, stream: OutStream): Promise<void> {
    const { chunkBytes, send } = this.#options;
    const iterator = image.source.chunks(chunkBytes)[Symbol.asyncIterator]();
    let ok = false;
    try {
      let current = await iterator.next();
      for (let seq = 0; !current.done; seq++) {
        const next = await iterator.next(); // one ahead, to mark the last chunk
        if (stream.cancelled || !(await this.#paced(m.to, stream, seq))) return;
        const chunk: Message = { ...m, context: chunkContext(seq, next.done === true), snapshot: { meta: m.snapshot!.meta, data: current.value } };
        send(chunk);
        this.#options.chunkSent?.(current.value.length);
        current = next;
      }
      ok = true;
    } catch (error) {
      this.#options.log?.(`snapshot stream to member ${m.to} failed: ${(error as Error).message}`);
    } finally {
      await iterator.return?.();
      if (!stream.cancelled) this.#options.done(m.to, ok);
    }
  }

  /** Waits until the transport holds nothing for `to`; false after the stall limit or a cancel. */
  async #paced(to: NodeId, stream: OutStream, seq: number): Promise<boolean> {
    const queued = this.#options.queued ?? (() => 0);
    const window = this.#options.windowChunks ?? Infinity;
    const deadline = performance.now() + (this.#options.stallMsMax ?? streamStallMsMax);
    await new Promise((resolve) => setImmediate(resolve));
    while (queued(to) > 0 || seq - stream.acked > window) {
      if (stream.cancelled) return false;
      if (performance.now() > deadline) {
        this.#options.log?.(`snapshot stream to member ${to} stalled: chunk ${seq} waited ${this.#options.stallMsMax ?? streamStallMsMax} ms to go out`);
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, pacePollMs));
    }
    return !stream.cancelled;
  }
}

export interface ReceiverOptions {
  sink: ImageSink;
  /** The member's current term: chunks from an older one are stale. */
  term(): number;
  /** The member's applied index: an image not beyond it is not staged. */
  applied(): number;
  /**
   * Steps the chunk-less snapshot message into the core; `staged` tells whether the image is
   * staged (the last chunk is stored) or was skipped (not beyond the applied index).
   */
  step(message: Message, staged: boolean): void;
  /** Sends a chunk ack back to the leader. */
  send?(message: Message): void;
  chunkReceived?(bytes: number): void;
  log?(line: string): void;
}

interface InStream {
  from: NodeId;
  term: number;
  meta: SnapshotMeta;
  next: number;
  /** A chunk of it could not be stored. */
  failed: boolean;
}

/**
 * The follower's side. Chunk writes run one after the other on a chain; a completed image is
 * held (later chunks are ignored) until the driver has installed it or found the core did not
 * want it (release()).
 */
export class SnapshotReceiver {
  readonly #options: ReceiverOptions;
  #current: InStream | null = null;
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;
  #holding = false;

  constructor(options: ReceiverOptions) {
    this.#options = options;
  }

  /** Whether `m` is a chunk message (then the receiver takes it; the core must not see it). */
  static isChunk(m: Message): boolean {
    return m.type === 'snapshot' && m.snapshot !== null && parseChunkContext(m.context) !== null;
  }

  get holding(): boolean {
    return this.#holding;
  }

  receive(m: Message): void {
    const parsed = parseChunkContext(m.context);
    assert(parsed !== null && m.snapshot !== null, 'not a chunk message');
    if (m.term < this.#options.term() || this.#holding) return;
    const { seq, last } = parsed;
    const meta = m.snapshot.meta;
    if (seq === 0) {
      this.#drop();
      if (meta.index <= this.#options.applied()) {
        // Nothing to stage: the core answers with what we have, and the leader goes on from there.
        this.#options.step(finalMessage(m), false);
        return;
      }
      this.#current = { from: m.from, term: m.term, meta, next: 0, failed: false };
      this.#enqueue(() => this.#options.sink.stageDiscard());
    }
    const current = this.#current;
    if (current === null || current.from !== m.from || current.term !== m.term || !sameMeta(current.meta, meta)) return;
    if (seq !== current.next) {
      this.#options.log?.(`snapshot chunk ${seq} from member ${m.from} after chunk ${current.next - 1}: the stream is dropped`);
      return this.#drop();
    }
    if (this.#pending >= stagingChunksPendingMax) {
      this.#options.log?.(`snapshot chunks from member ${m.from} arrive faster than they are stored: the stream is dropped`);
      return this.#drop();
    }
    current.next++;
    const chunk = m.snapshot.data;
    this.#enqueue(async () => {
      if (current.failed) return;
      try {
        await this.#options.sink.stageChunk(seq, chunk);
      } catch (error) {
        current.failed = true;
        throw error;
      }
      this.#options.chunkReceived?.(chunk.length);
      this.#options.send?.(ackMessage(m, seq));
    });
    if (!last) return;
    this.#holding = true;
    this.#current = null;
    this.#enqueue(async () => {
      if (!current.failed) return this.#options.step(finalMessage(m), true);
      this.#holding = false;
      await this.#options.sink.stageDiscard();
    });
  }

  /** The leader changed: a stream under way is dropped (not a completed one the driver holds). */
  leaderChanged(): void {
    if (!this.#holding) this.#drop();
  }

  /** The held image was installed (installed: true) or is not wanted: chunks are taken again. */
  release(installed: boolean): void {
    assert(this.#holding, 'release() without a held image');
    this.#holding = false;
    if (!installed) this.#enqueue(() => this.#options.sink.stageDiscard());
  }

  /** Runs `f` after every staging write so far, and before any later one. */
  exclusive<T>(f: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(f);
    this.#chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves when every staging write so far is done. */
  settled(): Promise<void> {
    return this.#chain;
  }

  #drop(): void {
    if (this.#current === null) return;
    this.#current = null;
    this.#enqueue(() => this.#options.sink.stageDiscard());
  }

  #enqueue(f: () => Promise<void>): void {
    this.#pending++;
    this.#chain = this.#chain.then(f).then(
      () => void this.#pending--,
      (error: Error) => {
        this.#pending--;
        this.#options.log?.(`staging a snapshot chunk failed: ${error.message}`);
      },
    );
  }
}

/** The message the core sees once the image is staged: the leader's, without any image bytes. */
function finalMessage(m: Message): Message {
  return { ...m, context: '', snapshot: { meta: m.snapshot!.meta, data: new Uint8Array(0) } };
}
