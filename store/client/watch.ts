// A watch that survives its master: GET /v1/watch streams NDJSON lines; when the stream breaks
// (the master died, lost leadership, restarted) the watch reconnects, to the leader if one is
// known, from the revision after the last one it was told is complete. Every line's `revision`
// is such a watermark (all events at or below it were sent), so resuming from watermark + 1 loses
// nothing; events at or below the watermark that a server would send again are dropped, so
// nothing is delivered twice. A compacted start revision ends the watch with KEEL_COMPACTED.
import { Client } from 'undici';
import { eventFromWire, utf8, type Bytes, type WatchEvent } from './codec.ts';
import { KeelClientError } from './errors.ts';
import { backoffMs, errorOf, flatHeaders, isRetryableStatus, keepAliveIdleMs, sleep, type Transport } from './transport.ts';

/** Longest NDJSON line accepted, characters: a line holds one revision's events, values up to 1.5 MiB each. */
export const watchLineCharsMax = 64 * 1024 * 1024;

export interface WatchOptions {
  key: Bytes;
  /** Watch every key starting with `key`. */
  prefix?: boolean;
  /** Watch [key, rangeEnd). */
  rangeEnd?: Bytes;
  /** The first revision to deliver; default: changes after the current revision. */
  startRevision?: number;
  prevKv?: boolean;
  /** Also call `onProgress` when the server reports progress without events. */
  progressNotify?: boolean;
  /** Called with the watermark of each progress line (only with progressNotify). */
  onProgress?: (revision: number) => void;
  /** Called once when the watch ends with an error (also the rejection of `done`). */
  onError?: (error: KeelClientError) => void;
}

export type WatchListener = (events: WatchEvent[], revision: number) => void | Promise<void>;

export interface WatchHandle {
  /** Stops the watch; `done` resolves. Idempotent. */
  close(): void;
  /** Resolves after close(); rejects with KEEL_COMPACTED (with `details.compactRevision`), KEEL_UNAVAILABLE (no master for a whole retry budget) or the listener's own error. */
  readonly done: Promise<void>;
  /** The next revision the watch asks for: every event below it has been delivered. 0 until known. */
  readonly nextRevision: number;
}

interface WireLine {
  revision?: number;
  events?: Parameters<typeof eventFromWire>[0][];
  progress?: boolean;
  code?: string;
  message?: string;
  compactRevision?: number;
}

export class ResumableWatch implements WatchHandle {
  readonly done: Promise<void>;
  readonly #transport: Transport;
  readonly #options: WatchOptions;
  readonly #onEvents: WatchListener;
  readonly #abort = new AbortController();
  /** The store's current revision (a read), for a watch from now on a server that does not say where now is. */
  readonly #currentRevision: () => Promise<number>;
  #next: number;
  #closed = false;
  #connection: Client | null = null;

