// The client library of keel's native HTTP API (store/api/v1.ts), for the control plane, the
// CLI, tests and anyone else. It follows the leader, fails over, and makes every write
// exactly-once across retries; see store/client/transport.ts and store/client/watch.ts for how.
//
//   const client = new KeelClient({ endpoints: ['http://127.0.0.1:2381', ...] });
//   await client.put('a', '1');
//   (await client.get('a'))?.value.toString();   // '1'
//   const watch = client.watch({ key: 'a', prefix: true }, (events) => ...);
//   watch.close(); await client.close();
import { randomUUID } from 'node:crypto';
import {
  keyPath,
  kvFromWire,
  rangeFromWire,
  toBody,
  txnFromWire,
  txnToWire,
  utf8,
  type Bytes,
  type KeyValue,
  type RangeResult,
  type TxnRequest,
  type TxnResult,
} from './client/codec.ts';
import { KeelClientError } from './client/errors.ts';
import { dedupWindowDefault, SeqWindow } from './client/seq-window.ts';
import { errorOf, Transport, type Call, type Reply } from './client/transport.ts';
import { ResumableWatch, type WatchHandle, type WatchListener, type WatchOptions } from './client/watch.ts';

export { KeelClientError } from './client/errors.ts';
export type { Bytes, KeyValue, RangeResult, TxnCompare, TxnOp, TxnOpResult, TxnRequest, TxnResult, WatchEvent } from './client/codec.ts';
export type { WatchHandle, WatchListener, WatchOptions } from './client/watch.ts';

export interface KeelClientOptions {
  /** Every master's API URL (`http://host:port`); the client finds the leader among them. */
  endpoints: string[];
  /** One attempt's time limit (connect, headers, body), ms. Default 5000. */
  timeoutMs?: number;
  /** The whole budget of one call across retries and failovers, ms. Default 15000. */
  retryMs?: number;
  /** This client's identity for exactly-once writes (1-128 characters). Default: a random UUID. */
  clientId?: string;
  /** Writes in flight ahead of the oldest unanswered one, at most: the store's dedup window per client. Default 64. */
  dedupWindow?: number;
}

export interface GetOptions {
  /** Read this master's state without a ReadIndex round: possibly stale. Default false. */
  serializable?: boolean;
  /** Read at this past revision. Default: the current one. */
  revision?: number;
}

export interface RangeOptions {
  /** Every key starting with this; '' for every key. */
  prefix: Bytes;
  /** At most this many keys (server default 1000, at most 10000). */
  limit?: number;
  revision?: number;
  keysOnly?: boolean;
  countOnly?: boolean;
  serializable?: boolean;
}

export interface PutResult {
  revision: number;
  prevKv?: KeyValue;
}

export interface DeleteResult {
  revision: number;
  deleted: number;
  prevKvs?: KeyValue[];
}

export interface LeaseGrantResult {
  id: number;
  /** Seconds. */
  ttl: number;
  revision: number;
}

export interface LeaseTimeToLiveResult {
  id: number;
  /** Seconds left. */
  ttl: number;
  grantedTtl: number;
  keys?: Buffer[];
}

export const timeoutMsDefault = 5_000;
export const retryMsDefault = 15_000;

export class KeelClient {
  readonly clientId: string;
  readonly #transport: Transport;
  readonly #watches = new Set<WatchHandle>();
  readonly #seqs: SeqWindow;

