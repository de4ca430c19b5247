// Reads of keys: at the current revision from the latest index (key -> live KeyValue), at a past
// revision from the history index (esc(key) + inverted revision, so the newest version <= R of a
// key is one seek away).
import { decodeKv } from './codec.ts';
import {
  afterHistoryOf, equalBytes, historyBounds, historyKey, keyOfHistoryPrefix, keyOfLatest, latestBounds,
  splitHistoryKey,
} from './keys.ts';
import type { Reader } from './reader.ts';
import type { KeyRange, KeyValue, RangeRequest, RangeResponse } from './types.ts';

export interface ScanOptions {
  /** Keep at most this many KeyValues (0: all); the count goes on. */
  limit: number;
  /** Count only: keep no KeyValue. */
  countOnly: boolean;
}

export interface ScanResult {
  kvs: KeyValue[];
  count: number;
}

/** Live keys of `range` now (as the reader sees them), in key order. */
export async function scanLatest(reader: Reader, range: KeyRange, options: ScanOptions): Promise<ScanResult> {
  const { gte, lt } = latestBounds(range);
  const cursor = reader.cursor(gte, lt);
  const kvs: KeyValue[] = [];
  let count = 0;
  try {
    for (let pair = await cursor.next(); pair !== undefined; pair = await cursor.next()) {
      count++;
      if (options.countOnly || (options.limit > 0 && kvs.length >= options.limit)) continue;
      kvs.push(decodeKv(keyOfLatest(pair[0]), pair[1]));
    }
  } finally {
    await cursor.close();
  }
  return { kvs, count };
}

/** Keys of `range` as they were at `revision` (not compacted away), in key order. */
export async function scanAt(reader: Reader, range: KeyRange, revision: number, options: ScanOptions): Promise<ScanResult> {
  const { gte, lt } = historyBounds(range);
  const cursor = reader.cursor(gte, lt);
  const kvs: KeyValue[] = [];
  let count = 0;
  try {
    let pair = await cursor.next();
    while (pair !== undefined) {
      const { prefix, revision: newest } = splitHistoryKey(pair[0]);
      if (newest > revision) {
        cursor.seek(historyKey(prefix, revision));
        pair = await cursor.next();
        if (pair === undefined || !equalBytes(splitHistoryKey(pair[0]).prefix, prefix)) continue; // none <= revision
      }
      const kv = decodeKv(keyOfHistoryPrefix(prefix), pair[1]);
      if (kv.version > 0) {
        count++;
        if (!options.countOnly && (options.limit === 0 || kvs.length < options.limit)) kvs.push(kv);
      }
      cursor.seek(afterHistoryOf(prefix));
      pair = await cursor.next();
    }
  } finally {
    await cursor.close();
  }
  return { kvs, count };
}

/** A RangeResponse of a scan, etcd's way: `more` when the limit cut keys off. */
export function rangeResponse(revision: number, scan: ScanResult, request: RangeRequest): RangeResponse {
  const limit = request.limit ?? 0;
  const kvs = request.keysOnly ? scan.kvs.map((kv) => ({ ...kv, value: new Uint8Array(0) })) : scan.kvs;
  return { revision, kvs, more: !request.countOnly && limit > 0 && scan.count > limit, count: scan.count };
}

export function scanOptions(request: RangeRequest): ScanOptions {
  return { limit: request.limit ?? 0, countOnly: request.countOnly ?? false };
}
