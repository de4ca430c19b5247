// The LevelDB key layout of the MVCC state machine. The log store owns first bytes 0x01..0x0f;
// everything here starts at 0x10 (raft/log-store.ts asserts it).
//
//   0x10 0x01                         meta           [applied index, revision, compact revision, lease id max]
//   0x10 0x02                         restoring      present while a chunked restore is half done
//   0x10 0x03                         installing     [index, term, voters, learners] of a staged image being
//                                                    installed: open() finishes the install (image-staging.ts)
//   0x11 key                          latest         the live KeyValue of key (fast path for current reads)
//   0x12 esc(key) ~be64(rev)          history        every version of key, newest first (one seek finds
//                                                    the newest version <= R); a delete is a tombstone
//   0x13 be64(rev) be32(sub)          revision log   every event (with prevKv), in revision order
//   0x14 be64(id)                     lease          [granted ttl]
//   0x15 be64(id) key                 lease key      a key attached to lease id (empty value)
//   0x16 utf8(clientId)               dedup          be64(last active index) + [[seq, result], ...]
//   0x1e be32(n)                      staging        chunk n of an image being received (not part of the state)
import type { KeyRange } from './types.ts';

export const metaKey = Uint8Array.of(0x10, 0x01);
export const restoringKey = Uint8Array.of(0x10, 0x02);
export const installingKey = Uint8Array.of(0x10, 0x03);
export const latestPrefix = 0x11;
export const historyPrefix = 0x12;
export const revisionLogPrefix = 0x13;
export const leasePrefix = 0x14;
export const leaseKeyPrefix = 0x15;
export const dedupPrefix = 0x16;
/** The first key byte of the state machine. */
export const stateMachineKeyMin = 0x10;
/** Chunks of an image being received; everything below this byte (from 0x10) is the live state. */
export const stagingPrefix = 0x1e;

const revisionBytes = 8;
const subBytes = 4;

/** msgpackr and LevelDB may hand out Buffers; keel deals in plain Uint8Array views. */
export function view(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function be64(n: number): Uint8Array {
  const out = new Uint8Array(revisionBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

export function readBe64(bytes: Uint8Array, at = 0): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset + at, revisionBytes).getBigUint64(0));
}

/**
 * The range end of the prefix `prefix` (etcd's GetPrefixRangeEnd): the smallest key greater than
 * every key starting with it; [0x00] ("every key >= the key") when there is none (all 0xff).
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i]++;
      return end;
    }
  }
  return Uint8Array.of(0);
}

// ---- user key ranges ----

export type RangeKind = 'single' | 'from' | 'between';

export function rangeKind(range: KeyRange): RangeKind {
  const end = range.rangeEnd;
  if (end === undefined || end.length === 0) return 'single';
  if (end.length === 1 && end[0] === 0) return 'from';
  return 'between';
}

export function inRange(key: Uint8Array, range: KeyRange): boolean {
  switch (rangeKind(range)) {
    case 'single': return equalBytes(key, range.key);
    case 'from': return compareBytes(key, range.key) >= 0;
    case 'between': return compareBytes(key, range.key) >= 0 && compareBytes(key, range.rangeEnd!) < 0;
  }
}

/** Database bounds [gte, lt) of the latest index over `range`. */
export function latestBounds(range: KeyRange): { gte: Uint8Array; lt: Uint8Array } {
  const gte = latestKey(range.key);
  switch (rangeKind(range)) {
    case 'single': return { gte, lt: concat(gte, Uint8Array.of(0)) };
    case 'from': return { gte, lt: Uint8Array.of(latestPrefix + 1) };
    case 'between': return { gte, lt: latestKey(range.rangeEnd!) };
  }
}

/** Database bounds [gte, lt) of the history index over `range`. */
export function historyBounds(range: KeyRange): { gte: Uint8Array; lt: Uint8Array } {
  const gte = historyKeyPrefix(range.key);
  switch (rangeKind(range)) {
    case 'single': return { gte, lt: prefixEnd(gte) };
    case 'from': return { gte, lt: Uint8Array.of(historyPrefix + 1) };
    case 'between': return { gte, lt: historyKeyPrefix(range.rangeEnd!) };
  }
}

// ---- latest index ----

export function latestKey(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out[0] = latestPrefix;
  out.set(key, 1);
  return out;
}

