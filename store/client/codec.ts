// The client's shapes and their conversion to and from the /v1 wire format (store/api/v1.ts):
// keys and values go out as UTF-8 strings (raw bytes for a single key's value) and come back as
// Buffers, so `kv.value.toString()` reads text and binary values survive a get.
import type { KeyValue as StoreKeyValue, WatchEvent as StoreWatchEvent } from '../mvcc/types.ts';
import { KeelClientError } from './errors.ts';

export type Bytes = string | Uint8Array;

/** The store's KeyValue with Buffers for key and value. */
export interface KeyValue extends StoreKeyValue {
  key: Buffer;
  value: Buffer;
}

export interface WatchEvent extends StoreWatchEvent {
  kv: KeyValue;
  prevKv?: KeyValue;
}

export interface RangeResult {
  revision: number;
  count: number;
  more: boolean;
  kvs: KeyValue[];
}

export interface TxnCompare {
  key: Bytes;
  prefix?: boolean;
  rangeEnd?: Bytes;
  target: 'value' | 'version' | 'create' | 'mod' | 'lease';
  result: 'equal' | 'not-equal' | 'less' | 'greater';
  /** For target 'value'. */
  value?: Bytes;
  /** For targets 'version', 'create', 'mod', 'lease'. */
  number?: number;
}

export type TxnOp =
  | { put: { key: Bytes; value: Bytes; lease?: number; prevKv?: boolean } }
  | { delete: { key: Bytes; prefix?: boolean; prevKv?: boolean } }
  | { range: { key: Bytes; prefix?: boolean; limit?: number } };

export interface TxnRequest {
  compare?: TxnCompare[];
  success?: TxnOp[];
  failure?: TxnOp[];
}

export type TxnOpResult =
  | { put: { revision: number; prevKv?: KeyValue } }
  | { delete: { revision: number; deleted: number } }
  | { range: RangeResult };

export interface TxnResult {
  revision: number;
  succeeded: boolean;
  responses: TxnOpResult[];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A key or value as the UTF-8 string the JSON API carries; bytes that are not UTF-8 are refused, never mangled. */
export function utf8(bytes: Bytes, what: string): string {
  if (typeof bytes === 'string') return bytes;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new KeelClientError('KEEL_BAD_KEY', `${what} is not valid UTF-8; the /v1 API carries keys (and JSON values) as UTF-8 text`);
  }
}

export function toBody(bytes: Bytes): Uint8Array {
  return typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
}

/** A key as a path segment of /v1/kv/{key}. */
export function keyPath(key: Bytes): string {
  const text = utf8(key, 'the key');
  if (text.length === 0) throw new KeelClientError('KEEL_EMPTY_KEY', 'the key is empty');
  return `/v1/kv/${encodeURIComponent(text)}`;
}

interface WireKeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: number;
}

export function kvFromWire(kv: WireKeyValue): KeyValue {
  return {
    key: Buffer.from(kv.key ?? '', 'utf8'),
    value: Buffer.from(kv.value ?? '', 'utf8'),
    createRevision: kv.createRevision ?? 0,
    modRevision: kv.modRevision ?? 0,
    version: kv.version ?? 0,
    lease: kv.lease ?? 0,
  };
}

export function rangeFromWire(r: { revision: number; count: number; more: boolean; items?: WireKeyValue[] }): RangeResult {
  return { revision: r.revision, count: r.count, more: r.more, kvs: (r.items ?? []).map(kvFromWire) };
}

export function eventFromWire(e: { type: 'put' | 'delete'; kv: WireKeyValue; prevKv?: WireKeyValue }): WatchEvent {
  return { type: e.type, kv: kvFromWire(e.kv), ...(e.prevKv ? { prevKv: kvFromWire(e.prevKv) } : {}) };
}

function compareToWire(c: TxnCompare, i: number): Record<string, unknown> {
  const out: Record<string, unknown> = { key: utf8(c.key, `compare[${i}].key`), target: c.target, result: c.result };
  if (c.prefix) out.prefix = true;
  if (c.rangeEnd !== undefined) out.rangeEnd = utf8(c.rangeEnd, `compare[${i}].rangeEnd`);
  if (c.value !== undefined) out.value = utf8(c.value, `compare[${i}].value`);
  if (c.number !== undefined) out.number = c.number;
  return out;
}

function opToWire(op: TxnOp, i: number): Record<string, unknown> {
  if ('put' in op) {
    const { key, value, lease, prevKv } = op.put;
    return { put: { key: utf8(key, `op[${i}].put.key`), value: utf8(value, `op[${i}].put.value`), ...(lease ? { lease } : {}), ...(prevKv ? { prevKv } : {}) } };
  }
  if ('delete' in op) {
    const { key, prefix, prevKv } = op.delete;
    return { delete: { key: utf8(key, `op[${i}].delete.key`), ...(prefix ? { prefix } : {}), ...(prevKv ? { prevKv } : {}) } };
  }
  const { key, prefix, limit } = op.range;
  return { range: { key: utf8(key, `op[${i}].range.key`), ...(prefix ? { prefix } : {}), ...(limit ? { limit } : {}) } };
}

export function txnToWire(txn: TxnRequest): string {
  return JSON.stringify({
    compare: (txn.compare ?? []).map(compareToWire),
    success: (txn.success ?? []).map(opToWire),
    failure: (txn.failure ?? []).map(opToWire),
  });
}

type WireOpResult = { put?: { revision: number; prevKv?: WireKeyValue }; delete?: { revision: number; deleted: number }; range?: Parameters<typeof rangeFromWire>[0] };

export function txnFromWire(r: { revision: number; succeeded: boolean; responses: WireOpResult[] }): TxnResult {
  return {
    revision: r.revision,
    succeeded: r.succeeded,
    responses: r.responses.map((op): TxnOpResult => {
      if (op.range) return { range: rangeFromWire(op.range) };
      if (op.put) return { put: { revision: op.put.revision, ...(op.put.prevKv ? { prevKv: kvFromWire(op.put.prevKv) } : {}) } };
      return { delete: { revision: op.delete!.revision, deleted: op.delete!.deleted } };
    }),
  };
}
