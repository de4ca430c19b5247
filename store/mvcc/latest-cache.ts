// The latest records of recently read or written keys, in memory, so a single-key read at the
// current revision needs no LevelDB read, and a leader's apply finds the records its writes
// replace. The applier is the only writer: after each batch is on disk it updates the records
// the batch wrote. A read that missed fills the cache only if no batch that landed while it read
// wrote that key (each recent batch's keys are kept for the check), so a stale value never gets
// in. A record may be null: the key is known to be absent.
import { keyId, latestPrefix } from './keys.ts';
import type { BatchOp } from '../../raft/log-store.ts';

/** Bytes of records kept at most (keys and encoded values). */
export const latestCacheBytesMax = 64 << 20;
/** Recent batches whose keys fill() checks; a read that spans more batches fills nothing. */
export const recentBatchesMax = 1024;

export class LatestCache {
  readonly #records = new Map<string, Uint8Array | null>();
  #bytes = 0;
  #epoch = 0;
  /** The latest-index keys of each recent batch, oldest first, with the epoch it began. */
  readonly #recent: Array<{ epoch: number; ids: Set<string> }> = [];

  constructor(readonly bytesMax = latestCacheBytesMax) {}

  get epoch(): number {
    return this.#epoch;
  }

  /** The cached latest record of a database key (0x11 + key): null when absent, undefined when not cached. */
  get(dbKey: Uint8Array): Uint8Array | null | undefined {
    const id = keyId(dbKey);
    const record = this.#records.get(id);
    if (record === undefined) return undefined;
    this.#records.delete(id); // most recently used goes last
    this.#records.set(id, record);
    return record;
  }

  /** Whether a database key's latest record is cached (without marking it used). */
  has(dbKey: Uint8Array): boolean {
    return this.#records.has(keyId(dbKey));
  }

  /**
   * A record read from disk (null: absent) by a read that began at `epoch`: kept unless a batch
   * that landed since wrote the key, or more batches landed than are remembered.
   */
  fill(dbKey: Uint8Array, record: Uint8Array | null, epoch: number): void {
    const id = keyId(dbKey);
    if (epoch !== this.#epoch) {
      const recent = this.#recent;
      if (recent.length === 0 || recent[0].epoch > epoch + 1) return; // not all of them are remembered
      for (let i = recent.length - 1; i >= 0 && recent[i].epoch > epoch; i--) {
        if (recent[i].ids.has(id)) return;
      }
    }
    this.#set(id, record);
  }

  /** A batch is on disk: its writes to the latest index replace what was cached. */
  applied(ops: BatchOp[]): void {
    this.#epoch++;
    const ids = new Set<string>();
    for (const op of ops) {
      if (op.key[0] !== latestPrefix) continue;
      const id = keyId(op.key);
      ids.add(id);
      if (op.type === 'put') this.#set(id, op.value);
      else this.#delete(id);
    }
    this.#recent.push({ epoch: this.#epoch, ids });
    if (this.#recent.length > recentBatchesMax) this.#recent.shift();
  }

  /** The state on disk was replaced (a snapshot installed, a restore): forget everything. */
  clear(): void {
    this.#epoch++; // with no batch remembered for it: no read begun before fills anything
    this.#records.clear();
    this.#recent.length = 0;
    this.#bytes = 0;
  }

  #set(id: string, record: Uint8Array | null): void {
    this.#delete(id);
    // A copy: the record may be a view into a much larger buffer (LevelDB's or msgpackr's
    // pooled memory), which a cached view would keep alive.
    this.#records.set(id, record === null ? null : Uint8Array.prototype.slice.call(record));
    this.#bytes += id.length + (record?.length ?? 0);
    for (const [oldest, value] of this.#records) {
      if (this.#bytes <= this.bytesMax) break;
      this.#records.delete(oldest);
      this.#bytes -= oldest.length + (value?.length ?? 0);
    }
  }

  #delete(id: string): void {
    const record = this.#records.get(id);
    if (record === undefined) return;
    this.#records.delete(id);
    this.#bytes -= id.length + (record?.length ?? 0);
  }
}
