// etcd 3.4's JSON gateway (grpc-gateway, `POST /v3/...`) on keel's store, so a client written for
// etcd's gateway works unchanged. The server forwards the paths in `etcdWritePaths` to the leader
// before calling `handleEtcd`; reads run where they arrive (ReadIndex unless `serializable`).
// The codec lives in etcd-json.ts; /v3/watch belongs to the watch hub (store/watch/).
import type { CommandError, CommandResult, Envelope } from '../mvcc/types.ts';
import type {
  CompactResponse, DeleteRangeResponse, LeaseGrantResponse, PutResponse, TxnResponse,
} from '../mvcc/types.ts';
import type { StoreContext } from './context.ts';
import {
  EtcdGatewayError, boolField, decodeDeleteRange, decodePut, decodeRange, decodeTxn, encodeBase64, encodeDeleteRangeBody,
  encodeHeader, encodePutBody, encodeRangeBody, encodeTxnBody, etcdErrorOf, etcdErrors, int64Field, parseBody, type JsonObject,
} from './etcd-json.ts';

export interface EtcdReply {
  status: number;
  /** A JSON value, or a string to send verbatim as text/plain (grpc-gateway's own 404 is "Not Found\n"). */
  body: unknown;
}

/** The paths that must run on the leader: every write, and the leases (their timers live on the leader). */
/** The write paths whose handlers need of the leader only a proposal (see isV1Command). */
export const etcdCommandPaths: Set<string> = new Set(['/v3/kv/put', '/v3/kv/deleterange', '/v3/kv/txn', '/v3/kv/compaction', '/v3/lease/grant', '/v3/lease/revoke', '/v3/kv/lease/revoke']);

export const etcdWritePaths: Set<string> = new Set([
  '/v3/kv/put',
  '/v3/kv/deleterange',
  '/v3/kv/txn',
  '/v3/kv/compaction',
  '/v3/lease/grant',
  '/v3/lease/revoke',
  '/v3/lease/keepalive',
  '/v3/lease/timetolive',
  // etcd 3.4's gateway also serves these older spellings of the lease routes.
  '/v3/kv/lease/revoke',
  '/v3/kv/lease/timetolive',
]);

/** The smallest lease TTL, seconds: etcd's minTTL, ceil(1.5 election timeouts) at its default 1 s timeout. */
export const leaseTtlMinS = 2;
/** The largest lease TTL, seconds: etcd's MaxLeaseTTL. */
export const leaseTtlMaxS = 9_000_000_000;

type Handler = (request: JsonObject, ctx: StoreContext) => Promise<unknown>;

const handlers: Record<string, Handler> = {
  '/v3/kv/range': range,
  '/v3/kv/put': put,
  '/v3/kv/deleterange': deleteRange,
  '/v3/kv/txn': txn,
  '/v3/kv/compaction': compaction,
  '/v3/lease/grant': leaseGrant,
  '/v3/lease/revoke': leaseRevoke,
  '/v3/kv/lease/revoke': leaseRevoke,
  '/v3/lease/keepalive': leaseKeepAlive,
  '/v3/lease/timetolive': leaseTimeToLive,
  '/v3/kv/lease/timetolive': leaseTimeToLive,
  '/v3/maintenance/status': maintenanceStatus,
  '/v3/cluster/member/list': memberList,
};

/** Whether `handleEtcd` serves `path` (so the server can answer its own 404 for the rest). */
export function isEtcdPath(path: string): boolean {
  return Object.hasOwn(handlers, path);
}

/**
 * Answers one etcd gateway request. `body` is the raw request body (string or bytes), or an
 * already parsed JSON value. Errors come back as etcd's `{error, message, code}` with
 * grpc-gateway's HTTP status; only programmer errors throw.
 */
export async function handleEtcd(path: string, body: unknown, ctx: StoreContext): Promise<EtcdReply> {
  const handler = Object.hasOwn(handlers, path) ? handlers[path] : undefined;
  if (handler === undefined) return { status: 404, body: 'Not Found\n' };
  try {
    return { status: 200, body: await handler(parseBody(body), ctx) };
  } catch (error) {
    const etcdError = asEtcdError(error);
    if (etcdError === null) throw error;
    return { status: etcdError.httpStatus, body: etcdError.toBody() };
  }
}

/** An error with a stable code (ours, keel's) as etcd's; null for anything else (a bug: let it surface). */
function asEtcdError(error: unknown): EtcdGatewayError | null {
  if (error instanceof EtcdGatewayError) return error;
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
    const code = (error as Error & { code: string }).code;
    if (code.startsWith('KEEL_')) return etcdErrorOf(code, error.message);
  }
  return null;
}

async function propose<T extends CommandResult>(ctx: StoreContext, command: Envelope['command']): Promise<T> {
  const result: CommandResult | CommandError = await ctx.propose({ command });
  if ('error' in result) throw etcdErrorOf(result.error.code, result.error.message);
  return result as T;
}

async function range(request: JsonObject, ctx: StoreContext): Promise<unknown> {
  const decoded = decodeRange(request);
  await ctx.readBarrier(decoded.serializable ? 'serializable' : 'linearizable');
  const response = await ctx.range(decoded.request);
  return { header: encodeHeader(ctx.header(), response.revision), ...encodeRangeBody(response, decoded.extras) };
}

