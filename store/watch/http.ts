// The two streaming watch routes of a master, on node:http:
//
//   GET  /v1/watch  keel's own: keys and values as UTF-8 strings, one JSON object per line.
//   POST /v3/watch  etcd's grpc-gateway JSON (etcd 3.4+): base64 bytes, int64 as strings,
//                   zero-valued fields omitted, each WatchResponse as {"result": ...} on a line.
//
// One watch per request. A sink that cannot write (the socket buffer is full) pauses its watcher
// until 'drain', and the watcher then reads what it missed from history, so a slow client costs
// a bounded amount of memory. The client closing the connection cancels the watcher.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterHeader } from '../api/context.ts';
import type { KeyRange, KeyValue, WatchEvent } from '../mvcc/types.ts';
import type { WatchHub } from './hub.ts';
import { prefixEnd } from './key-range.ts';
import type { WatchFilter, WatchRequest, WatchSink, Watcher } from './types.ts';

/** Largest key or range end, bytes (store/http-api.ts keyBytesMax). */
export const watchKeyBytesMax = 4096;
/** Largest body of a /v3/watch request read before the watch starts, bytes. */
export const watchRequestBytesMax = 64 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a stream writes for each thing its watcher reports; `null` writes nothing. */
interface LineFormat {
  events(events: WatchEvent[], revision: number): string;
  progress(revision: number): string;
  compacted(compactRevision: number): string;
  failed(error: Error): string;
}

class BadWatchRequest extends Error {}

// ---- GET /v1/watch --------------------------------------------------------------------------

/**
 * `GET /v1/watch?key=K[&prefix=true|&rangeEnd=E][&startRevision=R][&prevKv=true][&progressNotify=true][&filters=noput,nodelete]`
 * streams application/x-ndjson: `{"revision":N,"events":[...]}`, `{"revision":N,"progress":true}`,
 * and for a compacted start `{"code":"KEEL_COMPACTED","message":..,"compactRevision":N}`, then the end.
 * A line's `revision`: every event of the watch at or below it has been sent. The response header
 * x-keel-revision is the revision a watch from now starts after.
 */
// `header` is unused today (the server already sets the cluster's response headers); it is taken
// so both routes wire alike, and lines may carry it later without a signature change.
export function handleNativeWatch(req: IncomingMessage, res: ServerResponse, url: URL, hub: WatchHub, header: () => ClusterHeader): void {
  void header;
  if (req.method !== 'GET') return sendJson(res, 405, { code: 'KEEL_METHOD_NOT_ALLOWED', message: `${req.method} is not allowed on /v1/watch; use GET` });
  let request: WatchRequest;
  try {
    request = parseNativeRequest(url.searchParams);
  } catch (error) {
    if (!(error instanceof BadWatchRequest)) throw error;
    return sendJson(res, 400, { code: 'KEEL_BAD_REQUEST', message: error.message });
  }
  req.resume();
  const format: LineFormat = {
    events: (events, revision) => JSON.stringify({ revision, events: events.map(nativeEvent) }),
    progress: (revision) => JSON.stringify({ revision, progress: true }),
    compacted: (compactRevision) =>
      JSON.stringify({ code: 'KEEL_COMPACTED', message: `revision ${request.startRevision} has been compacted; the oldest revision available is ${compactRevision + 1}`, compactRevision }),
    failed: (error) => JSON.stringify({ code: (error as { code?: string }).code ?? 'KEEL_INTERNAL', message: error.message }),
  };
  const started = startStream(res, hub, request, format, { 'content-type': 'application/x-ndjson', 'x-keel-revision': String(hub.revision) }, null);
  if (started !== null) sendJson(res, 429, { code: started.code, message: started.message });
}

