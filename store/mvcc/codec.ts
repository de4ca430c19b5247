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
  return checkedEnvelope(packr.unpack(data));
}

/** `decoded` as an Envelope; throws unless it has a command with an op. */
function checkedEnvelope(decoded: unknown): Envelope {
  const command = (decoded as { command?: { op?: unknown } } | null)?.command;
  if (typeof command !== 'object' || command === null || typeof command.op !== 'string') throw new Error('not a command envelope');
  return normalizeBytes(decoded) as Envelope;
}

/**
 * One entry's data carrying several writes: their encoded Envelopes, applied in order, each as
 * its own command at its own revision (store/proposal-batcher.ts). None carries a client id.
 */
export function encodeEnvelopeBatch(envelopes: Uint8Array[]): Uint8Array {
  return packr.pack({ batch: envelopes });
}

/** An entry's data decoded: one Envelope, or the encoded Envelopes of a batch. */
export function decodeEntryData(data: Uint8Array): Envelope | { batch: Uint8Array[] } {
  const decoded = packr.unpack(data) as { batch?: unknown };
  if (decoded !== null && typeof decoded === 'object' && Array.isArray(decoded.batch)) {
    if (!decoded.batch.every((item) => item instanceof Uint8Array)) throw new Error('a batch entry holds something other than encoded commands');
    return { batch: decoded.batch as Uint8Array[] };
  }
  return checkedEnvelope(decoded);
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

/**
 * A revision-log record names the change and where its versions are, not the versions
 * themselves: [type (0 put, 1 delete), key, the mod revision of the version it replaced (0:
 * none)]. The KeyValue is the history record (key, revision) and prevKv the one at that mod
 * revision; compaction keeps both for every event it keeps (see compaction.ts). Carrying copies
 * of both values made the record the largest write of a put.
 */
type StoredEvent = [0 | 1, Uint8Array, number];

/** A record of the revision log, as stored; decodeEvent's form for logs written before the slim one. */
export interface EventRef {
  type: 'put' | 'delete';
  key: Uint8Array;
  /** The mod revision of the replaced version; 0 when there was none. */
  prevModRevision: number;
}

type StoredKvWithKey = [Uint8Array, number, number, number, number, Uint8Array];
/** The record before the slim one: both versions in full. Still read, never written. */
type StoredFullEvent = [0 | 1, StoredKvWithKey, StoredKvWithKey | null];

function kvOfTuple([key, createRevision, modRevision, version, lease, value]: StoredKvWithKey): KeyValue {
  return { key: view(key), createRevision, modRevision, version, value: view(value), lease };
}

export function encodeEvent(event: WatchEvent): Uint8Array {
  const stored: StoredEvent = [event.type === 'put' ? 0 : 1, event.kv.key, event.prevKv?.modRevision ?? 0];
  return packr.pack(stored);
}

/** A stored revision-log record: a reference to its versions, or (written by older versions of keel) the whole event. */
export function decodeEvent(data: Uint8Array): EventRef | WatchEvent {
  const stored = packr.unpack(data) as StoredEvent | StoredFullEvent;
  const type = stored[0] === 0 ? 'put' : 'delete';
  if (stored[1] instanceof Uint8Array) return { type, key: view(stored[1]), prevModRevision: stored[2] as number };
  const [, kv, prev] = stored as StoredFullEvent;
  const event: WatchEvent = { type, kv: kvOfTuple(kv) };
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