  constructor(transport: Transport, options: WatchOptions, onEvents: WatchListener, currentRevision: () => Promise<number>) {
    this.#transport = transport;
    this.#options = options;
    this.#onEvents = onEvents;
    this.#currentRevision = currentRevision;
    this.#next = options.startRevision ?? 0;
    this.done = this.#run().catch((error: unknown) => {
      const failure = error instanceof KeelClientError ? error : new KeelClientError('KEEL_WATCH_FAILED', (error as Error).message);
      this.#options.onError?.(failure);
      throw failure;
    });
    // `done` is for whoever wants it; an unobserved failure must not crash the process (onError saw it).
    this.done.catch(() => undefined);
  }

  get nextRevision(): number {
    return this.#next;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    void this.#connection?.destroy().catch(() => undefined);
  }

  async #run(): Promise<void> {
    let attempt = 0;
    let budgetStart = Date.now();
    let lastError = '';
    while (!this.#closed) {
      const url = this.#transport.target();
      const progressed = this.#next;
      try {
        await this.#stream(url);
        lastError = `${url}: the stream ended`;
      } catch (error) {
        if (this.#closed) break;
        if (error instanceof ListenerError) throw error.failure;
        if (error instanceof KeelClientError && !isRetryableCode(error)) throw error;
        lastError = `${url}: ${(error as { code?: string }).code ?? ''} ${(error as Error).message}`;
        this.#transport.forget(url);
      }
      if (this.#closed) break;
      // A stream that delivered something restarts the budget: only a cluster that serves nothing counts against it.
      if (this.#next !== progressed) [attempt, budgetStart] = [0, Date.now()];
      attempt++;
      const waitMs = backoffMs(attempt);
      if (Date.now() + waitMs - budgetStart >= this.#transport.retryMs) {
        throw new KeelClientError('KEEL_UNAVAILABLE', `watch ${JSON.stringify(utf8(this.#options.key, 'the key'))}: no master served it for ${this.#transport.retryMs} ms; last error: ${lastError}`);
      }
      await sleep(waitMs);
    }
  }

  #path(): string {
    const o = this.#options;
    const q = new URLSearchParams({ key: utf8(o.key, 'the watch key') });
    if (o.prefix) q.set('prefix', 'true');
    if (o.rangeEnd !== undefined) q.set('rangeEnd', utf8(o.rangeEnd, 'the watch rangeEnd'));
    if (this.#next > 0) q.set('startRevision', String(this.#next));
    if (o.prevKv) q.set('prevKv', 'true');
    if (o.progressNotify) q.set('progressNotify', 'true');
    return `/v1/watch?${q}`;
  }

  /** One connection's stream, until it ends or breaks. */
  async #stream(url: string): Promise<void> {
    // One connection per stream: a long-lived response must not hold a slot of the request pools.
    const connection = new Client(url, {
      pipelining: 0,
      keepAliveTimeout: keepAliveIdleMs,
      connectTimeout: Math.min(this.#transport.timeoutMs, 2_000),
      headersTimeout: this.#transport.timeoutMs,
      // Streams stay quiet while nothing changes; a dead master shows up as a closed socket.
      bodyTimeout: 0,
    });
    this.#connection = connection;
    try {
      const res = await connection.request({ method: 'GET', path: this.#path(), signal: this.#abort.signal });
      const headers = flatHeaders(res.headers);
      this.#transport.learn(headers);
      if (res.statusCode !== 200) {
        const body = Buffer.from(await res.body.arrayBuffer());
        throw errorOf({ status: res.statusCode, headers, body, url }, 'watch');
      }
      if (this.#next === 0) {
        // A watch "from now" learns where now is, so that a reconnect resumes right there.
        // x-keel-revision is the revision the stream starts after; a server without it costs a read.
        const revision = Number(headers['x-keel-revision']);
        this.#next = (Number.isSafeInteger(revision) && revision >= 0 ? revision : await this.#currentRevision()) + 1;
      }
      const decoder = new TextDecoder();
      let pending = '';
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        pending += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = pending.indexOf('\n')) !== -1) {
          const line = pending.slice(0, newline).trim();
          pending = pending.slice(newline + 1);
          if (line.length > 0) await this.#line(line);
          if (this.#closed) return;
        }
        if (pending.length > watchLineCharsMax) throw new KeelClientError('KEEL_WATCH_LINE_TOO_LONG', `a watch line is over ${watchLineCharsMax} characters`);
      }
    } finally {
      this.#connection = null;
      await connection.destroy().catch(() => undefined);
    }
  }

  async #line(text: string): Promise<void> {
    let line: WireLine;
    try {
      line = JSON.parse(text) as WireLine;
    } catch {
      throw new KeelClientError('KEEL_BAD_RESPONSE', `a watch line is not JSON: ${text.slice(0, 200)}`);
    }
    if (typeof line.code === 'string') {
      const details = line.compactRevision !== undefined ? { compactRevision: line.compactRevision } : {};
      throw new KeelClientError(line.code, `watch: ${line.message ?? line.code}`, details);
    }
    if (typeof line.revision !== 'number') return;
    if (Array.isArray(line.events)) {
      const fresh = line.events.filter((e) => e.kv.modRevision >= this.#next).map(eventFromWire);
      this.#next = Math.max(this.#next, line.revision + 1);
      if (fresh.length > 0) {
        try {
          await this.#onEvents(fresh, line.revision);
        } catch (error) {
          throw new ListenerError(error);
        }
      }
      return;
    }
    if (line.progress === true) {
      this.#next = Math.max(this.#next, line.revision + 1);
      if (this.#options.progressNotify) this.#options.onProgress?.(line.revision);
    }
  }
}

/** The caller's listener threw: the watch ends with that error, it does not reconnect. */
class ListenerError extends Error {
  readonly failure: KeelClientError;
  constructor(cause: unknown) {
    super('the watch listener threw');
    this.failure = cause instanceof KeelClientError ? cause : new KeelClientError('KEEL_WATCH_LISTENER_FAILED', `the watch listener threw: ${(cause as Error)?.message ?? cause}`);
    this.failure.cause = cause;
  }
}

/** Errors a watch recovers from by reconnecting; a compacted start or a bad request ends it. */
function isRetryableCode(error: KeelClientError): boolean {
  if (error.details.status !== undefined) return isRetryableStatus(error.details.status);
  return !['KEEL_COMPACTED', 'KEEL_BAD_RESPONSE', 'KEEL_BAD_KEY', 'KEEL_WATCH_LINE_TOO_LONG'].includes(error.code);
}
