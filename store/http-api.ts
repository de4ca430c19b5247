// The HTTP server of a master: keel's native API (/v1), etcd's v3 JSON gateway (/v3), watches,
// status, health and metrics. The leader serves writes; a follower serves linearizable reads
// itself through ReadIndex and forwards writes to the leader (undici, keep-alive): it runs a
// write's handler and forwards only the command, many to a request (store/write-forwarder.ts),
// or, for the lease routes that read the leader's lease clock, the whole request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { KeelError, noNode, type NodeId } from '../raft/core/index.ts';
import { TooManyPendingError, pendingProposalsMax, type RaftNode } from '../raft/node.ts';
import type { StoreContext } from './api/context.ts';
import type { CommandError, CommandResult } from './mvcc/types.ts';
import { etcdCommandPaths, etcdWritePaths, handleEtcd, isEtcdPath } from './api/etcd-gateway.ts';
import { ApiError, handleV1, isV1Command, isV1Write, requestBytesMax, valueBytesMax } from './api/v1.ts';
import type { Registry } from './metrics.ts';
import { handleEtcdWatch, handleNativeWatch, type WatchHub } from './watch/index.ts';
import {
  WriteForwarder, decodeForwardBody, encodeForwardAnswer, forwardBodyBytesMax, forwardMacHeader, forwardMacValid, forwardPath, type ForwardItem,
} from './write-forwarder.ts';

export interface ApiOptions {
  node: RaftNode;
  ctx: StoreContext;
  hub: WatchHub;
  /** Every member's API URL, by id (this one's included). */
  apiUrls: Map<NodeId, string>;
  registry: Registry;
  /** Extra fields for /v1/status (peer transport figures). */
  peerStatus: () => Record<string, unknown>;
  /** How long a request waits for a leader before a 503, ms. Default 3000. */
  leaderWaitMs?: number;
  /** How long a forwarded request may take, ms. Default 6000. */
  forwardTimeoutMs?: number;
  /** The cluster secret: it authenticates the commands a follower forwards. */
  secret: string;
  /** Called with the number of commands of every request this member forwards. */
  observeForward?: (commands: number) => void;
}

const statusByCode: Record<string, number> = {
  KEEL_NOT_LEADER: 503,
  KEEL_NO_LEADER: 503,
  KEEL_TRANSFER_IN_PROGRESS: 503,
  KEEL_PROPOSAL_DROPPED: 503,
  KEEL_STOPPED: 503,
  KEEL_NOT_STARTED: 503,
  KEEL_LEADER_UNREACHABLE: 503,
  KEEL_TIMEOUT: 504,
  KEEL_PROPOSAL_QUEUE_FULL: 429,
  KEEL_TOO_MANY_PENDING: 429,
  KEEL_READ_QUEUE_FULL: 429,
  KEEL_TOO_MANY_WATCHES: 429,
  KEEL_COMPACTED: 410,
  KEEL_FUTURE_REVISION: 400,
};

/**
 * Connections the kernel may hold for the API before they are accepted (capped by
 * net.core.somaxconn). Node's default, 511, overflows when a thousand clients connect to a busy
 * master: the kernel drops their handshakes' last packet, and their first requests wait seconds
 * for the retransmissions.
 */
export const apiListenBacklog = 4096;

export class MasterApi {
  readonly #options: ApiOptions;
  readonly #server: Server;
  readonly #pools = new Map<NodeId, Pool>();
  readonly #leaderWaitMs: number;
  /** The context a follower runs a write's handler with: its proposals go to the leader. */
  readonly #followerCtx: StoreContext;

