// Encodings of the MVCC state machine: the replicated Envelope, stored KeyValues, events and meta.
// msgpackr with records off (no structure definitions are kept between calls, so every encoded
// value stands alone) and maps as plain objects. Everything decoded is normalised to plain
// Uint8Array views: msgpackr hands out Buffers, and Buffer is not what the rest of keel compares.
import { Packr } from 'msgpackr';
import { view } from './keys.ts';
import type { Envelope, KeyValue, WatchEvent } from './types.ts';

export const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  return packr.pack(envelope);
}

export function decodeEnvelope(data: Uint8Array): Envelope {
  return normalizeBytes(packr.unpack(data)) as Envelope;
}

/** Deep copy in which every Buffer / Uint8Array is a plain Uint8Array view. */
export function normalizeBytes(value: unknown): unknown {
  if (value instanceof Uint8Array) return view(value);
  if (Array.isArray(value)) return value.map(normalizeBytes);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = normalizeBytes(v);
    return out;
  }
  return value;
}

// A stored version without its key (the key is in the database key): [create, mod, version, lease, value].
// A tombstone (a delete in the history index) has version 0.
type StoredKv = [number, number, number, number, Uint8Array];

export function encodeKv(kv: KeyValue): Uint8Array {
  return packr.pack([kv.createRevision, kv.modRevision, kv.version, kv.lease, kv.value] satisfies StoredKv);
}

export function decodeKv(key: Uint8Array, data: Uint8Array): KeyValue {
  const [createRevision, modRevision, version, lease, value] = packr.unpack(data) as StoredKv;
  return { key, createRevision, modRevision, version, value: view(value), lease };
}

/** The version field of a stored KeyValue, without decoding the value bytes into a copy. */
export function isTombstone(data: Uint8Array): boolean {
  return (packr.unpack(data) as StoredKv)[2] === 0;
}

export function tombstone(key: Uint8Array, revision: number): KeyValue {
  return { key, createRevision: 0, modRevision: revision, version: 0, value: new Uint8Array(0), lease: 0 };
}

type StoredKvWithKey = [Uint8Array, number, number, number, number, Uint8Array];
type StoredEvent = [0 | 1, StoredKvWithKey, StoredKvWithKey | null];

function kvTuple(kv: KeyValue): StoredKvWithKey {
  return [kv.key, kv.createRevision, kv.modRevision, kv.version, kv.lease, kv.value];
}

function kvOfTuple([key, createRevision, modRevision, version, lease, value]: StoredKvWithKey): KeyValue {
  return { key: view(key), createRevision, modRevision, version, value: view(value), lease };
}

export function encodeEvent(event: WatchEvent): Uint8Array {
  const stored: StoredEvent = [event.type === 'put' ? 0 : 1, kvTuple(event.kv), event.prevKv ? kvTuple(event.prevKv) : null];
  return packr.pack(stored);
}

export function decodeEvent(data: Uint8Array): WatchEvent {
  const [type, kv, prev] = packr.unpack(data) as StoredEvent;
  const event: WatchEvent = { type: type === 0 ? 'put' : 'delete', kv: kvOfTuple(kv) };
  if (prev !== null) event.prevKv = kvOfTuple(prev);
  return event;
}

export interface Meta {
  appliedIndex: number;
  revision: number;
  compactRevision: number;
  /** The highest lease id ever granted: an id the store picks is this + 1, never reused. */
  leaseIdMax: number;
}

export const emptyMeta: Meta = { appliedIndex: 0, revision: 0, compactRevision: 0, leaseIdMax: 0 };

export function encodeMeta(meta: Meta): Uint8Array {
  return packr.pack([meta.appliedIndex, meta.revision, meta.compactRevision, meta.leaseIdMax]);
}

export function decodeMeta(data: Uint8Array | undefined): Meta {
  if (data === undefined) return { ...emptyMeta };
  const [appliedIndex, revision, compactRevision, leaseIdMax] = packr.unpack(data) as number[];
  return { appliedIndex, revision, compactRevision, leaseIdMax };
}
