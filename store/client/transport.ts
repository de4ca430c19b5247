// How the client reaches the cluster: an undici Pool per master, the leader learned from the
// x-keel-leader-url header of every answer, failover across masters on socket errors and on
// answers that say "not here, not now" (503, 504, 429), with jittered exponential backoff inside
// one retry budget per call. A write carries the same {clientId, seq} on every attempt, so a retry
// of a write that did reach the leader takes effect once (the store's dedup table).
import { Pool } from 'undici';
import { KeelClientError } from './errors.ts';

/** Connections per master pool. */
export const poolConnectionsMax = 16;
/** Idle keep-alive connections are closed after this, ms (below the server's 30 s keep-alive, so the client closes first). */
export const keepAliveIdleMs = 10_000;
/** Backoff before the first retry, ms; it doubles per attempt up to `backoffMsMax`, with jitter in [50%, 100%]. */
export const backoffMsMin = 25;
export const backoffMsMax = 1_000;
/** An attempt never gets less than this, ms, even at the end of the budget. */
export const attemptMsMin = 200;

export interface Call {
  method: 'GET' | 'PUT' | 'DELETE' | 'POST';
  /** Path and query. */
  path: string;
  body?: Uint8Array | string;
  contentType?: string;
  /** The exactly-once identity of a write: the same on every attempt. */
  seq?: number;
  /** For error messages, e.g. `put "a"`. */
  what: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The API URL that answered. */
  url: string;
}

/** Answers that mean "this master cannot serve it now; another one, or this one later, may". */
export function isRetryableStatus(status: number): boolean {
  return status === 503 || status === 504 || status === 429;
}

export function errorOf(reply: Reply, what: string): KeelClientError {
  let code = `KEEL_HTTP_${reply.status}`;
  let message = reply.body.toString('utf8').slice(0, 500);
  let compactRevision: number | undefined;
  try {
    const parsed = JSON.parse(reply.body.toString('utf8')) as { code?: unknown; message?: unknown; compactRevision?: unknown };
    if (typeof parsed.code === 'string') code = parsed.code;
    if (typeof parsed.message === 'string') message = parsed.message;
    if (typeof parsed.compactRevision === 'number') compactRevision = parsed.compactRevision;
  } catch {
    // Not JSON (a proxy's page, say): keep the status code and the text.
  }
  return new KeelClientError(code, `${what}: ${message}`, { status: reply.status, ...(compactRevision !== undefined ? { compactRevision } : {}) });
}

