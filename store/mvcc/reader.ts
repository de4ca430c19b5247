// Reading the state machine's keys, either from a LevelDB snapshot (the read path) or through the
// in-memory overlay of an apply batch being built (so later entries of a batch see earlier ones).
// Both give the same cursor: ascending keys in [gte, lt), with seek.
import type { AbstractSnapshot } from 'abstract-level';
import type { Level } from 'level';
import type { BatchOp } from '../../raft/log-store.ts';
import { compareBytes, keyId, view } from './keys.ts';

export type Db = Level<Uint8Array, Uint8Array>;
export type Pair = [Uint8Array, Uint8Array];

export interface Cursor {
  /** The next pair in key order, or undefined at the end. */
  next(): Promise<Pair | undefined>;
  /** The next `next()` returns the first pair with key >= target. */
  seek(target: Uint8Array): void;
  close(): Promise<void>;
}

export interface Reader {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  cursor(gte: Uint8Array, lt: Uint8Array): Cursor;
}

type DbIterator = ReturnType<Db['iterator']>;

/** Reads LevelDB directly, optionally inside an explicit snapshot. */
export class DbReader implements Reader {
  readonly #db: Db;
  readonly #snapshot: AbstractSnapshot | undefined;

  constructor(db: Db, snapshot?: AbstractSnapshot) {
    this.#db = db;
    this.#snapshot = snapshot;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const value = await this.#db.get(key, this.#snapshot ? { snapshot: this.#snapshot } : {});
    return value === undefined ? undefined : view(value);
  }

  cursor(gte: Uint8Array, lt: Uint8Array): Cursor {
    const it = this.#db.iterator(this.#snapshot ? { gte, lt, snapshot: this.#snapshot } : { gte, lt });
    return new DbCursor(it, gte);
  }
}

class DbCursor implements Cursor {
  readonly #it: DbIterator;
  readonly #gte: Uint8Array;

  constructor(it: DbIterator, gte: Uint8Array) {
    this.#it = it;
    this.#gte = gte;
  }

  async next(): Promise<Pair | undefined> {
    const pair = (await this.#it.next()) as Pair | undefined;
    return pair === undefined ? undefined : [view(pair[0]), view(pair[1])];
  }

  seek(target: Uint8Array): void {
    this.#it.seek(compareBytes(target, this.#gte) < 0 ? this.#gte : target);
  }

  close(): Promise<void> {
    return this.#it.close();
  }
}

interface OverlayEntry {
  key: Uint8Array;
  /** null: deleted in this batch. */
  value: Uint8Array | null;
}

/**
 * The writes of an apply batch being built, in memory, over LevelDB. Reads see the batch's own
 * writes; `ops()` is the batch (the last write of each key wins).
 */
/** Stored records by database key, each equal to what LevelDB holds for it (undefined: not known). */
export interface RecordCache {
  /** null: known to be absent. */
  get(dbKey: Uint8Array): Uint8Array | null | undefined;
}

export class BatchWriter implements Reader {
  readonly #db: Db;
  readonly #overlay = new Map<string, OverlayEntry>();
  /** Values read ahead for this batch (null: absent), so applying it waits on one read, not one per key. */
  readonly #prefetched = new Map<string, Uint8Array | null>();

  /** Records known to equal what is on disk (the latest cache): read from here before LevelDB. */
  readonly #cache: RecordCache | undefined;

  constructor(db: Db, cache?: RecordCache) {
    this.#db = db;
    this.#cache = cache;
  }

  /** Reads `keys` in one call (LevelDB getMany), those the cache does not hold; later gets of them need no read. */
  async prefetch(keys: Uint8Array[]): Promise<void> {
    const wanted: Uint8Array[] = [];
    for (const key of keys) {
      const id = keyId(key);
      if (this.#overlay.has(id) || this.#prefetched.has(id)) continue;
      const cached = this.#cache?.get(key);
      if (cached !== undefined) this.#prefetched.set(id, cached);
      else wanted.push(key);
    }
    if (wanted.length === 0) return;
    const values = await this.#db.getMany(wanted);
    for (let i = 0; i < wanted.length; i++) {
      const value = values[i];
      this.#prefetched.set(keyId(wanted[i]), value === undefined ? null : view(value));
    }
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.#overlay.set(keyId(key), { key, value });
  }

  del(key: Uint8Array): void {
    this.#overlay.set(keyId(key), { key, value: null });
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const id = keyId(key);
    const entry = this.#overlay.get(id);
    if (entry !== undefined) return entry.value ?? undefined;
    const prefetched = this.#prefetched.get(id);
    if (prefetched !== undefined) return prefetched ?? undefined;
    const value = await this.#db.get(key);
    return value === undefined ? undefined : view(value);
  }

  cursor(gte: Uint8Array, lt: Uint8Array): Cursor {
    // The overlay's entries in range, sorted once: later writes of the batch are not seen by this
    // cursor (callers open a new cursor per read).
    const entries: OverlayEntry[] = [];
    for (const entry of this.#overlay.values()) {
      if (compareBytes(entry.key, gte) >= 0 && compareBytes(entry.key, lt) < 0) entries.push(entry);
    }
    entries.sort((a, b) => compareBytes(a.key, b.key));
    return new MergedCursor(new DbReader(this.#db).cursor(gte, lt), entries, gte);
  }

  ops(): BatchOp[] {
    const ops: BatchOp[] = [];
    for (const { key, value } of this.#overlay.values()) {
      ops.push(value === null ? { type: 'del', key } : { type: 'put', key, value });
    }
    return ops;
  }
}

class MergedCursor implements Cursor {
  readonly #db: Cursor;
  readonly #overlay: OverlayEntry[];
  readonly #gte: Uint8Array;
  #at = 0;
  /** The database's next pair; null: not fetched yet. */
  #head: Pair | undefined | null = null;

  constructor(db: Cursor, overlay: OverlayEntry[], gte: Uint8Array) {
    this.#db = db;
    this.#overlay = overlay;
    this.#gte = gte;
  }

  async next(): Promise<Pair | undefined> {
    for (;;) {
      if (this.#head === null) this.#head = await this.#db.next();
      const head = this.#head;
      const mine = this.#at < this.#overlay.length ? this.#overlay[this.#at] : undefined;
      if (head === undefined && mine === undefined) return undefined;
      const order = head === undefined ? 1 : mine === undefined ? -1 : compareBytes(head[0], mine.key);
      if (order < 0) {
        this.#head = null;
        return head;
      }
      if (order === 0) this.#head = null; // the overlay's write replaces the stored pair
      this.#at++;
      if (mine!.value !== null) return [mine!.key, mine!.value];
    }
  }

  seek(target: Uint8Array): void {
    const from = compareBytes(target, this.#gte) < 0 ? this.#gte : target;
    this.#db.seek(from);
    this.#head = null;
    let lo = 0;
    let hi = this.#overlay.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(this.#overlay[mid].key, from) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.#at = lo;
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}
