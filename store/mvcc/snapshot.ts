// Snapshot images of the state machine: every key from 0x10 up, as a sequence of chunks, each a
// self-contained msgpack array of [key, value] pairs. The image is read through one LevelDB
// iterator, whose implicit snapshot makes it consistent even while batches are applied. A restore
// deletes every state-machine key, writes the image's pairs, and stores the meta record with the
// applied index of the snapshot; while it runs it collects the in-memory state (meta, leases,
// dedup clients) so `restored()` can switch to it without reading.
import type { SnapshotMeta } from '../../raft/core/index.ts';
import type { BatchOp } from '../../raft/log-store.ts';
import { decodeMeta, encodeMeta, packr } from './codec.ts';
import type { Meta } from './codec.ts';
import { DedupImage } from './dedup.ts';
import type { AbstractSnapshot } from 'abstract-level';
import { equalBytes, installingKey, metaKey, restoringKey, stagingPrefix, stateMachineKeyMin, view } from './keys.ts';
import { LeaseImage } from './leases.ts';
import type { Db } from './reader.ts';

/** Default chunk size of a streamed image. */
export const snapshotChunkBytesDefault = 1 << 20;
/** Deletes per batch of a chunked restore. */
export const restoreDeletesPerBatchMax = 10_000;

/** The live state: from 0x10 up to the staging area (staged chunks are not part of it). */
export const stateMachineKeys = { gte: Uint8Array.of(stateMachineKeyMin), lt: Uint8Array.of(stagingPrefix) };

/** Marks of a restore or install under way: never part of an image. */
function isMark(key: Uint8Array): boolean {
  return equalBytes(key, restoringKey) || equalBytes(key, installingKey);
}

/** The image as chunks; read inside `snapshot` when given (an explicit LevelDB snapshot), else the iterator's own. */
export async function* imageChunks(db: Db, chunkBytes: number, snapshot?: AbstractSnapshot): AsyncGenerator<Uint8Array> {
  let pairs: Array<[Uint8Array, Uint8Array]> = [];
  let bytes = 0;
  let yielded = false;
  for await (const [key, value] of db.iterator(snapshot ? { ...stateMachineKeys, snapshot } : stateMachineKeys)) {
    if (isMark(key)) continue;
    pairs.push([view(key), view(value)]);
    bytes += key.length + value.length;
    if (bytes >= chunkBytes) {
      yield packr.pack(pairs);
      yielded = true;
      pairs = [];
      bytes = 0;
    }
  }
  if (pairs.length > 0 || !yielded) yield packr.pack(pairs);
}

/** The in-memory state of an image, collected while its pairs go by. */
export class ImageState {
  meta: Meta = decodeMeta(undefined);
  readonly leases = new LeaseImage();
  readonly dedup = new DedupImage();

  /** Takes one pair of an image; returns the op that writes it (null for the meta record). */
  add(key: Uint8Array, value: Uint8Array): BatchOp | null {
    if (!(key.length > 0 && key[0] >= stateMachineKeyMin && key[0] < stagingPrefix)) {
      throw new Error(`snapshot image key starts with ${key[0]}, outside [0x10, 0x${stagingPrefix.toString(16)})`);
    }
    if (isMark(key)) throw new Error('snapshot image holds a restore mark');
    if (equalBytes(key, metaKey)) {
      this.meta = decodeMeta(value);
      return null;
    }
    if (!this.leases.add(key, value)) this.dedup.add(key, value);
    return { type: 'put', key, value };
  }

  /** The meta record at the snapshot's index. */
  metaOp(snapshot: SnapshotMeta): BatchOp {
    this.meta = { ...this.meta, appliedIndex: snapshot.index };
    return { type: 'put', key: metaKey, value: encodeMeta(this.meta) };
  }
}

export function pairsOfChunk(chunk: Uint8Array): Array<[Uint8Array, Uint8Array]> {
  const pairs = packr.unpack(chunk) as Array<[Uint8Array, Uint8Array]>;
  return pairs.map(([key, value]) => [view(key), view(value)]);
}

export function pairsOfImage(image: Uint8Array): Array<[Uint8Array, Uint8Array]> {
  if (image.length === 0) return [];
  const out: Array<[Uint8Array, Uint8Array]> = [];
  packr.unpackMultiple(image, (chunk: Array<[Uint8Array, Uint8Array]>) => {
    for (const [key, value] of chunk) out.push([view(key), view(value)]);
  });
  return out;
}

export async function deleteAllOps(db: Db): Promise<BatchOp[]> {
  const ops: BatchOp[] = [];
  for await (const key of db.keys(stateMachineKeys)) ops.push({ type: 'del', key: view(key) });
  return ops;
}
