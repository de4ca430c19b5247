// The HTTP API of a master: the key-value routes, status, health and metrics. The leader serves
// writes; a follower forwards them to the leader (undici, keep-alive) and serves linearizable
// reads itself through ReadIndex.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { KeelError, noNode, type NodeId } from '../raft/core/index.ts';
import type { RaftNode } from '../raft/node.ts';
import { encodeCommand, type KvCommand, type KvStateMachine } from './kv-state-machine.ts';
import type { Registry } from './metrics.ts';

/** Largest key, bytes (etcd's practical limit is 1.5 MiB for the whole request; keys stay small). */
export const keyBytesMax = 4096;
/** Largest value, bytes: etcd's request limit. */
export const valueBytesMax = 1.5 * 1024 * 1024;
/** Keys returned by one list request at most. */
export const listLimitMax = 10_000;

export interface ApiOptions {
  node: RaftNode;
  kv: KvStateMachine;
  /** Every member's API URL, by id (this one's included). */
  apiUrls: Map<NodeId, string>;
  registry: Registry;
  /** Extra fields for /v1/status (peer transport figures). */
  peerStatus: () => Record<string, unknown>;
  /** How long a request waits for a leader before a 503, ms. Default 3000. */
  leaderWaitMs?: number;
  /** How long a write or a linearizable read may take before a 504, ms. Default 5000. */
  requestTimeoutMs?: number;
}

class ApiError extends KeelError {
  constructor(readonly status: number, override readonly code: string, message: string) {
    super(message);
  }
}

const statusByCode: Record<string, number> = {
  KEEL_NOT_LEADER: 503,
  KEEL_NO_LEADER: 503,
  KEEL_TRANSFER_IN_PROGRESS: 503,
  KEEL_PROPOSAL_DROPPED: 503,
  KEEL_STOPPED: 503,
  KEEL_LEADER_UNREACHABLE: 503,
  KEEL_TIMEOUT: 504,
  KEEL_PROPOSAL_QUEUE_FULL: 429,
  KEEL_TOO_MANY_PENDING: 429,
  KEEL_READ_QUEUE_FULL: 429,
};

export class MasterApi {
  readonly #options: ApiOptions;
  readonly #server: Server;
  readonly #pools = new Map<NodeId, Pool>();
  readonly #leaderWaitMs: number;
  readonly #timeoutMs: number;

