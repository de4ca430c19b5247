// keel's native HTTP API (/v1): keys and values as UTF-8 (raw bytes for a single key's value),
// numbers as JSON numbers. Every write may carry `x-keel-client-id` and `x-keel-seq` headers:
// a retry with the same pair takes effect once and gets the first answer.
import { KeelError } from '../../raft/core/index.ts';
import type {
  CommandError,
  CommandResult,
  CompactResponse,
  Compare,
  DeleteRangeResponse,
  Envelope,
  KeyValue,
  LeaseGrantResponse,
  LeaseRevokeResponse,
  PutResponse,
  RangeResponse,
  RequestOp,
  TxnResponse,
} from '../mvcc/types.ts';
import { prefixEnd } from '../mvcc/index.ts';
import type { StoreContext } from './context.ts';

/** Largest key, bytes. */
export const keyBytesMax = 4096;
/** Largest value, bytes (etcd's request limit). */
export const valueBytesMax = 1.5 * 1024 * 1024;
/** Largest JSON request body, bytes. */
export const requestBytesMax = 2 * 1024 * 1024;
/** Operations in one txn (compares, success and failure ops counted separately). */
export const txnOpsMax = 128;
/** Keys returned by one range at most. */
export const rangeLimitMax = 10_000;

export class ApiError extends KeelError {
  constructor(readonly status: number, override readonly code: string, message: string) {
    super(message);
  }
}