function parseNativeRequest(params: URLSearchParams): WatchRequest {
  const keyText = params.get('key');
  if (keyText === null) throw new BadWatchRequest('key is required: /v1/watch?key=K');
  const key = encoder.encode(keyText);
  checkKeyLength('key', key);
  const prefix = parseBoolean(params, 'prefix');
  const rangeEndText = params.get('rangeEnd');
  if (prefix && rangeEndText !== null) throw new BadWatchRequest('give prefix=true or rangeEnd, not both');
  if (key.length === 0 && !prefix && rangeEndText === null) throw new BadWatchRequest('key is empty; watch every key with key=&prefix=true');
  const range: KeyRange = { key };
  if (prefix) range.rangeEnd = prefixEnd(key);
  if (rangeEndText !== null) {
    range.rangeEnd = encoder.encode(rangeEndText);
    checkKeyLength('rangeEnd', range.rangeEnd);
  }
  const filters: WatchFilter[] = [];
  for (const filter of (params.get('filters') ?? '').split(',')) {
    if (filter === '') continue;
    if (filter !== 'noput' && filter !== 'nodelete') throw new BadWatchRequest(`filters are noput and nodelete, not ${JSON.stringify(filter)}`);
    filters.push(filter);
  }
  return {
    range,
    startRevision: parseRevision(params.get('startRevision')),
    prevKv: parseBoolean(params, 'prevKv'),
    progressNotify: parseBoolean(params, 'progressNotify'),
    filters,
  };
}

function parseBoolean(params: URLSearchParams, name: string): boolean {
  const text = params.get(name);
  if (text === null || text === 'false') return false;
  if (text === 'true') return true;
  throw new BadWatchRequest(`${name} must be true or false, not ${JSON.stringify(text)}`);
}

function parseRevision(text: string | null): number {
  if (text === null) return 0;
  const revision = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(revision)) throw new BadWatchRequest(`startRevision must be an integer >= 0, not ${JSON.stringify(text)}`);
  return revision;
}

function checkKeyLength(name: string, bytes: Uint8Array): void {
  if (bytes.length > watchKeyBytesMax) throw new BadWatchRequest(`${name} is ${bytes.length} bytes; at most ${watchKeyBytesMax}`);
}

function nativeEvent(event: WatchEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { type: event.type, kv: nativeKv(event.kv) };
  if (event.prevKv !== undefined) out.prevKv = nativeKv(event.prevKv);
  return out;
}

function nativeKv(kv: KeyValue): Record<string, unknown> {
  return { key: decoder.decode(kv.key), value: decoder.decode(kv.value), createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version, lease: kv.lease };
}

// ---- POST /v3/watch (etcd grpc-gateway) -----------------------------------------------------

/** etcd's ErrCompacted text (api/v3rpc/rpctypes), what a negative start_revision is canceled with. */
const etcdCompactedReason = 'etcdserver: mvcc: required revision has been compacted';

/**
 * `POST /v3/watch` with `{"create_request":{"key":b64,"range_end":b64,"start_revision":"N","prev_kv":true,"progress_notify":true,"filters":["NOPUT"]}}`:
 * the etcd gateway's stream of `{"result":WatchResponse}` lines. Only the first request of the
 * body is read (one watch per HTTP request); later ones are ignored.
 */
export async function handleEtcdWatch(req: IncomingMessage, res: ServerResponse, hub: WatchHub, header: () => ClusterHeader): Promise<void> {
  if (req.method !== 'POST') return sendJson(res, 405, gatewayError(12, 405, 'Method Not Allowed', `${req.method} is not allowed on /v3/watch; use POST`));
  let create: EtcdCreate;
  try {
    const body = await readFirstJsonObject(req);
    if (body === clientGone) return;
    create = parseEtcdRequest(body);
  } catch (error) {
    if (!(error instanceof BadWatchRequest)) throw error;
    return sendJson(res, 400, gatewayError(3, 400, 'Bad Request', error.message));
  }
  req.resume();
  if (res.destroyed) return;
  const result = (response: Record<string, unknown>) => JSON.stringify({ result: response });
  const headerAt = (revision: number) => etcdHeader({ ...header(), revision });
  const jsonHeaders = { 'content-type': 'application/json' };
  if (create.startRevision < 0) {
    // etcd answers a negative start revision with a created-and-canceled response (InvalidWatchID).
    res.writeHead(200, jsonHeaders);
    res.end(`${result({ header: etcdHeader(header()), watch_id: '-1', created: true, canceled: true, cancel_reason: etcdCompactedReason })}\n`);
    return;
  }
  const format: LineFormat = {
    events: (events, revision) => result({ header: headerAt(revision), events: events.map(etcdEvent) }),
    progress: (revision) => result({ header: headerAt(revision) }),
    // etcd's mvcc sends the compaction response with revision 0, which the header then omits.
    compacted: (compactRevision) => result({ header: headerAt(0), canceled: true, compact_revision: String(compactRevision) }),
    failed: (error) => JSON.stringify(gatewayError(13, 500, 'Internal Server Error', error.message)),
  };
  // The created response: watch id 0 (the first watch of a stream), a zero value, so omitted.
  const created = result({ header: etcdHeader(header()), created: true });
  const refused = startStream(res, hub, create.request, format, jsonHeaders, created);
  if (refused !== null) sendJson(res, 429, gatewayError(8, 429, 'Too Many Requests', refused.message));
}

