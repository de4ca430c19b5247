// Receiving a streamed image and installing it, crash-safe with bounded memory.
//
// Chunks arrive one by one and are written as they come, unchanged, under the staging prefix
// (0x1e be32(n)), with ordinary (non-sync) writes: nothing about the live state changes while
// they arrive, so an interrupted stream is discarded (the next stream or the next open() clears
// the staging area) and the member keeps serving its old state meanwhile.
//
// The switch is a roll-forward: the installing mark (the snapshot's meta) is written in the same
// sync batch as the Raft log's snapshot meta (raft/node.ts). LevelDB's write-ahead log is
// sequential, so that sync write also makes every staged chunk before it durable. From then on
// the new state is decided: the live keys are cleared, the staged pairs written, and a last sync
// batch writes the meta record and removes the mark. A crash anywhere in between leaves the mark,
// and open() runs the same steps again (each is idempotent) before anything is served; while
// they run in a live process, reads are refused (KEEL_SNAPSHOT_INSTALLING) so a mix of the old
// and the new state is never served.
import type { SnapshotMeta } from '../../raft/core/index.ts';
import type { BatchOp } from '../../raft/log-store.ts';
import { packr } from './codec.ts';
import { be64, installingKey, readBe64, stagingPrefix, stateMachineKeyMin, view } from './keys.ts';
import { ImageState, pairsOfChunk } from './snapshot.ts';
import type { Db } from './reader.ts';

/** Chunks of one staged image; the sequence number is 32 bits on disk. */
export const stagedChunksMax = 0xffff_ffff;

const stagingRange = { gte: Uint8Array.of(stagingPrefix), lt: Uint8Array.of(stagingPrefix + 1) };
/** The live keys an install clears: everything but the 0x10 records (meta and marks), which it overwrites. */
const liveDataRange = { gte: Uint8Array.of(stateMachineKeyMin + 1), lt: Uint8Array.of(stagingPrefix) };

export function stagingKey(seq: number): Uint8Array {
  if (!(Number.isInteger(seq) && seq >= 0 && seq <= stagedChunksMax)) throw new RangeError(`chunk number ${seq} is out of range`);
  const key = new Uint8Array(5);
  key[0] = stagingPrefix;
  new DataView(key.buffer).setUint32(1, seq);
  return key;
}

export async function clearStaging(db: Db): Promise<void> {
  await db.clear(stagingRange);
}

/** Writes chunk `seq` (after checking that it decodes into state-machine pairs). Not synced. */
export async function stageChunk(db: Db, seq: number, chunk: Uint8Array): Promise<void> {
  const check = new ImageState();
  for (const [key, value] of pairsOfChunk(chunk)) check.add(key, value); // throws on a bad chunk
  await db.put(stagingKey(seq), chunk);
}

/** The op that decides the install: it goes into the Raft log's sync batch with the snapshot meta. */
export function installingOp(meta: SnapshotMeta): BatchOp {
  return { type: 'put', key: installingKey, value: encodeInstalling(meta) };
}

export function encodeInstalling(meta: SnapshotMeta): Uint8Array {
  return packr.pack([be64(meta.index), meta.term, meta.conf.voters, meta.conf.learners]);
}

export function decodeInstalling(value: Uint8Array): SnapshotMeta {
  const [index, term, voters, learners] = packr.unpack(value) as [Uint8Array, number, number[], number[]];
  return { index: readBe64(view(index)), term, conf: { voters, learners } };
}

/**
 * Replaces the live state with the staged image: clears the live keys, writes the staged pairs
 * (one batch per chunk), then one sync batch with the meta record at `meta.index` that also
 * removes the mark; the staging area is cleared last. `afterBatch(n)` is a test hook.
 * Returns the in-memory state of the image.
 */
export async function rollForward(db: Db, meta: SnapshotMeta, afterBatch?: (n: number) => void): Promise<ImageState> {
  await db.clear(liveDataRange);
  const image = new ImageState();
  let batches = 0;
  for await (const [, chunk] of db.iterator(stagingRange)) {
    const puts: BatchOp[] = [];
    for (const [key, value] of pairsOfChunk(chunk)) {
      const op = image.add(key, value);
      if (op !== null) puts.push(op);
    }
    await db.batch(puts);
    afterBatch?.(++batches);
  }
  await db.batch([image.metaOp(meta), { type: 'del', key: installingKey }], { sync: true });
  await clearStaging(db);
  return image;
}
