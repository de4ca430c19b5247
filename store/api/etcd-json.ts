// etcd 3.4's JSON gateway codec: requests as grpc-gateway v1 decodes them (jsonpb: proto field
// names or their lowerCamel JSON names, int64 as a JSON number or a quoted one, enums as names or
// numbers, bytes as standard base64, unknown fields ignored), and responses as it encodes them
// (proto field names, int64/uint64 as strings, enums as names, zero values omitted). Shapes were
// checked against a live etcd 3.4.23; see test/etcd-compat.test.ts.
import type {
  Compare, CompareResult, CompareTarget, DeleteRangeRequest, DeleteRangeResponse, KeyValue, PutRequest, PutResponse,
  RangeRequest, RangeResponse, RequestOp, ResponseOp, TxnRequest, TxnResponse,
} from '../mvcc/types.ts';
import type { ClusterHeader } from './context.ts';

/** gRPC status codes the gateway answers with (google.golang.org/grpc/codes). */
export const grpcCode = {
  unknown: 2,
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  failedPrecondition: 9,
  outOfRange: 11,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
  resourceExhausted: 8,
} as const;

/** grpc-gateway v1's HTTPStatusFromCode, for the codes above. */
const httpStatusByGrpcCode: Record<number, number> = {
  2: 500, 3: 400, 4: 504, 5: 404, 8: 429, 9: 412, 11: 400, 12: 501, 13: 500, 14: 503,
};

/** An error as etcd's gateway answers it: `{"error": m, "message": m, "code": c}` with the mapped HTTP status. */
export class EtcdGatewayError extends Error {
  readonly code = 'KEEL_ETCD_GATEWAY' as const;
  constructor(readonly grpcCode: number, message: string) {
    super(message);
  }

  get httpStatus(): number {
    return httpStatusByGrpcCode[this.grpcCode] ?? 500;
  }

  toBody(): { error: string; message: string; code: number } {
    return { error: this.message, message: this.message, code: this.grpcCode };
  }
}

export const etcdErrors = {
  emptyKey: () => new EtcdGatewayError(grpcCode.invalidArgument, 'etcdserver: key is not provided'),
  keyNotFound: () => new EtcdGatewayError(grpcCode.invalidArgument, 'etcdserver: key not found'),
  valueProvided: () => new EtcdGatewayError(grpcCode.invalidArgument, 'etcdserver: value is provided'),
  leaseProvided: () => new EtcdGatewayError(grpcCode.invalidArgument, 'etcdserver: lease is provided'),
  duplicateKey: () => new EtcdGatewayError(grpcCode.invalidArgument, 'etcdserver: duplicate key given in txn request'),
  tooManyOps: () => new EtcdGatewayError(grpcCode.invalidArgument, 'etcdserver: too many operations in txn request'),
  requestTooLarge: () => new EtcdGatewayError(grpcCode.invalidArgument, 'etcdserver: request is too large'),
  compacted: () => new EtcdGatewayError(grpcCode.outOfRange, 'etcdserver: mvcc: required revision has been compacted'),
  futureRevision: () => new EtcdGatewayError(grpcCode.outOfRange, 'etcdserver: mvcc: required revision is a future revision'),
  leaseNotFound: () => new EtcdGatewayError(grpcCode.notFound, 'etcdserver: requested lease not found'),
  leaseExists: () => new EtcdGatewayError(grpcCode.failedPrecondition, 'etcdserver: lease already exists'),
  leaseTtlTooLarge: () => new EtcdGatewayError(grpcCode.outOfRange, 'etcdserver: too large lease TTL'),
  noLeader: () => new EtcdGatewayError(grpcCode.unavailable, 'etcdserver: no leader'),
  notLeader: () => new EtcdGatewayError(grpcCode.unavailable, 'etcdserver: not leader'),
  leaderChanged: () => new EtcdGatewayError(grpcCode.unavailable, 'etcdserver: leader changed'),
  timeout: () => new EtcdGatewayError(grpcCode.unavailable, 'etcdserver: request timed out'),
  stopped: () => new EtcdGatewayError(grpcCode.unavailable, 'etcdserver: server stopped'),
  tooManyRequests: () => new EtcdGatewayError(grpcCode.resourceExhausted, 'etcdserver: too many requests'),
  badRequest: (message: string) => new EtcdGatewayError(grpcCode.invalidArgument, message),
  unimplemented: (message: string) => new EtcdGatewayError(grpcCode.unimplemented, message),
};