interface EtcdCreate {
  request: WatchRequest;
  startRevision: number;
}

function parseEtcdRequest(body: unknown): EtcdCreate {
  const create = (body as { create_request?: unknown } | null)?.create_request;
  if (typeof create !== 'object' || create === null) throw new BadWatchRequest('the body must hold a create_request: {"create_request":{"key":"<base64>"}}');
  const fields = create as Record<string, unknown>;
  let key = parseBase64(fields.key, 'key');
  let rangeEnd: Uint8Array | undefined = parseBase64(fields.range_end, 'range_end');
  // etcd's own normalization: an empty key is \x00, the smallest key; an empty range end is one key.
  if (key.length === 0) key = Uint8Array.of(0);
  if (rangeEnd.length === 0) rangeEnd = undefined;
  const startRevision = parseInt64(fields.start_revision, 'start_revision');
  const filters: WatchFilter[] = [];
  for (const filter of parseArray(fields.filters, 'filters')) {
    if (filter === 'NOPUT' || filter === 0) filters.push('noput');
    else if (filter === 'NODELETE' || filter === 1) filters.push('nodelete');
    else throw new BadWatchRequest(`filters are NOPUT and NODELETE, not ${JSON.stringify(filter)}`);
  }
  return {
    startRevision,
    request: {
      range: rangeEnd === undefined ? { key } : { key, rangeEnd },
      startRevision: Math.max(startRevision, 0),
      prevKv: parseBool(fields.prev_kv, 'prev_kv'),
      progressNotify: parseBool(fields.progress_notify, 'progress_notify'),
      filters,
    },
  };
}

function parseBase64(value: unknown, name: string): Uint8Array {
  if (value === undefined || value === null) return new Uint8Array(0);
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) throw new BadWatchRequest(`${name} must be base64, not ${JSON.stringify(value)}`);
  const bytes = new Uint8Array(Buffer.from(value, 'base64'));
  checkKeyLength(name, bytes);
  return bytes;
}

/** proto3 JSON: an int64 is a decimal string or a number. */
function parseInt64(value: unknown, name: string): number {
  if (value === undefined || value === null) return 0;
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw new BadWatchRequest(`${name} must be an integer, not ${JSON.stringify(value)}`);
  return number;
}

function parseBool(value: unknown, name: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new BadWatchRequest(`${name} must be true or false, not ${JSON.stringify(value)}`);
  return value;
}

function parseArray(value: unknown, name: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BadWatchRequest(`${name} must be an array, not ${JSON.stringify(value)}`);
  return value;
}

/** etcd's ResponseHeader in proto3 JSON: uint64/int64 as decimal strings, zeros omitted. */
function etcdHeader(header: ClusterHeader): Record<string, string> {
  const out: Record<string, string> = {};
  if (header.clusterId !== 0n) out.cluster_id = header.clusterId.toString();
  if (header.memberId !== 0) out.member_id = String(header.memberId);
  if (header.revision !== 0) out.revision = String(header.revision);
  if (header.raftTerm !== 0) out.raft_term = String(header.raftTerm);
  return out;
}

