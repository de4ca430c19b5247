// The data model of keel's store, after etcd's v3 API: one cluster-wide revision incremented by
// every change, and per key its create revision, mod revision and version. Keys and values are
// bytes; revisions, versions, lease ids and TTLs are plain numbers (exact up to 2^53).

export interface KeyValue {
  key: Uint8Array;
  /** The revision of the change that created the key (since it last did not exist). */
  createRevision: number;
  /** The revision of the last change to the key. */
  modRevision: number;
  /** Changes since creation: 1 after the create, reset by a delete. */
  version: number;
  value: Uint8Array;
  /** The lease the key is attached to, 0 for none. */
  lease: number;
}

/** One change, as watches deliver it. A delete's `kv` has the key, modRevision = the delete's revision, version 0, empty value. */
export interface WatchEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
  prevKv?: KeyValue;
}

/**
 * A key range, etcd's way: `rangeEnd` absent or empty selects `key` alone; [0x00] selects every
 * key >= `key`; otherwise [key, rangeEnd). A prefix P is [P, prefixEnd(P)).
 */
export interface KeyRange {
  key: Uint8Array;
  rangeEnd?: Uint8Array;
}

export interface RangeRequest extends KeyRange {
  /** At most this many keys (0: no limit). */
  limit?: number;
  /** Read at this past revision (0: the current one). Fails with KEEL_COMPACTED below the compact revision, KEEL_FUTURE_REVISION above the current one. */
  revision?: number;
  countOnly?: boolean;
  keysOnly?: boolean;
}

export interface RangeResponse {
  revision: number;
  kvs: KeyValue[];
  /** More keys matched than `limit` returned. */
  more: boolean;
  /** Keys matched (ignoring limit). */
  count: number;
}

export interface PutRequest {
  key: Uint8Array;
  value: Uint8Array;
  /** Attach to this lease (must exist), 0 for none. */
  lease?: number;
  prevKv?: boolean;
}

export interface PutResponse {
  revision: number;
  prevKv?: KeyValue;
}

export interface DeleteRangeRequest extends KeyRange {
  prevKv?: boolean;
}

export interface DeleteRangeResponse {
  revision: number;
  deleted: number;
  prevKvs?: KeyValue[];
}

export type CompareTarget = 'value' | 'version' | 'create' | 'mod' | 'lease';
export type CompareResult = 'equal' | 'not-equal' | 'less' | 'greater';

/** A txn condition on every key of a range (etcd: a missing key has version 0, create 0, mod 0, lease 0, and no value). */
export interface Compare extends KeyRange {
  target: CompareTarget;
  result: CompareResult;
  /** For target 'value'. */
  value?: Uint8Array;
  /** For targets 'version', 'create', 'mod', 'lease'. */
  number?: number;
}

export type RequestOp = { range: RangeRequest } | { put: PutRequest } | { deleteRange: DeleteRangeRequest };
export type ResponseOp = { range: RangeResponse } | { put: PutResponse } | { deleteRange: DeleteRangeResponse };

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export interface TxnResponse {
  revision: number;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactRequest {
  revision: number;
}

export interface CompactResponse {
  revision: number;
}

export interface LeaseGrantRequest {
  /** Seconds. */
  ttl: number;
  /** A chosen id, or 0 to let the store pick one. */
  id?: number;
}

export interface LeaseGrantResponse {
  revision: number;
  id: number;
  ttl: number;
}

export interface LeaseRevokeRequest {
  id: number;
}

export interface LeaseRevokeResponse {
  revision: number;
}

/**
 * Every write, as it is replicated through the log. `lease-expire` is proposed by the leader
 * alone, when its lease timer runs out: followers never expire anything by their own clock.
 */
export type Command =
  | { op: 'put'; request: PutRequest }
  | { op: 'delete-range'; request: DeleteRangeRequest }
  | { op: 'txn'; request: TxnRequest }
  | { op: 'compact'; request: CompactRequest }
  | { op: 'lease-grant'; request: LeaseGrantRequest }
  | { op: 'lease-revoke'; request: LeaseRevokeRequest }
  | { op: 'lease-expire'; ids: number[] };

export type CommandResult = PutResponse | DeleteRangeResponse | TxnResponse | CompactResponse | LeaseGrantResponse | LeaseRevokeResponse | { revision: number; expired: number[] };

/**
 * A log entry's data. `clientId` + `seq` make a write exactly-once: a retry of the same pair
 * returns the first answer instead of applying again (Raft thesis section 6.3).
 */
export interface Envelope {
  clientId?: string;
  seq?: number;
  command: Command;
}

/** What a command answered when it failed in the state machine (applied as a no-op, deterministic everywhere). */
export interface CommandError {
  error: { code: string; message: string };
}

export interface LeaseInfo {
  id: number;
  /** The TTL granted, seconds. */
  grantedTtl: number;
  keys: Uint8Array[];
}