export function keyOfLatest(dbKey: Uint8Array): Uint8Array {
  return view(dbKey.subarray(1));
}

// ---- history index ----

// Order-preserving, prefix-free escape: 0x00 -> 0x00 0xff, then the terminator 0x00 0x01. For
// keys a < b, esc(a) < esc(b), and no esc(a) is a prefix of another, so esc(key) + suffix sorts
// by key first, then by suffix.
export function escapeKey(key: Uint8Array): Uint8Array {
  let zeros = 0;
  for (const byte of key) if (byte === 0) zeros++;
  const out = new Uint8Array(key.length + zeros + 2);
  let at = 0;
  for (const byte of key) {
    out[at++] = byte;
    if (byte === 0) out[at++] = 0xff;
  }
  out[at++] = 0;
  out[at] = 1;
  return out;
}

/** Decodes an escaped key starting at `from`; returns the key and the index after the terminator. */
export function unescapeKey(bytes: Uint8Array, from: number): { key: Uint8Array; end: number } {
  const out: number[] = [];
  let at = from;
  for (;;) {
    if (at >= bytes.length) throw new Error('unterminated escaped key');
    const byte = bytes[at++];
    if (byte !== 0) {
      out.push(byte);
      continue;
    }
    const next = bytes[at++];
    if (next === 1) return { key: Uint8Array.from(out), end: at };
    if (next !== 0xff) throw new Error(`bad escape byte ${next}`);
    out.push(0);
  }
}

/** 0x12 + esc(key): the common prefix of every version of key. */
export function historyKeyPrefix(key: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(historyPrefix), escapeKey(key));
}

/** Inverted, so that the newest version of a key comes first. */
export function invertedRevision(revision: number): Uint8Array {
  const out = be64(revision);
  for (let i = 0; i < out.length; i++) out[i] = ~out[i] & 0xff;
  return out;
}

export function historyKey(prefix: Uint8Array, revision: number): Uint8Array {
  return concat(prefix, invertedRevision(revision));
}

/** After every version of the key with this prefix (revisions start at 1). */
export function afterHistoryOf(prefix: Uint8Array): Uint8Array {
  return concat(prefix, new Uint8Array(revisionBytes).fill(0xff));
}

export function splitHistoryKey(dbKey: Uint8Array): { prefix: Uint8Array; revision: number } {
  const cut = dbKey.length - revisionBytes;
  const inverted = dbKey.slice(cut);
  for (let i = 0; i < inverted.length; i++) inverted[i] = ~inverted[i] & 0xff;
  return { prefix: dbKey.subarray(0, cut), revision: readBe64(inverted) };
}

export function keyOfHistoryPrefix(prefix: Uint8Array): Uint8Array {
  return unescapeKey(prefix, 1).key;
}

// ---- revision log ----

export function revisionLogKey(revision: number, sub: number): Uint8Array {
  const out = new Uint8Array(1 + revisionBytes + subBytes);
  out[0] = revisionLogPrefix;
  const dv = new DataView(out.buffer);
  dv.setBigUint64(1, BigInt(revision));
  dv.setUint32(1 + revisionBytes, sub);
  return out;
}

/** The first revision-log key of `revision`. */
export function revisionLogStart(revision: number): Uint8Array {
  return revisionLogKey(revision, 0);
}

export function revisionOfLogKey(dbKey: Uint8Array): number {
  return readBe64(dbKey, 1);
}

// ---- leases ----

export function leaseKey(id: number): Uint8Array {
  return concat(Uint8Array.of(leasePrefix), be64(id));
}

export function leaseAttachKey(id: number, key: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(leaseKeyPrefix), be64(id), key);
}

export function splitLeaseAttachKey(dbKey: Uint8Array): { id: number; key: Uint8Array } {
  return { id: readBe64(dbKey, 1), key: view(dbKey.subarray(1 + revisionBytes)) };
}

// ---- dedup ----

export function dedupKey(clientId: string): Uint8Array {
  return concat(Uint8Array.of(dedupPrefix), new TextEncoder().encode(clientId));
}

export function clientIdOfDedupKey(dbKey: Uint8Array): string {
  return new TextDecoder().decode(dbKey.subarray(1));
}

/** A string id of a database key, for maps. */
export function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}