/** mvccpb.Event: type PUT is the zero value, so only DELETE appears. */
function etcdEvent(event: WatchEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (event.type === 'delete') out.type = 'DELETE';
  // etcd's delete event carries the key and the delete's revision alone.
  out.kv = event.type === 'delete' ? etcdKv({ ...event.kv, createRevision: 0, version: 0, value: new Uint8Array(0), lease: 0 }) : etcdKv(event.kv);
  if (event.prevKv !== undefined) out.prev_kv = etcdKv(event.prevKv);
  return out;
}

/** mvccpb.KeyValue in field order, bytes as base64, int64 as strings, zero values omitted. */
function etcdKv(kv: KeyValue): Record<string, string> {
  const out: Record<string, string> = {};
  if (kv.key.length > 0) out.key = Buffer.from(kv.key).toString('base64');
  if (kv.createRevision !== 0) out.create_revision = String(kv.createRevision);
  if (kv.modRevision !== 0) out.mod_revision = String(kv.modRevision);
  if (kv.version !== 0) out.version = String(kv.version);
  if (kv.value.length > 0) out.value = Buffer.from(kv.value).toString('base64');
  if (kv.lease !== 0) out.lease = String(kv.lease);
  return out;
}

/** grpc-gateway's stream error body (runtime.StreamError). */
function gatewayError(grpcCode: number, httpCode: number, httpStatus: string, message: string): Record<string, unknown> {
  return { error: { grpc_code: grpcCode, http_code: httpCode, message, http_status: httpStatus } };
}

/**
 * The first JSON object of a request body, read as it arrives (a gateway client may keep the body
 * open to send more requests), at most watchRequestBytesMax bytes.
 */
const clientGone = Symbol('client gone');

function readFirstJsonObject(req: IncomingMessage): Promise<unknown> {
  // Listeners, not `for await`: leaving a for-await early would destroy the request and with it
  // the connection the watch streams on.
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (settle: () => void) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      try {
        settle();
      } catch (error) {
        reject(error);
      }
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = firstObjectEnd(text);
      if (end >= 0) return finish(() => resolve(parseJson(text.slice(0, end))));
      if (Buffer.byteLength(text) > watchRequestBytesMax) finish(() => reject(new BadWatchRequest(`the watch request is over ${watchRequestBytesMax} bytes`)));
    };
    const onEnd = () =>
      finish(() => {
        if (text.trim() === '') throw new BadWatchRequest('the body is empty; send {"create_request":{"key":"<base64>"}}');
        resolve(parseJson(text));
      });
    // The client went away before it finished its request: nothing to answer.
    const onGone = () => finish(() => resolve(clientGone));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BadWatchRequest('the body is not valid JSON');
  }
}

/** The index just past the first complete top-level {...} in `text`, or -1. */
function firstObjectEnd(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return -1;
}

// ---- the stream -----------------------------------------------------------------------------

/**
 * Answers 200 and streams the watch as lines until the watch ends or the client goes. Returns the
 * refusal when the hub is at its watcher limit (nothing has been written then).
 */
function startStream(
  res: ServerResponse,
  hub: WatchHub,
  request: WatchRequest,
  format: LineFormat,
  headers: Record<string, string>,
  firstLine: string | null,
): { code: string; message: string } | null {
  let watcher: Watcher | null = null;
  const sink: WatchSink = {
    events(events, revision) {
      const flowing = res.write(`${format.events(events, revision)}\n`);
      if (!flowing) res.once('drain', () => watcher?.resume());
      return flowing;
    },
    progress(revision) {
      res.write(`${format.progress(revision)}\n`);
    },
    compacted(compactRevision) {
      res.end(`${format.compacted(compactRevision)}\n`);
    },
    failed(error) {
      res.end(`${format.failed(error)}\n`);
    },
  };
  try {
    watcher = hub.watch(request, sink);
  } catch (error) {
    const coded = error as { code?: unknown; message?: string };
    if (coded.code === 'KEEL_TOO_MANY_WATCHES') return { code: coded.code, message: coded.message ?? '' };
    throw error;
  }
  const started = watcher;
  res.on('close', () => started.cancel());
  if (res.destroyed) started.cancel();
  res.writeHead(200, { ...headers, 'cache-control': 'no-cache' });
  if (firstLine !== null) res.write(`${firstLine}\n`);
  else res.flushHeaders();
  return null;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