export interface ApiRequest {
  method: string;
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

export interface ApiResponse {
  status: number;
  /** JSON, or raw bytes for a single key's value. */
  body: unknown;
  headers?: Record<string, string>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes that must run on the leader (the server forwards them there). */
export function isV1Write(method: string, path: string): boolean {
  if (path.startsWith('/v1/kv/')) return method === 'PUT' || method === 'DELETE';
  return method === 'POST' && (path === '/v1/txn' || path === '/v1/compact' || path.startsWith('/v1/lease/'));
}

/**
 * A write whose handler needs of the leader only that it propose a command: a follower runs it
 * and forwards the command. Lease keep-alives and TTLs read the leader's lease clock: a follower
 * forwards the whole request.
 */
export function isV1Command(method: string, path: string): boolean {
  return isV1Write(method, path) && path !== '/v1/lease/keepalive' && path !== '/v1/lease/ttl';
}

export async function handleV1(req: ApiRequest, ctx: StoreContext): Promise<ApiResponse> {
  const path = req.url.pathname;
  if (path === '/v1/kv' || (path === '/v1/kv/' && req.method === 'GET')) {
    if (req.method !== 'GET') throw new ApiError(405, 'KEEL_METHOD_NOT_ALLOWED', `${req.method} is not allowed on /v1/kv; use GET /v1/kv?prefix=P`);
    return list(req, ctx);
  }
  if (path.startsWith('/v1/kv/')) return key(req, ctx, parseKey(path.slice('/v1/kv/'.length)));
  if (path === '/v1/txn') return post(req, () => txn(req, ctx));
  if (path === '/v1/compact') return post(req, () => compact(req, ctx));
  if (path === '/v1/lease/grant') return post(req, () => leaseGrant(req, ctx));
  if (path === '/v1/lease/revoke') return post(req, () => leaseRevoke(req, ctx));
  if (path === '/v1/lease/keepalive') return post(req, () => leaseKeepAlive(req, ctx));
  if (path === '/v1/lease/ttl') return post(req, () => leaseTtl(req, ctx));
  throw new ApiError(404, 'KEEL_NOT_FOUND', `no route for ${req.method} ${path}`);
}

function post(req: ApiRequest, handler: () => Promise<ApiResponse>): Promise<ApiResponse> {
  if (req.method !== 'POST') throw new ApiError(405, 'KEEL_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.url.pathname}; use POST with a JSON body`);
  return handler();
}

// ---- single keys and lists -----------------------------------------------------------------

async function key(req: ApiRequest, ctx: StoreContext, keyBytes: Uint8Array): Promise<ApiResponse> {
  const q = req.url.searchParams;
  switch (req.method) {
    case 'GET': {
      await ctx.readBarrier(consistency(q.get('consistency')));
      const res = await ctx.range({ key: keyBytes, revision: intParam(q, 'revision', 0) });
      const kv = res.kvs[0];
      if (kv === undefined) throw new ApiError(404, 'KEEL_KEY_NOT_FOUND', `key ${JSON.stringify(decoder.decode(keyBytes))} does not exist`);
      return { status: 200, body: kv.value, headers: kvHeaders(kv, res.revision) };
    }
    case 'PUT': {
      if (req.body.length > valueBytesMax) throw new ApiError(413, 'KEEL_VALUE_TOO_LARGE', `the value is ${req.body.length} bytes; at most ${valueBytesMax}`);
      const request = { key: keyBytes, value: req.body, lease: intParam(q, 'lease', 0), prevKv: q.get('prevKv') === 'true' };
      return write(req, ctx, { op: 'put', request }, (r: PutResponse) => ({ revision: r.revision, ...(r.prevKv ? { prevKv: kvJson(r.prevKv) } : {}) }));
    }
    case 'DELETE': {
      const rangeEnd = q.get('prefix') === 'true' ? prefixEnd(keyBytes) : undefined;
      const request = { key: keyBytes, rangeEnd, prevKv: q.get('prevKv') === 'true' };
      return write(req, ctx, { op: 'delete-range', request }, (r: DeleteRangeResponse) => ({
        revision: r.revision,
        deleted: r.deleted,
        ...(r.prevKvs ? { prevKvs: r.prevKvs.map(kvJson) } : {}),
      }));
    }
    default:
      throw new ApiError(405, 'KEEL_METHOD_NOT_ALLOWED', `${req.method} is not allowed on a key; use GET, PUT or DELETE`);
  }
}

async function list(req: ApiRequest, ctx: StoreContext): Promise<ApiResponse> {
  const q = req.url.searchParams;
  const prefix = encoder.encode(q.get('prefix') ?? '');
  if (prefix.length > keyBytesMax) throw new ApiError(400, 'KEEL_KEY_TOO_LONG', `prefix is ${prefix.length} bytes; at most ${keyBytesMax}`);
  const limit = intParam(q, 'limit', 1000);
  if (limit < 1 || limit > rangeLimitMax) throw new ApiError(400, 'KEEL_BAD_REQUEST', `limit must be an integer in [1, ${rangeLimitMax}], not ${JSON.stringify(q.get('limit'))}`);
  await ctx.readBarrier(consistency(q.get('consistency')));
  const res = await ctx.range({
    key: prefix.length === 0 ? Uint8Array.of(0) : prefix,
    rangeEnd: prefix.length === 0 ? Uint8Array.of(0) : prefixEnd(prefix),
    limit,
    revision: intParam(q, 'revision', 0),
    keysOnly: q.get('keysOnly') === 'true',
    countOnly: q.get('countOnly') === 'true',
  });
  return { status: 200, body: rangeJson(res) };
}

// ---- txn, compaction, leases ------------------------------------------------------------------

async function txn(req: ApiRequest, ctx: StoreContext): Promise<ApiResponse> {
  const body = parseJson(req.body) as { compare?: unknown[]; success?: unknown[]; failure?: unknown[] };
  const compare = array(body.compare, 'compare').map(parseCompare);
  const success = array(body.success, 'success').map(parseOp);
  const failure = array(body.failure, 'failure').map(parseOp);
  for (const [name, list] of [['compare', compare], ['success', success], ['failure', failure]] as const) {
    if (list.length > txnOpsMax) throw new ApiError(400, 'KEEL_TXN_TOO_LARGE', `${name} has ${list.length} operations; at most ${txnOpsMax}`);
  }
  return write(req, ctx, { op: 'txn', request: { compare, success, failure } }, (r: TxnResponse) => ({
    revision: r.revision,
    succeeded: r.succeeded,
    responses: r.responses.map((op) => {
      if ('range' in op) return { range: rangeJson(op.range) };
      if ('put' in op) return { put: { revision: op.put.revision, ...(op.put.prevKv ? { prevKv: kvJson(op.put.prevKv) } : {}) } };
      return { delete: { revision: op.deleteRange.revision, deleted: op.deleteRange.deleted } };
    }),
  }));
}

async function compact(req: ApiRequest, ctx: StoreContext): Promise<ApiResponse> {
  const body = parseJson(req.body) as { revision?: unknown };
  const revision = positiveInt(body.revision, 'revision');
  return write(req, ctx, { op: 'compact', request: { revision } }, (r: CompactResponse) => ({ revision: r.revision, compactRevision: revision }));
}

async function leaseGrant(req: ApiRequest, ctx: StoreContext): Promise<ApiResponse> {
  const body = parseJson(req.body) as { ttl?: unknown; id?: unknown };
  const ttl = positiveInt(body.ttl, 'ttl');
  const id = body.id === undefined ? 0 : positiveInt(body.id, 'id');
  return write(req, ctx, { op: 'lease-grant', request: { ttl, id } }, (r: LeaseGrantResponse) => ({ id: r.id, ttl: r.ttl, revision: r.revision }));
}

async function leaseRevoke(req: ApiRequest, ctx: StoreContext): Promise<ApiResponse> {
  const id = positiveInt((parseJson(req.body) as { id?: unknown }).id, 'id');
  return write(req, ctx, { op: 'lease-revoke', request: { id } }, (r: LeaseRevokeResponse) => ({ revision: r.revision }));
}

async function leaseKeepAlive(req: ApiRequest, ctx: StoreContext): Promise<ApiResponse> {
  const id = positiveInt((parseJson(req.body) as { id?: unknown }).id, 'id');
  const ttl = ctx.leases.keepAlive(id);
  if (ttl === null) throw new ApiError(404, 'KEEL_LEASE_NOT_FOUND', `lease ${id} does not exist (expired or revoked)`);
  return { status: 200, body: { id, ttl } };
}

async function leaseTtl(req: ApiRequest, ctx: StoreContext): Promise<ApiResponse> {
  const body = parseJson(req.body) as { id?: unknown; keys?: unknown };
  const id = positiveInt(body.id, 'id');
  const lease = ctx.lease(id);
  const ttl = ctx.leases.remaining(id);
  if (lease === undefined || ttl === null) throw new ApiError(404, 'KEEL_LEASE_NOT_FOUND', `lease ${id} does not exist (expired or revoked)`);
  return { status: 200, body: { id, ttl, grantedTtl: lease.grantedTtl, ...(body.keys === true ? { keys: lease.keys.map((k) => decoder.decode(k)) } : {}) } };
}

/** Proposes a command with the request's exactly-once identity, and shapes the answer. */
async function write<R>(req: ApiRequest, ctx: StoreContext, command: Envelope['command'], shape: (result: R) => unknown): Promise<ApiResponse> {
  const envelope: Envelope = { command, ...dedupIdentity(req) };
  const result = await ctx.propose(envelope);
  if (isCommandError(result)) throw commandError(result);
  return { status: 200, body: shape(result as R), headers: { 'x-keel-revision': String((result as CommandResult).revision) } };
}

function dedupIdentity(req: ApiRequest): { clientId?: string; seq?: number } {
  const clientId = req.headers['x-keel-client-id'];
  const seq = req.headers['x-keel-seq'];
  if (clientId === undefined && seq === undefined) return {};
  if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 128 || typeof seq !== 'string' || !/^\d{1,15}$/.test(seq)) {
    throw new ApiError(400, 'KEEL_BAD_REQUEST', 'x-keel-client-id (1-128 characters) and x-keel-seq (a non-negative integer) go together');
  }
  return { clientId, seq: Number(seq) };
}

export function isCommandError(result: unknown): result is CommandError {
  return typeof result === 'object' && result !== null && 'error' in result;
}

const statusByCommandError: Record<string, number> = {
  KEEL_COMPACTED: 410,
  KEEL_FUTURE_REVISION: 400,
  KEEL_LEASE_NOT_FOUND: 404,
  KEEL_LEASE_EXISTS: 409,
  KEEL_DUPLICATE_KEY: 400,
};

export function commandError(result: CommandError): ApiError {
  return new ApiError(statusByCommandError[result.error.code] ?? 400, result.error.code, result.error.message);
}

// ---- parsing and shaping ----------------------------------------------------------------------

export function parseKey(encoded: string): Uint8Array {
  let text: string;
  try {
    text = decodeURIComponent(encoded);
  } catch {
    throw new ApiError(400, 'KEEL_BAD_KEY', 'the key is not valid percent-encoding');
  }
  return checkKey(encoder.encode(text));
}

function checkKey(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) throw new ApiError(400, 'KEEL_EMPTY_KEY', 'the key is empty');
  if (bytes.length > keyBytesMax) throw new ApiError(400, 'KEEL_KEY_TOO_LONG', `the key is ${bytes.length} bytes; at most ${keyBytesMax}`);
  return bytes;
}

function consistency(text: string | null): 'linearizable' | 'serializable' {
  if (text === null || text === 'linearizable') return 'linearizable';
  if (text === 'serializable') return 'serializable';
  throw new ApiError(400, 'KEEL_BAD_REQUEST', `consistency must be linearizable or serializable, not ${JSON.stringify(text)}`);
}

function intParam(q: URLSearchParams, name: string, fallback: number): number {
  const text = q.get(name);
  if (text === null) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new ApiError(400, 'KEEL_BAD_REQUEST', `${name} must be a non-negative integer, not ${JSON.stringify(text)}`);
  return n;
}

function positiveInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ApiError(400, 'KEEL_BAD_REQUEST', `${name} must be a positive integer, not ${JSON.stringify(value)}`);
  }
  return value;
}