export function normalizeUrl(url: string): string {
  return new URL(url).origin;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function backoffMs(attempt: number): number {
  const ceiling = Math.min(backoffMsMax, backoffMsMin * 2 ** Math.min(attempt, 10));
  return Math.round(ceiling * (0.5 + Math.random() / 2));
}

export interface TransportOptions {
  endpoints: string[];
  timeoutMs: number;
  retryMs: number;
  clientId: string;
}

export class Transport {
  readonly endpoints: string[];
  readonly timeoutMs: number;
  readonly retryMs: number;
  readonly clientId: string;
  readonly #pools = new Map<string, Pool>();
  #leader: string | null = null;
  #cursor = 0;
  /** Attempts sent, and attempts that were retries of an earlier one (for tests and metrics). */
  readonly stats = { attempts: 0, retries: 0 };
  #closed = false;

  constructor(options: TransportOptions) {
    if (options.endpoints.length === 0) throw new KeelClientError('KEEL_BAD_CONFIG', 'at least one endpoint is needed');
    this.endpoints = options.endpoints.map(normalizeUrl);
    this.timeoutMs = options.timeoutMs;
    this.retryMs = options.retryMs;
    this.clientId = options.clientId;
  }

  /** The leader's API URL as last learned, or null. */
  get leader(): string | null {
    return this.#leader;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Where the next attempt goes: the known leader, else the endpoints in turn. */
  target(): string {
    return this.#leader ?? this.endpoints[this.#cursor % this.endpoints.length];
  }

  /** Learns the leader from an answer's headers; an empty or absent header teaches nothing. */
  learn(headers: Record<string, string>): void {
    const url = headers['x-keel-leader-url'];
    if (url) this.#leader = normalizeUrl(url);
  }

  /** `url` failed: stop sending there until the cluster names it leader again. */
  forget(url: string): void {
    if (this.#leader === url) this.#leader = null;
    if (this.endpoints[this.#cursor % this.endpoints.length] === url) this.#cursor++;
  }

  /**
   * Runs `call` until a master gives an answer that is not retryable (returned as is, any
   * status), or the budget runs out (KEEL_UNAVAILABLE).
   */
  async call(call: Call): Promise<Reply> {
    const deadline = Date.now() + this.retryMs;
    let attempt = 0;
    let lastCode = '';
    let lastMessage = '';
    let maybeApplied = false;
    for (;;) {
      if (this.#closed) throw new KeelClientError('KEEL_CLIENT_CLOSED', `${call.what}: the client is closed`);
      const url = this.target();
      this.stats.attempts++;
      if (attempt > 0) this.stats.retries++;
      const attemptMs = Math.max(attemptMsMin, Math.min(this.timeoutMs, deadline - Date.now()));
      let redirected = false;
      try {
        const reply = await this.#send(url, call, attemptMs);
        const before = this.#leader;
        this.learn(reply.headers);
        if (!isRetryableStatus(reply.status)) return reply;
        const error = errorOf(reply, call.what);
        [lastCode, lastMessage] = [error.code, error.message];
        if (reply.status === 504) maybeApplied = true;
        // A 503 naming another leader: go there at once. Naming itself or no one: try elsewhere.
        redirected = this.#leader !== null && this.#leader !== url && this.#leader !== before;
        if (!redirected && reply.status === 503) this.forget(url);
      } catch (error) {
        if (this.#closed) throw new KeelClientError('KEEL_CLIENT_CLOSED', `${call.what}: the client is closed`);
        const code = (error as { code?: string }).code ?? 'UND_ERR';
        [lastCode, lastMessage] = [code, `${url}: ${(error as Error).message}`];
        // Refused connections never carried the request; anything later may have reached a master.
        if (code !== 'ECONNREFUSED' && code !== 'UND_ERR_CONNECT_TIMEOUT') maybeApplied = true;
        this.forget(url);
      }
      attempt++;
      const waitMs = redirected && attempt === 1 ? 0 : backoffMs(attempt);
      if (Date.now() + waitMs >= deadline) {
        const maybe = call.seq !== undefined && maybeApplied ? ' (the write may have taken effect, once)' : '';
        throw new KeelClientError(
          'KEEL_UNAVAILABLE',
          `${call.what}: no master could serve it within ${this.retryMs} ms (${attempt} attempts)${maybe}; last error: ${lastCode}: ${lastMessage}`,
          { lastCode, maybeApplied: call.seq !== undefined && maybeApplied },
        );
      }
      await sleep(waitMs);
    }
  }

  async #send(url: string, call: Call, attemptMs: number): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (call.body !== undefined) headers['content-type'] = call.contentType ?? 'application/json';
    if (call.seq !== undefined) {
      headers['x-keel-client-id'] = this.clientId;
      headers['x-keel-seq'] = String(call.seq);
    }
    const res = await this.pool(url).request({
      method: call.method,
      path: call.path,
      headers,
      body: call.body,
      headersTimeout: attemptMs,
      bodyTimeout: attemptMs,
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: flatHeaders(res.headers), body, url };
  }

  pool(url: string): Pool {
    let pool = this.#pools.get(url);
    if (pool === undefined) {
      pool = new Pool(url, {
        connections: poolConnectionsMax,
        pipelining: 1,
        keepAliveTimeout: keepAliveIdleMs,
        keepAliveMaxTimeout: keepAliveIdleMs,
        connectTimeout: Math.min(this.timeoutMs, 2_000),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      this.#pools.set(url, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
}

export function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}