/** keel's error codes (state machine results and thrown KeelErrors) as etcd's errors. */
const etcdErrorByKeelCode: Record<string, () => EtcdGatewayError> = {
  KEEL_COMPACTED: etcdErrors.compacted,
  KEEL_FUTURE_REVISION: etcdErrors.futureRevision,
  KEEL_LEASE_NOT_FOUND: etcdErrors.leaseNotFound,
  KEEL_LEASE_EXISTS: etcdErrors.leaseExists,
  KEEL_LEASE_ALREADY_EXISTS: etcdErrors.leaseExists,
  KEEL_LEASE_TTL_TOO_LARGE: etcdErrors.leaseTtlTooLarge,
  KEEL_INVALID_LEASE_ID: () => etcdErrors.badRequest('etcdserver: invalid lease id'),
  KEEL_BAD_COMMAND: () => etcdErrors.badRequest('etcdserver: bad request'),
  KEEL_EMPTY_KEY: etcdErrors.emptyKey,
  KEEL_DUPLICATE_KEY: etcdErrors.duplicateKey,
  KEEL_TOO_MANY_OPS: etcdErrors.tooManyOps,
  KEEL_TXN_TOO_MANY_OPS: etcdErrors.tooManyOps,
  KEEL_VALUE_TOO_LARGE: etcdErrors.requestTooLarge,
  KEEL_KEY_TOO_LONG: etcdErrors.requestTooLarge,
  KEEL_PROPOSAL_TOO_LARGE: etcdErrors.requestTooLarge,
  KEEL_REQUEST_TOO_LARGE: etcdErrors.requestTooLarge,
  KEEL_NO_LEADER: etcdErrors.noLeader,
  KEEL_NOT_LEADER: etcdErrors.notLeader,
  KEEL_LEADER_UNREACHABLE: etcdErrors.noLeader,
  KEEL_TRANSFER_IN_PROGRESS: etcdErrors.leaderChanged,
  KEEL_PROPOSAL_DROPPED: etcdErrors.leaderChanged,
  KEEL_TIMEOUT: etcdErrors.timeout,
  KEEL_STOPPED: etcdErrors.stopped,
  KEEL_PROPOSAL_QUEUE_FULL: etcdErrors.tooManyRequests,
  KEEL_TOO_MANY_PENDING: etcdErrors.tooManyRequests,
  KEEL_READ_QUEUE_FULL: etcdErrors.tooManyRequests,
};

/** A keel error code and message as the gateway error etcd would answer; an unknown code is gRPC Unknown (500). */
export function etcdErrorOf(code: string, message: string): EtcdGatewayError {
  const make = etcdErrorByKeelCode[code];
  return make !== undefined ? make() : new EtcdGatewayError(grpcCode.unknown, `keel: ${code}: ${message}`);
}

// ---- decoding ------------------------------------------------------------------------------

/** A JSON object as the gateway reads it. */
export type JsonObject = Record<string, unknown>;

/**
 * Parses a request body as grpc-gateway does: an empty body or `null` is an empty message, only
 * the first JSON value counts (trailing bytes are ignored, as Go's json.Decoder does), and
 * anything but an object is InvalidArgument.
 */
export function parseBody(body: unknown): JsonObject {
  let value = body;
  if (body instanceof Uint8Array) value = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (typeof value === 'string') value = parseFirstValue(value);
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'array' : typeof value;
    throw etcdErrors.badRequest(`json: cannot unmarshal ${kind} into Go value of type map[string]json.RawMessage`);
  }
  return value as JsonObject;
}

function parseFirstValue(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const trailing = /non-whitespace character after JSON at position (\d+)/.exec(message);
    if (trailing !== null) return parseFirstValue(text.slice(0, Number(trailing[1])));
    throw etcdErrors.badRequest(`invalid JSON: ${message}`);
  }
}

/** The lowerCamel JSON names of the proto field names asked for so far (every request asks for the same few). */
const camelNames = new Map<string, string>();

/** The lowerCamel JSON name protoc gives a snake_case field (`range_end` -> `rangeEnd`). */
function camelName(name: string): string {
  let camel = camelNames.get(name);
  if (camel === undefined) {
    camel = name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    camelNames.set(name, camel);
  }
  return camel;
}

/** A field by its proto name or its JSON name (jsonpb accepts both); undefined when absent or null. */
function field(obj: JsonObject, name: string): unknown {
  const value = Object.hasOwn(obj, name) ? obj[name] : obj[camelName(name)];
  return value === null ? undefined : value;
}