export function parseJson(body: Uint8Array): unknown {
  if (body.length > requestBytesMax) throw new ApiError(413, 'KEEL_REQUEST_TOO_LARGE', `the request is ${body.length} bytes; at most ${requestBytesMax}`);
  try {
    const value = JSON.parse(decoder.decode(body)) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value;
  } catch (error) {
    throw new ApiError(400, 'KEEL_BAD_REQUEST', `the body must be a JSON object: ${(error as Error).message}`);
  }
}

function array(value: unknown, name: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ApiError(400, 'KEEL_BAD_REQUEST', `${name} must be an array`);
  return value;
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new ApiError(400, 'KEEL_BAD_REQUEST', `${name} must be a string`);
  return value;
}

/** `{key, prefix?: true}` or `{key, rangeEnd?}`, as UTF-8 strings. */
function parseRange(o: Record<string, unknown>, name: string): { key: Uint8Array; rangeEnd?: Uint8Array } {
  const key = checkKey(encoder.encode(text(o.key, `${name}.key`)));
  if (o.prefix === true) return { key, rangeEnd: prefixEnd(key) };
  if (o.rangeEnd !== undefined) return { key, rangeEnd: encoder.encode(text(o.rangeEnd, `${name}.rangeEnd`)) };
  return { key };
}