  constructor(options: ApiOptions) {
    this.#options = options;
    this.#leaderWaitMs = options.leaderWaitMs ?? 3000;
    this.#timeoutMs = options.requestTimeoutMs ?? 5000;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 30_000;
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve(this.#server.address() as AddressInfo));
    });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      this.#setClusterHeaders(res);
      await this.#route(req, res);
    } catch (error) {
      this.#sendError(res, error);
    }
  }

  #setClusterHeaders(res: ServerResponse): void {
    const { node, apiUrls } = this.#options;
    res.setHeader('x-keel-member', String(node.id));
    res.setHeader('x-keel-term', String(node.term));
    if (node.leader !== noNode) {
      res.setHeader('x-keel-leader', String(node.leader));
      res.setHeader('x-keel-leader-url', apiUrls.get(node.leader) ?? '');
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://keel');
    const path = url.pathname;
    if (path === '/healthz') return this.#send(res, 200, { ok: true });
    if (path === '/metrics') return this.#sendText(res, 200, this.#options.registry.render(), 'text/plain; version=0.0.4');
    if (path === '/v1/status') return this.#send(res, 200, this.#status());
    if (path === '/v1/kv' || (path === '/v1/kv/' && req.method === 'GET')) {
      if (req.method !== 'GET') throw new ApiError(405, 'KEEL_METHOD_NOT_ALLOWED', `${req.method} is not allowed on /v1/kv; use GET /v1/kv?prefix=P`);
      return this.#list(url, res);
    }
    if (path.startsWith('/v1/kv/')) return this.#kv(req, res, url);
    throw new ApiError(404, 'KEEL_NOT_FOUND', `no route for ${req.method} ${path}`);
  }

  async #kv(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const key = parseKey(url.pathname.slice('/v1/kv/'.length));
    switch (req.method) {
      case 'GET':
        return this.#get(res, key, url.searchParams.get('consistency'));
      case 'PUT': {
        const value = await readBody(req, valueBytesMax);
        return this.#write(req, res, { op: 'put', key, value }, value);
      }
      case 'DELETE':
        await readBody(req, 0);
        return this.#write(req, res, { op: 'del', key }, new Uint8Array(0));
      default:
        throw new ApiError(405, 'KEEL_METHOD_NOT_ALLOWED', `${req.method} is not allowed on a key; use GET, PUT or DELETE`);
    }
  }

  async #get(res: ServerResponse, key: Uint8Array, consistency: string | null): Promise<void> {
    await this.#readBarrier(consistency);
    const value = await this.#options.kv.get(key);
    if (value === undefined) throw new ApiError(404, 'KEEL_KEY_NOT_FOUND', `key ${JSON.stringify(Buffer.from(key).toString())} does not exist`);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': value.length });
    res.end(value);
  }

  async #list(url: URL, res: ServerResponse): Promise<void> {
    const prefix = new TextEncoder().encode(url.searchParams.get('prefix') ?? '');
    if (prefix.length > keyBytesMax) throw new ApiError(400, 'KEEL_KEY_TOO_LONG', `prefix is ${prefix.length} bytes; at most ${keyBytesMax}`);
    const limit = parseLimit(url.searchParams.get('limit'));
    await this.#readBarrier(url.searchParams.get('consistency'));
    const items = await this.#options.kv.range(prefix, limit);
    const decoder = new TextDecoder();
    this.#send(res, 200, { items: items.map(({ key, value }) => ({ key: decoder.decode(key), value: decoder.decode(value) })), count: items.length });
  }

  /** Linearizable reads wait for ReadIndex; serializable reads read what this member has. */
  async #readBarrier(consistency: string | null): Promise<void> {
    if (consistency === 'serializable') return;
    if (consistency !== null && consistency !== 'linearizable') {
      throw new ApiError(400, 'KEEL_BAD_REQUEST', `consistency must be linearizable or serializable, not ${JSON.stringify(consistency)}`);
    }
    await this.#awaitLeader();
    await this.#options.node.readIndex(this.#timeoutMs);
  }

  async #write(req: IncomingMessage, res: ServerResponse, command: KvCommand, body: Uint8Array): Promise<void> {
    const { node } = this.#options;
    const leader = await this.#awaitLeader();
    if (leader !== node.id) {
      if (req.headers['x-keel-forwarded'] !== undefined) {
        throw new ApiError(503, 'KEEL_NOT_LEADER', `member ${node.id} is not the leader (it believes member ${leader} is)`);
      }
      return this.#forward(req, res, leader, body);
    }
    const result = await node.propose(encodeCommand(command), this.#timeoutMs);
    this.#send(res, 200, result);
  }

  async #awaitLeader(): Promise<NodeId> {
    const leader = await this.#options.node.waitForLeader(this.#leaderWaitMs);
    if (leader === noNode) throw new ApiError(503, 'KEEL_NO_LEADER', `no leader elected within ${this.#leaderWaitMs} ms; try again`);
    return leader;
  }

  async #forward(req: IncomingMessage, res: ServerResponse, leader: NodeId, body: Uint8Array): Promise<void> {
    const pool = this.#pool(leader);
    let response;
    try {
      response = await pool.request({
        method: req.method as 'PUT' | 'DELETE',
        path: req.url ?? '/',
        headers: { 'x-keel-forwarded': String(this.#options.node.id), 'content-type': 'application/octet-stream' },
        body,
        headersTimeout: this.#timeoutMs + 1000,
        bodyTimeout: this.#timeoutMs + 1000,
      });
    } catch (error) {
      throw new ApiError(503, 'KEEL_LEADER_UNREACHABLE', `the leader (member ${leader}) did not answer: ${(error as Error).message}`);
    }
    const payload = Buffer.from(await response.body.arrayBuffer());
    const contentType = response.headers['content-type'];
    res.writeHead(response.statusCode, { 'content-type': typeof contentType === 'string' ? contentType : 'application/json', 'content-length': payload.length });
    res.end(payload);
  }

  #pool(id: NodeId): Pool {
    let pool = this.#pools.get(id);
    if (pool === undefined) {
      const url = this.#options.apiUrls.get(id);
      if (url === undefined) throw new ApiError(503, 'KEEL_LEADER_UNREACHABLE', `no API address is configured for member ${id}`);
      pool = new Pool(url, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000, connectTimeout: 2_000 });
      this.#pools.set(id, pool);
    }
    return pool;
  }

  #status(): Record<string, unknown> {
    const { node } = this.#options;
    const status = node.status();
    const role = status.conf.learners.includes(node.id) ? 'learner' : status.role === 'pre-candidate' ? 'candidate' : status.role;
    const peers: Record<string, unknown> = {};
    for (const [id, pr] of status.progress) {
      if (id === node.id) continue;
      peers[id] = { match: pr.match, next: pr.next, state: pr.state, learner: pr.learner, lastContactMs: pr.lastContactTicks * node.tickMs };
    }
    return {
      id: node.id,
      role,
      term: status.term,
      leader: status.leader,
      commitIndex: status.commit,
      appliedIndex: node.appliedIndex,
      lastIndex: status.lastIndex,
      firstIndex: status.firstIndex,
      snapshotIndex: node.snapshotIndex,
      snapshotsInstalled: node.snapshotsInstalled,
      voters: status.conf.voters,
      learners: status.conf.learners,
      pid: process.pid,
      peers,
      transport: this.#options.peerStatus(),
    };
  }

  #send(res: ServerResponse, status: number, body: unknown): void {
    this.#sendText(res, status, JSON.stringify(body ?? null), 'application/json');
  }

  #sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  #sendError(res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof ApiError) return this.#send(res, error.status, { code: error.code, message: error.message });
    if (error instanceof KeelError) return this.#send(res, statusByCode[error.code] ?? 500, { code: error.code, message: error.message });
    process.stderr.write(`keel: internal error: ${(error as Error).stack ?? error}\n`);
    this.#send(res, 500, { code: 'KEEL_INTERNAL', message: 'internal error; see the master log' });
  }
}