/** An int64/uint64 field: a JSON integer or a quoted one; absent is 0. Beyond 2^53 keel cannot hold it. */
export function int64Field(obj: JsonObject, name: string): number {
  const value = field(obj, name);
  if (value === undefined) return 0;
  let text: string;
  if (typeof value === 'number') text = String(value);
  else if (typeof value === 'string') text = value.trim();
  else throw etcdErrors.badRequest(`json: cannot unmarshal ${jsonKind(value)} into Go value of type int64`);
  if (!/^-?\d+$/.test(text)) throw etcdErrors.badRequest(`json: cannot unmarshal number ${text} into Go value of type int64`);
  const number = Number(text);
  if (!Number.isSafeInteger(number)) {
    throw etcdErrors.badRequest(`keel: ${name} ${text} is beyond the integers keel stores exactly (|n| <= 2^53 - 1)`);
  }
  return number;
}

export function boolField(obj: JsonObject, name: string): boolean {
  const value = field(obj, name);
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw etcdErrors.badRequest(`json: cannot unmarshal ${jsonKind(value)} into Go value of type bool`);
  return value;
}

/** A bytes field: standard base64 with padding, as Go's encoding/json decodes []byte; absent is empty. */
export function bytesField(obj: JsonObject, name: string): Uint8Array {
  const value = field(obj, name);
  if (value === undefined) return new Uint8Array(0);
  if (typeof value !== 'string') throw etcdErrors.badRequest(`json: cannot unmarshal ${jsonKind(value)} into Go value of type []uint8`);
  return decodeBase64(value);
}