  constructor(options: KeelClientOptions) {
    this.clientId = options.clientId ?? randomUUID();
    if (this.clientId.length === 0 || this.clientId.length > 128) throw new KeelClientError('KEEL_BAD_CONFIG', 'clientId must be 1-128 characters');
    this.#seqs = new SeqWindow(options.dedupWindow ?? dedupWindowDefault);
    this.#transport = new Transport({
      endpoints: options.endpoints,
      timeoutMs: options.timeoutMs ?? timeoutMsDefault,
      retryMs: options.retryMs ?? retryMsDefault,
      clientId: this.clientId,
    });
  }

  /** The leader's API URL as last learned from an answer, or null. */
  get leader(): string | null {
    return this.#transport.leader;
  }

  /** Requests sent, and how many of them were retries (failovers, redirects, 503s, timeouts). */
  get stats(): { attempts: number; retries: number } {
    return { ...this.#transport.stats };
  }

  /** The key's current (or past) value, or null when it does not exist. */
  async get(key: Bytes, options: GetOptions = {}): Promise<KeyValue | null> {
    const q = query({ consistency: options.serializable ? 'serializable' : undefined, revision: options.revision });
    const path = keyPath(key) + q;
    const reply = await this.#transport.call({ method: 'GET', path, what: `get ${show(key)}` });
    if (reply.status === 404) {
      const error = errorOf(reply, `get ${show(key)}`);
      if (error.code === 'KEEL_KEY_NOT_FOUND') return null;
      throw error;
    }
    check(reply, `get ${show(key)}`);
    const h = reply.headers;
    return {
      key: Buffer.from(toBody(key)),
      value: reply.body,
      createRevision: Number(h['x-keel-create-revision'] ?? 0),
      modRevision: Number(h['x-keel-mod-revision'] ?? 0),
      version: Number(h['x-keel-version'] ?? 0),
      lease: Number(h['x-keel-lease'] ?? 0),
    };
  }

  async put(key: Bytes, value: Bytes, options: { lease?: number; prevKv?: boolean } = {}): Promise<PutResult> {
    const path = keyPath(key) + query({ lease: options.lease || undefined, prevKv: options.prevKv || undefined });
    const r = (await this.#write({ method: 'PUT', path, body: toBody(value), contentType: 'application/octet-stream', what: `put ${show(key)}` })) as { revision: number; prevKv?: Parameters<typeof kvFromWire>[0] };
    return { revision: r.revision, ...(r.prevKv ? { prevKv: kvFromWire(r.prevKv) } : {}) };
  }

  async delete(key: Bytes, options: { prefix?: boolean; prevKv?: boolean } = {}): Promise<DeleteResult> {
    const path = keyPath(key) + query({ prefix: options.prefix || undefined, prevKv: options.prevKv || undefined });
    const r = (await this.#write({ method: 'DELETE', path, what: `delete ${show(key)}` })) as { revision: number; deleted: number; prevKvs?: Parameters<typeof kvFromWire>[0][] };
    return { revision: r.revision, deleted: r.deleted, ...(r.prevKvs ? { prevKvs: r.prevKvs.map(kvFromWire) } : {}) };
  }

  /** The keys starting with `prefix`, in key order. */
  async range(options: RangeOptions): Promise<RangeResult> {
    const q = query({
      prefix: utf8(options.prefix, 'the prefix'),
      limit: options.limit,
      revision: options.revision,
      keysOnly: options.keysOnly || undefined,
      countOnly: options.countOnly || undefined,
      consistency: options.serializable ? 'serializable' : undefined,
    });
    const what = `range ${show(options.prefix)}`;
    const reply = await this.#transport.call({ method: 'GET', path: `/v1/kv${q}`, what });
    return rangeFromWire(json(check(reply, what), what) as Parameters<typeof rangeFromWire>[0]);
  }

  /** A transaction: if every compare holds, the success ops, else the failure ops, atomically. */
  async txn(request: TxnRequest): Promise<TxnResult> {
    const r = await this.#write({ method: 'POST', path: '/v1/txn', body: txnToWire(request), what: 'txn' });
    return txnFromWire(r as Parameters<typeof txnFromWire>[0]);
  }

  /** Drops the history below `revision`. */
  async compact(revision: number): Promise<{ revision: number; compactRevision: number }> {
    return (await this.#write({ method: 'POST', path: '/v1/compact', body: JSON.stringify({ revision }), what: `compact ${revision}` })) as { revision: number; compactRevision: number };
  }

  /** A lease of `ttl` seconds (with a chosen `id`, or one the store picks). */
  async leaseGrant(ttl: number, options: { id?: number } = {}): Promise<LeaseGrantResult> {
    const body = JSON.stringify({ ttl, ...(options.id ? { id: options.id } : {}) });
    return (await this.#write({ method: 'POST', path: '/v1/lease/grant', body, what: `lease grant ${ttl}` })) as LeaseGrantResult;
  }

  /** Revokes a lease and deletes its keys. */
  async leaseRevoke(id: number): Promise<{ revision: number }> {
    return (await this.#write({ method: 'POST', path: '/v1/lease/revoke', body: JSON.stringify({ id }), what: `lease revoke ${id}` })) as { revision: number };
  }

  /** Restarts the lease's timer (on the leader); KEEL_LEASE_NOT_FOUND once it expired. */
  async leaseKeepAlive(id: number): Promise<{ id: number; ttl: number }> {
    // Not a log entry (the leader resets a timer) and idempotent: no exactly-once identity needed.
    return (await this.#read({ method: 'POST', path: '/v1/lease/keepalive', body: JSON.stringify({ id }), what: `lease keepalive ${id}` })) as { id: number; ttl: number };
  }

  async leaseTimeToLive(id: number, options: { keys?: boolean } = {}): Promise<LeaseTimeToLiveResult> {
    const body = JSON.stringify({ id, ...(options.keys ? { keys: true } : {}) });
    const r = (await this.#read({ method: 'POST', path: '/v1/lease/ttl', body, what: `lease ttl ${id}` })) as Omit<LeaseTimeToLiveResult, 'keys'> & { keys?: string[] };
    return { id: r.id, ttl: r.ttl, grantedTtl: r.grantedTtl, ...(r.keys ? { keys: r.keys.map((k) => Buffer.from(k, 'utf8')) } : {}) };
  }

  /**
   * Watches a key, a prefix or a range. `onEvents` gets each revision's events once, in order,
   * across disconnects and leader changes; a compacted start revision ends the watch with
   * KEEL_COMPACTED (see the handle's `done`, or `options.onError`).
   */
  watch(options: WatchOptions, onEvents: WatchListener): WatchHandle {
    const current = async (): Promise<number> => (await this.range({ prefix: options.key, limit: 1, countOnly: true })).revision;
    const watch = new ResumableWatch(this.#transport, options, onEvents, current);
    this.#watches.add(watch);
    void watch.done.then(
      () => this.#watches.delete(watch),
      () => this.#watches.delete(watch),
    );
    return watch;
  }

  /** Ends every watch and closes every connection. Calls in flight fail with KEEL_CLIENT_CLOSED. */
  async close(): Promise<void> {
    for (const watch of this.#watches) watch.close();
    await this.#transport.close();
  }

  /** A write: one seq for the logical operation, repeated on every retry. */
  async #write(call: Omit<Call, 'seq'>): Promise<unknown> {
    const seq = await this.#seqs.acquire();
    try {
      const reply = await this.#transport.call({ ...call, seq });
      return json(check(reply, call.what), call.what);
    } finally {
      this.#seqs.release(seq);
    }
  }

  async #read(call: Omit<Call, 'seq'>): Promise<unknown> {
    const reply = await this.#transport.call(call);
    return json(check(reply, call.what), call.what);
  }
}

function check(reply: Reply, what: string): Reply {
  if (reply.status >= 200 && reply.status < 300) return reply;
  throw errorOf(reply, what);
}

function json(reply: Reply, what: string): unknown {
  try {
    return JSON.parse(reply.body.toString('utf8'));
  } catch {
    throw new KeelClientError('KEEL_BAD_RESPONSE', `${what}: the answer from ${reply.url} is not JSON`, { status: reply.status });
  }
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) q.set(name, String(value));
  const text = q.toString();
  return text.length > 0 ? `?${text}` : '';
}

function show(key: Bytes): string {
  return JSON.stringify(typeof key === 'string' ? key : Buffer.from(key).toString('utf8'));
}