function parseKey(encoded: string): Uint8Array {
  let key: string;
  try {
    key = decodeURIComponent(encoded);
  } catch {
    throw new ApiError(400, 'KEEL_BAD_KEY', 'the key is not valid percent-encoding');
  }
  const bytes = new TextEncoder().encode(key);
  if (bytes.length === 0) throw new ApiError(400, 'KEEL_EMPTY_KEY', 'the key is empty');
  if (bytes.length > keyBytesMax) throw new ApiError(400, 'KEEL_KEY_TOO_LONG', `the key is ${bytes.length} bytes; at most ${keyBytesMax}`);
  return bytes;
}

function parseLimit(text: string | null): number {
  if (text === null) return 1000;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > listLimitMax) {
    throw new ApiError(400, 'KEEL_BAD_REQUEST', `limit must be an integer in [1, ${listLimitMax}], not ${JSON.stringify(text)}`);
  }
  return limit;
}

/** Reads a request body of at most `bytesMax` bytes; a larger one is refused with 413 before it is buffered. */
async function readBody(req: IncomingMessage, bytesMax: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > bytesMax) {
    req.resume();
    throw new ApiError(413, 'KEEL_VALUE_TOO_LARGE', `the value is ${declared} bytes; at most ${bytesMax}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > bytesMax) {
      req.resume();
      throw new ApiError(413, 'KEEL_VALUE_TOO_LARGE', `the value is over ${bytesMax} bytes`);
    }
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}