const compareTargets = new Set(['value', 'version', 'create', 'mod', 'lease']);
const compareResults = new Set(['equal', 'not-equal', 'less', 'greater']);

function parseCompare(raw: unknown, i: number): Compare {
  const o = object(raw, `compare[${i}]`);
  const target = o.target as Compare['target'];
  const result = o.result as Compare['result'];
  if (!compareTargets.has(target)) throw new ApiError(400, 'KEEL_BAD_REQUEST', `compare[${i}].target must be one of ${[...compareTargets].join(', ')}`);
  if (!compareResults.has(result)) throw new ApiError(400, 'KEEL_BAD_REQUEST', `compare[${i}].result must be one of ${[...compareResults].join(', ')}`);
  const range = parseRange(o, `compare[${i}]`);
  if (target === 'value') return { ...range, target, result, value: encoder.encode(text(o.value, `compare[${i}].value`)) };
  const number = o.number;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw new ApiError(400, 'KEEL_BAD_REQUEST', `compare[${i}].number must be an integer`);
  return { ...range, target, result, number };
}

function parseOp(raw: unknown, i: number): RequestOp {
  const o = object(raw, `op[${i}]`);
  if (o.put !== undefined) {
    const p = object(o.put, `op[${i}].put`);
    const value = encoder.encode(text(p.value, `op[${i}].put.value`));
    if (value.length > valueBytesMax) throw new ApiError(413, 'KEEL_VALUE_TOO_LARGE', `op[${i}].put.value is ${value.length} bytes; at most ${valueBytesMax}`);
    return { put: { key: checkKey(encoder.encode(text(p.key, `op[${i}].put.key`))), value, lease: typeof p.lease === 'number' ? p.lease : 0, prevKv: p.prevKv === true } };
  }
  if (o.delete !== undefined) {
    const d = object(o.delete, `op[${i}].delete`);
    return { deleteRange: { ...parseRange(d, `op[${i}].delete`), prevKv: d.prevKv === true } };
  }
  if (o.range !== undefined) {
    const r = object(o.range, `op[${i}].range`);
    return { range: { ...parseRange(r, `op[${i}].range`), limit: typeof r.limit === 'number' ? r.limit : 0 } };
  }
  throw new ApiError(400, 'KEEL_BAD_REQUEST', `op[${i}] must have one of put, delete, range`);
}

function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(400, 'KEEL_BAD_REQUEST', `${name} must be an object`);
  return value as Record<string, unknown>;
}

export function kvJson(kv: KeyValue): Record<string, unknown> {
  return {
    key: decoder.decode(kv.key),
    value: decoder.decode(kv.value),
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
    lease: kv.lease,
  };
}

function rangeJson(res: RangeResponse): Record<string, unknown> {
  return { revision: res.revision, count: res.count, more: res.more, items: res.kvs.map(kvJson) };
}

function kvHeaders(kv: KeyValue, revision: number): Record<string, string> {
  return {
    'x-keel-revision': String(revision),
    'x-keel-create-revision': String(kv.createRevision),
    'x-keel-mod-revision': String(kv.modRevision),
    'x-keel-version': String(kv.version),
    'x-keel-lease': String(kv.lease),
  };
}