async function put(request: JsonObject, ctx: StoreContext): Promise<unknown> {
  const result = await propose<PutResponse>(ctx, { op: 'put', request: decodePut(request) });
  return { header: encodeHeader(ctx.header(), result.revision), ...encodePutBody(result) };
}

async function deleteRange(request: JsonObject, ctx: StoreContext): Promise<unknown> {
  const result = await propose<DeleteRangeResponse>(ctx, { op: 'delete-range', request: decodeDeleteRange(request) });
  return { header: encodeHeader(ctx.header(), result.revision), ...encodeDeleteRangeBody(result) };
}

async function txn(request: JsonObject, ctx: StoreContext): Promise<unknown> {
  const decoded = decodeTxn(request);
  const result = await propose<TxnResponse>(ctx, { op: 'txn', request: decoded.request });
  const extras = result.succeeded ? decoded.successExtras : decoded.failureExtras;
  return { header: encodeHeader(ctx.header(), result.revision), ...encodeTxnBody(result, extras) };
}

async function compaction(request: JsonObject, ctx: StoreContext): Promise<unknown> {
  // `physical` asks etcd to wait for the compaction to reach the backend; keel's compaction is
  // done when the command is applied, so there is nothing more to wait for.
  boolField(request, 'physical');
  const result = await propose<CompactResponse>(ctx, { op: 'compact', request: { revision: int64Field(request, 'revision') } });
  return { header: encodeHeader(ctx.header(), result.revision) };
}

async function leaseGrant(request: JsonObject, ctx: StoreContext): Promise<unknown> {
  const asked = int64Field(request, 'TTL');
  if (asked > leaseTtlMaxS) throw etcdErrors.leaseTtlTooLarge();
  const ttl = Math.max(asked, leaseTtlMinS);
  const id = int64Field(request, 'ID');
  const result = await propose<LeaseGrantResponse>(ctx, { op: 'lease-grant', request: id !== 0 ? { ttl, id } : { ttl } });
  return { header: encodeHeader(ctx.header(), result.revision), ...number('ID', result.id), ...number('TTL', result.ttl) };
}

async function leaseRevoke(request: JsonObject, ctx: StoreContext): Promise<unknown> {
  const result = await propose<CommandResult>(ctx, { op: 'lease-revoke', request: { id: int64Field(request, 'ID') } });
  return { header: encodeHeader(ctx.header(), result.revision) };
}

/**
 * One keepalive, as the gateway answers a one-message stream: `{"result": {...}}`. An unknown
 * lease answers its id with no TTL (TTL 0), as etcd does, not an error.
 */
async function leaseKeepAlive(request: JsonObject, ctx: StoreContext): Promise<unknown> {
  const id = int64Field(request, 'ID');
  const ttl = ctx.leases.keepAlive(id) ?? 0;
  return { result: { header: encodeHeader(ctx.header()), ...number('ID', id), ...number('TTL', ttl) } };
}

/** An unknown lease answers TTL -1, as etcd does, not an error. */
async function leaseTimeToLive(request: JsonObject, ctx: StoreContext): Promise<unknown> {
  const id = int64Field(request, 'ID');
  const withKeys = boolField(request, 'keys');
  await ctx.readBarrier('linearizable');
  const lease = ctx.lease(id);
  if (lease === undefined) return { header: encodeHeader(ctx.header()), ...number('ID', id), TTL: '-1' };
  const remaining = ctx.leases.remaining(id) ?? lease.grantedTtl;
  const keys = withKeys ? lease.keys.map(encodeBase64) : [];
  return {
    header: encodeHeader(ctx.header()),
    ...number('ID', id),
    ...number('TTL', remaining),
    ...number('grantedTTL', lease.grantedTtl),
    ...(keys.length > 0 ? { keys } : {}),
  };
}

async function maintenanceStatus(_request: JsonObject, ctx: StoreContext): Promise<unknown> {
  const status = await ctx.status();
  return {
    header: encodeHeader(ctx.header()),
    ...(status.version !== '' ? { version: status.version } : {}),
    ...number('dbSize', status.dbSize),
    ...number('leader', status.leader),
    ...number('raftIndex', status.raftIndex),
    ...number('raftTerm', status.raftTerm),
    ...number('raftAppliedIndex', status.raftAppliedIndex),
    // keel does not tell free pages from used ones; its whole directory size is the nearest figure.
    ...number('dbSizeInUse', status.dbSize),
  };
}

async function memberList(_request: JsonObject, ctx: StoreContext): Promise<unknown> {
  const members = ctx.members().map((member) => ({
    ...number('ID', member.id),
    ...(member.name !== '' ? { name: member.name } : {}),
    ...(member.peerUrls.length > 0 ? { peerURLs: member.peerUrls } : {}),
    ...(member.clientUrls.length > 0 ? { clientURLs: member.clientUrls } : {}),
    ...(member.isLearner ? { isLearner: true } : {}),
  }));
  // etcd's cluster service fills no revision in this header.
  return { header: encodeHeader(ctx.header(), 0), ...(members.length > 0 ? { members } : {}) };
}

/** An int64 member as jsonpb writes it: a decimal string, omitted when 0. */
function number(name: string, value: number): Record<string, string> {
  const whole = Math.trunc(value);
  return whole === 0 ? {} : { [name]: String(whole) };
}
