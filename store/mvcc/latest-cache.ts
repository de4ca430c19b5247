// The latest records of recently read or written keys, in memory, so a single-key read at the
// current revision needs no LevelDB read. The applier is the only writer: after each batch is
// on disk it updates the records the batch wrote; a read that missed fills the cache only if no
// batch landed while it read (the epoch), so a stale value never gets in.
import { keyId, latestPrefix } from './keys.ts';
import type { BatchOp } from '../../raft/log-store.ts';

/** Bytes of records kept at most (keys and encoded values). */
export const latestCacheBytesMax = 64 << 20;

export class LatestCache {
  readonly #records = new Map<string, Uint8Array>();
  #bytes = 0;
  #epoch = 0;

  constructor(readonly bytesMax = latestCacheBytesMax) {}

  get epoch(): number {
    return this.#epoch;
  }

  /** The cached latest record of a database key (0x11 + key), or undefined when not cached. */
  get(dbKey: Uint8Array): Uint8Array | undefined {
    const id = keyId(dbKey);
    const record = this.#records.get(id);
    if (record === undefined) return undefined;
    this.#records.delete(id); // most recently used goes last
    this.#records.set(id, record);
    return record;
  }

  /** A record read from disk at `epoch`: kept only if nothing was applied since. */
  fill(dbKey: Uint8Array, record: Uint8Array, epoch: number): void {
    if (epoch === this.#epoch) this.#set(keyId(dbKey), record);
  }

  /** A batch is on disk: its writes to the latest index replace what was cached. */
  applied(ops: BatchOp[]): void {
    this.#epoch++;
    for (const op of ops) {
      if (op.key[0] !== latestPrefix) continue;
      const id = keyId(op.key);
      if (op.type === 'put') this.#set(id, op.value);
      else this.#delete(id);
    }
  }

  /** The state on disk was replaced (a snapshot installed, a restore): forget everything. */
  clear(): void {
    this.#epoch++;
    this.#records.clear();
    this.#bytes = 0;
  }

  #set(id: string, record: Uint8Array): void {
    this.#delete(id);
    // A copy: the record may be a view into a much larger buffer (LevelDB's or msgpackr's
    // pooled memory), which a cached view would keep alive.
    this.#records.set(id, Uint8Array.prototype.slice.call(record));
    this.#bytes += id.length + record.length;
    for (const [oldest, value] of this.#records) {
      if (this.#bytes <= this.bytesMax) break;
      this.#records.delete(oldest);
      this.#bytes -= oldest.length + value.length;
    }
  }

  #delete(id: string): void {
    const record = this.#records.get(id);
    if (record === undefined) return;
    this.#records.delete(id);
    this.#bytes -= id.length + record.length;
  }
}