  constructor(options: ApiOptions) {
    this.#options = options;
    this.#leaderWaitMs = options.leaderWaitMs ?? 3000;
    const forwarder = new WriteForwarder({
      self: options.node.id,
      leader: () => options.node.leader,
      post: (leader, body, mac) => this.#post(leader, body, mac),
      local: (envelope) => options.ctx.propose(envelope),
      secret: options.secret,
      heldMax: pendingProposalsMax,
      tooMany: () => new TooManyPendingError(),
      observe: options.observeForward,
    });
    // A follower answers a forwarded write before it applies it: its reads and new watches then
    // wait for that revision (StoreContext.ownWritesVisible).
    const noteAnswer = (result: CommandResult | CommandError): CommandResult | CommandError => {
      const revision = (result as { revision?: unknown }).revision;
      if (typeof revision === 'number') options.ctx.forwardedAnswer(revision);
      return result;
    };
    this.#followerCtx = { ...options.ctx, propose: (envelope) => forwarder.propose(envelope).then(noteAnswer) };
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = 30_000;
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ port, host, backlog: apiListenBacklog }, () => resolve(this.#server.address() as AddressInfo));
    });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.#route(req, res);
    } catch (error) {
      this.#sendError(res, error);
    }
  }

  #setClusterHeaders(res: ServerResponse): void {
    const head = this.#head('', 0);
    for (let i = 0; i < head.length; i += 2) res.setHeader(head[i], head[i + 1]);
  }

  /**
   * A response head as one flat list, which writeHead takes without a setHeader call per field:
   * the member, term and leader as of now (waiting for a leader may have changed them), then the
   * content type and length (left out when contentType is '').
   */
  #head(contentType: string, length: number): string[] {
    const { node, apiUrls } = this.#options;
    const head = ['x-keel-member', String(node.id), 'x-keel-term', String(node.term)];
    if (node.leader !== noNode) head.push('x-keel-leader', String(node.leader), 'x-keel-leader-url', apiUrls.get(node.leader) ?? '');
    if (contentType !== '') head.push('content-type', contentType, 'content-length', String(length));
    return head;
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const { ctx, hub } = this.#options;
    // An etcd gateway path exactly as sent needs no URL parsing (nor does its handler).
    const raw = req.url ?? '/';
    if (isEtcdPath(raw)) return this.#routeEtcd(req, res, raw, method);
    const url = new URL(raw, 'http://keel');
    const path = url.pathname;
    if (path === '/healthz') return this.#send(res, 200, { ok: true });
    if (path === '/metrics') return this.#sendText(res, 200, this.#options.registry.render(), 'text/plain; version=0.0.4');
    if (path === '/v1/status') return this.#send(res, 200, this.#status());
    if (path === forwardPath) return this.#serveForwarded(req, res, method);
    if (path === '/v1/watch' || path === '/v3/watch') {
      await ctx.ownWritesVisible(); // a watch starts from state with every write this member answered
      this.#setClusterHeaders(res); // the watch handlers write their own head
      if (path === '/v1/watch') return handleNativeWatch(req, res, url, hub, () => ctx.header());
      return handleEtcdWatch(req, res, hub, () => ctx.header());
    }
    if (path.startsWith('/v3/')) return this.#routeEtcd(req, res, path, method);
    if (path.startsWith('/v1/')) {
      const write = isV1Write(method, path);
      const body = await readBody(req, method === 'PUT' ? valueBytesMax : requestBytesMax);
      const forward = write && (await this.#mustForward(req));
      if (forward && !isV1Command(method, path)) return this.#forward(req, res, body);
      const answer = await handleV1({ method, url, headers: req.headers, body }, forward ? this.#followerCtx : ctx);
      for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
      if (answer.body instanceof Uint8Array) return this.#sendBytes(res, answer.status, answer.body);
      return this.#send(res, answer.status, answer.body);
    }
    throw new ApiError(404, 'KEEL_NOT_FOUND', `no route for ${method} ${path}`);
  }

  async #routeEtcd(req: IncomingMessage, res: ServerResponse, path: string, method: string): Promise<void> {
    if (method !== 'POST') return this.#sendText(res, 405, 'Method Not Allowed\n', 'text/plain; charset=utf-8');
    const body = await readBody(req, requestBytesMax);
    const forward = etcdWritePaths.has(path) && (await this.#mustForward(req));
    if (forward && !etcdCommandPaths.has(path)) return this.#forward(req, res, body);
    const answer = await handleEtcd(path, body, forward ? this.#followerCtx : this.#options.ctx);
    if (typeof answer.body === 'string') return this.#sendText(res, answer.status, answer.body, 'text/plain; charset=utf-8');
    return this.#send(res, answer.status, answer.body);
  }

  /** True when this member is not the leader (and the request was not forwarded here already). */
  async #mustForward(req: IncomingMessage): Promise<boolean> {
    const { node } = this.#options;
    const leader = await this.#awaitLeader();
    if (leader === node.id) return false;
    if (req.headers['x-keel-forwarded'] !== undefined) {
      throw this.#notLeader(leader);
    }
    return true;
  }

  /** What a member answers a forwarded request with when it is not the leader. */
  #notLeader(leader: NodeId): ApiError {
    return new ApiError(503, 'KEEL_NOT_LEADER', `member ${this.#options.node.id} is not the leader (it believes member ${leader} is)`);
  }

  async #awaitLeader(): Promise<NodeId> {
    const leader = await this.#options.node.waitForLeader(this.#leaderWaitMs);
    if (leader === noNode) throw new ApiError(503, 'KEEL_NO_LEADER', `no leader elected within ${this.#leaderWaitMs} ms; try again`);
    return leader;
  }

  async #forward(req: IncomingMessage, res: ServerResponse, body: Uint8Array): Promise<void> {
    const leader = this.#options.node.leader;
    const pool = this.#pool(leader);
    const timeout = this.#options.forwardTimeoutMs ?? 6000;
    const headers: Record<string, string> = { 'x-keel-forwarded': String(this.#options.node.id) };
    for (const name of ['content-type', 'x-keel-client-id', 'x-keel-seq']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    let response;
    try {
      response = await pool.request({ method: req.method as 'PUT', path: req.url ?? '/', headers, body, headersTimeout: timeout, bodyTimeout: timeout });
    } catch (error) {
      throw new ApiError(503, 'KEEL_LEADER_UNREACHABLE', `the leader (member ${leader}) did not answer: ${(error as Error).message}`);
    }
    const payload = Buffer.from(await response.body.arrayBuffer());
    for (const [name, value] of Object.entries(response.headers)) {
      if (name.startsWith('x-keel-revision') || name === 'content-type') res.setHeader(name, value as string);
    }
    this.#setClusterHeaders(res);
    res.writeHead(response.statusCode, { 'content-length': payload.length });
    res.end(payload);
  }

  /** Posts a follower's forwarded commands to the leader (WriteForwarder's `post`). */
  async #post(leader: NodeId, body: Uint8Array, mac: string): Promise<{ status: number; body: Uint8Array }> {
    const timeout = this.#options.forwardTimeoutMs ?? 6000;
    const headers = { 'content-type': 'application/msgpack', [forwardMacHeader]: mac, 'x-keel-forwarded': String(this.#options.node.id) };
    const response = await this.#pool(leader).request({ method: 'POST', path: forwardPath, headers, body, headersTimeout: timeout, bodyTimeout: timeout });
    return { status: response.statusCode, body: new Uint8Array(await response.body.arrayBuffer()) };
  }

  /** The leader's side of WriteForwarder: proposes each command and answers each one's result or error. */
  async #serveForwarded(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (method !== 'POST') throw new ApiError(405, 'KEEL_METHOD_NOT_ALLOWED', `${method} is not allowed on ${forwardPath}; members POST forwarded commands there`);
    const body = await readBody(req, forwardBodyBytesMax);
    if (!forwardMacValid(this.#options.secret, body, req.headers[forwardMacHeader] as string | undefined)) {
      throw new ApiError(401, 'KEEL_UNAUTHENTICATED', `a forwarded write must carry the HMAC of its body under the cluster secret (${forwardMacHeader})`);
    }
    const { node, ctx } = this.#options;
    const leader = await this.#awaitLeader();
    if (leader !== node.id) throw this.#notLeader(leader);
    const envelopes = decodeForwardBody(body);
    const items = await Promise.all(
      envelopes.map((envelope) =>
        ctx.propose(envelope).then(
          (r): ForwardItem => ({ r }),
          (error: unknown): ForwardItem => ({ e: this.#errorAnswer(error) }),
        ),
      ),
    );
    const answer = encodeForwardAnswer(items);
    res.writeHead(200, this.#head('application/msgpack', answer.length));
    res.end(answer);
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
    const { node, ctx } = this.#options;
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
      revision: ctx.header().revision,
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

  #sendBytes(res: ServerResponse, status: number, body: Uint8Array): void {
    res.writeHead(status, this.#head('application/octet-stream', body.length));
    res.end(body);
  }

  #sendText(res: ServerResponse, status: number, text: string, contentType: string): void {
    res.writeHead(status, this.#head(contentType, Buffer.byteLength(text)));
    res.end(text);
  }

  #sendError(res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const { status, code, message } = this.#errorAnswer(error);
    this.#send(res, status, { code, message });
  }

  /** The status and JSON error a failed request is answered with; an unexpected error is logged. */
  #errorAnswer(error: unknown): { status: number; code: string; message: string } {
    if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message };
    if (error instanceof KeelError) return { status: statusByCode[error.code] ?? 500, code: error.code, message: error.message };
    process.stderr.write(`keel: internal error: ${(error as Error).stack ?? error}\n`);
    return { status: 500, code: 'KEEL_INTERNAL', message: 'internal error; see the master log' };
  }
}

/** Reads a request body of at most `bytesMax` bytes; a larger one is refused with 413 before it is buffered. */
export async function readBody(req: IncomingMessage, bytesMax: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > bytesMax) {
    req.resume();
    throw new ApiError(413, 'KEEL_VALUE_TOO_LARGE', `the body is ${declared} bytes; at most ${bytesMax}`);
  }
  // Listeners rather than an async iterator: this runs for every request, and the iterator's
  // promise per chunk costs more than the rest of a small read's decoding.
  const chunks: Buffer[] = [];
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', done);
      req.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total <= bytesMax) return void chunks.push(chunk);
      req.resume();
      done(new ApiError(413, 'KEEL_VALUE_TOO_LARGE', `the body is over ${bytesMax} bytes`));
    };
    const onEnd = (): void => done();
    // An aborted request: a body cut short must not be taken for the whole one. (The listeners
    // go once the body has ended, so a finished request's close builds no error.)
    const onClose = (): void => done(new ApiError(400, 'KEEL_BAD_REQUEST', 'the request was aborted before its body ended'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', done);
    req.on('close', onClose);
  });
  const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}