export function decodeBase64(text: string): Uint8Array {
  // Padded standard base64 with no line breaks, the form every client sends, checked without a
  // regex: Node's decoder skips what is not base64 and stops at '=', so whole quads that gave
  // every byte they stand for held nothing else, save the URL-safe '-' and '_' it also takes.
  if ((text.length & 3) === 0) {
    const bytes = Buffer.from(text, 'base64');
    const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    if (bytes.byteLength === (text.length >> 2) * 3 - pad && text.indexOf('-') === -1 && text.indexOf('_') === -1) {
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
  }
  const bad = /[^A-Za-z0-9+/=\r\n]/.exec(text);
  if (bad !== null) throw etcdErrors.badRequest(`illegal base64 data at input byte ${bad.index}`);
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || /=[^=]/.test(compact) || /={3,}$/.test(compact)) {
    throw etcdErrors.badRequest(`illegal base64 data at input byte ${Math.max(0, compact.length - (compact.length % 4 || 4))}`);
  }
  const bytes = Buffer.from(compact, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function objectField(obj: JsonObject, name: string): JsonObject | undefined {
  const value = field(obj, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw etcdErrors.badRequest(`json: cannot unmarshal ${jsonKind(value)} into Go value of type map[string]json.RawMessage`);
  return value as JsonObject;
}

function arrayField(obj: JsonObject, name: string): JsonObject[] {
  const value = field(obj, name);
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw etcdErrors.badRequest(`json: cannot unmarshal ${jsonKind(value)} into Go value of type []json.RawMessage`);
  return value.map((item) => parseBody(item));
}

/** An enum field: its name or its number; absent is the first value. */
function enumField<T extends string>(obj: JsonObject, name: string, names: readonly T[], protoName: string): T {
  const value = field(obj, name);
  if (value === undefined) return names[0];
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < names.length) return names[value];
  if (typeof value === 'string' && (names as readonly string[]).includes(value)) return value as T;
  throw etcdErrors.badRequest(`unknown value ${JSON.stringify(value)} for enum ${protoName}`);
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

const compareTargets = ['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'] as const;
const compareResults = ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'] as const;
const sortOrders = ['NONE', 'ASCEND', 'DESCEND'] as const;
const sortTargets = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'] as const;

/** What etcd does to a range's result that keel's state machine does not: sorting and revision filters. */
export interface RangeExtras {
  sortOrder: (typeof sortOrders)[number];
  sortTarget: (typeof sortTargets)[number];
  /** The limit the client asked for (the store is asked for every key when extras apply). */
  limit: number;
  minModRevision: number;
  maxModRevision: number;
  minCreateRevision: number;
  maxCreateRevision: number;
  keysOnly: boolean;
  countOnly: boolean;
}

export interface DecodedRange {
  request: RangeRequest;
  extras: RangeExtras;
  serializable: boolean;
}

function keyRange(obj: JsonObject): { key: Uint8Array; rangeEnd?: Uint8Array } {
  const key = bytesField(obj, 'key');
  if (key.length === 0) throw etcdErrors.emptyKey();
  const rangeEnd = bytesField(obj, 'range_end');
  return rangeEnd.length > 0 ? { key, rangeEnd } : { key };
}

export function decodeRange(obj: JsonObject): DecodedRange {
  const extras: RangeExtras = {
    sortOrder: enumField(obj, 'sort_order', sortOrders, 'etcdserverpb.RangeRequest_SortOrder'),
    sortTarget: enumField(obj, 'sort_target', sortTargets, 'etcdserverpb.RangeRequest_SortTarget'),
    limit: Math.max(0, int64Field(obj, 'limit')),
    minModRevision: int64Field(obj, 'min_mod_revision'),
    maxModRevision: int64Field(obj, 'max_mod_revision'),
    minCreateRevision: int64Field(obj, 'min_create_revision'),
    maxCreateRevision: int64Field(obj, 'max_create_revision'),
    keysOnly: boolField(obj, 'keys_only'),
    countOnly: boolField(obj, 'count_only'),
  };
  // etcd: a sort target other than KEY with no order sorts ascending.
  if (extras.sortOrder === 'NONE' && extras.sortTarget !== 'KEY') extras.sortOrder = 'ASCEND';
  const request: RangeRequest = { ...keyRange(obj) };
  const revision = int64Field(obj, 'revision');
  if (revision > 0) request.revision = revision;
  if (extras.keysOnly) request.keysOnly = true;
  if (extras.countOnly) request.countOnly = true;
  // The store applies the limit only when nothing must happen to the keys after it reads them.
  if (extras.limit > 0 && !needsPostProcessing(extras)) request.limit = extras.limit;
  return { request, extras, serializable: boolField(obj, 'serializable') };
}

/** Whether etcd's sort or revision filters change what the store's plain range answers. */
export function needsPostProcessing(extras: RangeExtras): boolean {
  const sorted = extras.sortOrder !== 'NONE' && !(extras.sortOrder === 'ASCEND' && extras.sortTarget === 'KEY');
  const filtered = extras.minModRevision > 0 || extras.maxModRevision > 0 || extras.minCreateRevision > 0 || extras.maxCreateRevision > 0;
  return sorted || filtered;
}

/** etcd's sorting, filters and limit on a range the store answered without a limit (mvcc/kvstore_txn.go, v3_server.go). */
export function postProcessRange(response: RangeResponse, extras: RangeExtras): RangeResponse {
  if (!needsPostProcessing(extras) || extras.countOnly) return response;
  const e = extras;
  let kvs = response.kvs.filter((kv) =>
    !(e.maxModRevision > 0 && kv.modRevision > e.maxModRevision) &&
    !(e.minModRevision > 0 && kv.modRevision < e.minModRevision) &&
    !(e.maxCreateRevision > 0 && kv.createRevision > e.maxCreateRevision) &&
    !(e.minCreateRevision > 0 && kv.createRevision < e.minCreateRevision));
  if (e.sortOrder !== 'NONE') {
    const sign = e.sortOrder === 'DESCEND' ? -1 : 1;
    const by = sortKey(e.sortTarget);
    kvs = [...kvs].sort((a, b) => sign * by(a, b));
  }
  const more = e.limit > 0 && kvs.length > e.limit;
  if (more) kvs = kvs.slice(0, e.limit);
  return { ...response, kvs, more };
}

function sortKey(target: RangeExtras['sortTarget']): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case 'KEY': return (a, b) => Buffer.compare(a.key, b.key);
    case 'VERSION': return (a, b) => a.version - b.version;
    case 'CREATE': return (a, b) => a.createRevision - b.createRevision;
    case 'MOD': return (a, b) => a.modRevision - b.modRevision;
    case 'VALUE': return (a, b) => Buffer.compare(a.value, b.value);
  }
}

export function decodePut(obj: JsonObject): PutRequest {
  const key = bytesField(obj, 'key');
  if (key.length === 0) throw etcdErrors.emptyKey();
  const value = bytesField(obj, 'value');
  // keel's store has no ignore_value / ignore_lease; etcd rejects the combinations below, and the
  // flags themselves need a read-modify-write the store does not offer atomically.
  if (boolField(obj, 'ignore_value')) {
    if (value.length > 0) throw etcdErrors.valueProvided();
    throw etcdErrors.unimplemented('keel: put with ignore_value is not supported');
  }
  if (boolField(obj, 'ignore_lease')) {
    if (int64Field(obj, 'lease') !== 0) throw etcdErrors.leaseProvided();
    throw etcdErrors.unimplemented('keel: put with ignore_lease is not supported');
  }
  const request: PutRequest = { key, value };
  const lease = int64Field(obj, 'lease');
  if (lease !== 0) request.lease = lease;
  if (boolField(obj, 'prev_kv')) request.prevKv = true;
  return request;
}

export function decodeDeleteRange(obj: JsonObject): DeleteRangeRequest {
  const request: DeleteRangeRequest = { ...keyRange(obj) };
  if (boolField(obj, 'prev_kv')) request.prevKv = true;
  return request;
}

const targetByName: Record<(typeof compareTargets)[number], CompareTarget> = { VERSION: 'version', CREATE: 'create', MOD: 'mod', VALUE: 'value', LEASE: 'lease' };
const resultByName: Record<(typeof compareResults)[number], CompareResult> = { EQUAL: 'equal', GREATER: 'greater', LESS: 'less', NOT_EQUAL: 'not-equal' };

export function decodeCompare(obj: JsonObject): Compare {
  const target = enumField(obj, 'target', compareTargets, 'etcdserverpb.Compare_CompareTarget');
  const result = enumField(obj, 'result', compareResults, 'etcdserverpb.Compare_CompareResult');
  const key = bytesField(obj, 'key');
  const rangeEnd = bytesField(obj, 'range_end');
  const compare: Compare = { key, target: targetByName[target], result: resultByName[result] };
  if (rangeEnd.length > 0) compare.rangeEnd = rangeEnd;
  // The target_union oneof: etcd reads only the member that matches the target (a missing one is 0 / empty).
  switch (target) {
    case 'VALUE': compare.value = bytesField(obj, 'value'); break;
    case 'VERSION': compare.number = int64Field(obj, 'version'); break;
    case 'CREATE': compare.number = int64Field(obj, 'create_revision'); break;
    case 'MOD': compare.number = int64Field(obj, 'mod_revision'); break;
    case 'LEASE': compare.number = int64Field(obj, 'lease'); break;
  }
  return compare;
}

/** etcd's default --max-txn-ops. */
export const txnOpsMax = 128;

export interface DecodedTxn {
  request: TxnRequest;
  /** Per success / failure op: the range extras to apply to its response (undefined for puts and deletes). */
  successExtras: (RangeExtras | undefined)[];
  failureExtras: (RangeExtras | undefined)[];
}

export function decodeTxn(obj: JsonObject): DecodedTxn {
  const compare = arrayField(obj, 'compare').map(decodeCompare);
  const success = arrayField(obj, 'success').map(decodeRequestOp);
  const failure = arrayField(obj, 'failure').map(decodeRequestOp);
  if (compare.length > txnOpsMax || success.length > txnOpsMax || failure.length > txnOpsMax) throw etcdErrors.tooManyOps();
  checkNoDuplicateWrites(success.map((op) => op.op));
  checkNoDuplicateWrites(failure.map((op) => op.op));
  return {
    request: { compare, success: success.map((op) => op.op), failure: failure.map((op) => op.op) },
    successExtras: success.map((op) => op.extras),
    failureExtras: failure.map((op) => op.extras),
  };
}

function decodeRequestOp(obj: JsonObject): { op: RequestOp; extras?: RangeExtras } {
  const range = objectField(obj, 'request_range');
  if (range !== undefined) {
    const decoded = decodeRange(range);
    return { op: { range: decoded.request }, extras: decoded.extras };
  }
  const put = objectField(obj, 'request_put');
  if (put !== undefined) return { op: { put: decodePut(put) } };
  const deleteRange = objectField(obj, 'request_delete_range');
  if (deleteRange !== undefined) return { op: { deleteRange: decodeDeleteRange(deleteRange) } };
  if (objectField(obj, 'request_txn') !== undefined) throw etcdErrors.unimplemented('keel: a nested txn (request_txn) is not supported');
  throw etcdErrors.keyNotFound();
}

/**
 * etcd's checkIntervals (v3rpc/key.go): no key may be put twice in one branch, and no put may
 * fall inside a deleted range of the same branch.
 */
function checkNoDuplicateWrites(ops: RequestOp[]): void {
  const puts = new Set<string>();
  const deletes: { key: Uint8Array; rangeEnd?: Uint8Array }[] = [];
  for (const op of ops) {
    if ('put' in op) {
      const id = encodeBase64(op.put.key);
      if (puts.has(id)) throw etcdErrors.duplicateKey();
      puts.add(id);
    } else if ('deleteRange' in op) {
      deletes.push(op.deleteRange);
    }
  }
  for (const put of ops) {
    if (!('put' in put)) continue;
    for (const del of deletes) {
      if (inRange(put.put.key, del)) throw etcdErrors.duplicateKey();
    }
  }
}

function inRange(key: Uint8Array, range: { key: Uint8Array; rangeEnd?: Uint8Array }): boolean {
  const end = range.rangeEnd;
  if (end === undefined || end.length === 0) return Buffer.compare(key, range.key) === 0;
  if (end.length === 1 && end[0] === 0) return Buffer.compare(key, range.key) >= 0;
  return Buffer.compare(key, range.key) >= 0 && Buffer.compare(key, end) < 0;
}

// ---- encoding ------------------------------------------------------------------------------

/** An int64 as jsonpb writes it: a decimal string, or nothing for 0. */
function int64(value: number | bigint): string | undefined {
  return value === 0 || value === 0n ? undefined : String(value);
}

/** Drops the undefined members (jsonpb with EmitDefaults false writes no zero value). */
function compact<T extends Record<string, unknown>>(obj: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as Partial<T>;
}

export function encodeHeader(header: ClusterHeader, revision?: number): Record<string, unknown> {
  return compact({
    cluster_id: int64(header.clusterId),
    member_id: int64(header.memberId),
    revision: int64(revision ?? header.revision),
    raft_term: int64(header.raftTerm),
  });
}

export function encodeKeyValue(kv: KeyValue): Record<string, unknown> {
  return compact({
    key: kv.key.length > 0 ? encodeBase64(kv.key) : undefined,
    create_revision: int64(kv.createRevision),
    mod_revision: int64(kv.modRevision),
    version: int64(kv.version),
    value: kv.value.length > 0 ? encodeBase64(kv.value) : undefined,
    lease: int64(kv.lease),
  });
}

export function encodeRangeBody(response: RangeResponse, extras: RangeExtras | undefined): Record<string, unknown> {
  const processed = extras !== undefined ? postProcessRange(response, extras) : response;
  const keysOnly = extras?.keysOnly ?? false;
  const countOnly = extras?.countOnly ?? false;
  const kvs = countOnly ? [] : processed.kvs.map((kv) => encodeKeyValue(keysOnly ? { ...kv, value: new Uint8Array(0) } : kv));
  return compact({
    kvs: kvs.length > 0 ? kvs : undefined,
    more: processed.more ? true : undefined,
    count: int64(processed.count),
  });
}

export function encodePutBody(response: PutResponse): Record<string, unknown> {
  return compact({ prev_kv: response.prevKv !== undefined ? encodeKeyValue(response.prevKv) : undefined });
}

export function encodeDeleteRangeBody(response: DeleteRangeResponse): Record<string, unknown> {
  const prevKvs = response.prevKvs ?? [];
  return compact({
    deleted: int64(response.deleted),
    prev_kvs: prevKvs.length > 0 ? prevKvs.map(encodeKeyValue) : undefined,
  });
}

/**
 * A txn's responses. Each sub-response carries a header with only the revision the txn had at
 * that op, as etcd's do (mvcc's txn.Rev()): the revision before the txn until its first change (a
 * put, or a delete that deleted something), the txn's own revision from then on. It follows from
 * the responses alone, so the gateway does not depend on how the store fills them in.
 */
export function encodeTxnBody(response: TxnResponse, extras: (RangeExtras | undefined)[]): Record<string, unknown> {
  const changes = (op: ResponseOp) => 'put' in op || ('deleteRange' in op && op.deleteRange.deleted > 0);
  const before = response.responses.some(changes) ? response.revision - 1 : response.revision;
  let changed = false;
  const responses = response.responses.map((op, i) => {
    changed ||= changes(op);
    return encodeResponseOp(op, extras[i], changed ? response.revision : before);
  });
  return compact({
    succeeded: response.succeeded ? true : undefined,
    responses: responses.length > 0 ? responses : undefined,
  });
}

function encodeResponseOp(op: ResponseOp, extras: RangeExtras | undefined, revision: number): Record<string, unknown> {
  const header = compact({ revision: int64(revision) });
  if ('range' in op) return { response_range: { header, ...encodeRangeBody(op.range, extras) } };
  if ('put' in op) return { response_put: { header, ...encodePutBody(op.put) } };
  return { response_delete_range: { header, ...encodeDeleteRangeBody(op.deleteRange) } };
}
