// The durable Raft log and hard state of one member, in the LevelDB it shares with the state
// machine. Every record is framed as [crc32(body), body] (msgpack) and checked after every read;
// every write is checked before it goes out (indexes contiguous, terms never going back, a vote
// never changing within a term). A bad read stops the master with CorruptLogError: nothing is
// ever silently truncated.
//
// Key layout (the log store owns first bytes 0x01..0x0f, the state machine 0x10 and up):
//   0x01 'h'                     hard state       [term, vote, commit]
//   0x01 's'                     snapshot meta    [index, term, voters, learners]
//   0x02 + 8-byte big-endian i   entry i          [term, index, kind, data, change | null]
import { setTimeout as sleep } from 'node:timers/promises';
import type { Level } from 'level';
import { Packr } from 'msgpackr';
import { assert } from './core/assert.ts';
import type { ConfChange, Entry, HardState, SnapshotMeta } from './core/types.ts';
import { crc32 } from './crc32.ts';
import { CorruptLogError, StorageReadError, StorageWriteError } from './errors.ts';

export interface LogStoreOptions {
  /** The data directory, named in every storage error. */
  dir: string;
  /**
   * An open LevelDB (keyEncoding 'view', valueEncoding 'view') shared with the state machine; the
   * log store uses only keys starting with byte 0x01..0x0f; the state machine uses 0x10 and up.
   */
  db: Level<Uint8Array, Uint8Array>;
  /** Test hook: added delay in ms before every sync write (the lab's "slow disk"). Default 0. */
  syncDelayMs?: number;
  /**
   * Whether the log's writes wait for the disk (LevelDB's `sync`). Default true. false is the
   * benchmarks' NO FSYNC mode (`unsafeNoFsync`): a machine crash may lose acknowledged writes.
   */
  sync?: boolean;
}

export interface RecoveredLog {
  /** { term: 0, vote: 0, commit: 0 } when none was ever saved. */
  hardState: HardState;
  snapshot: SnapshotMeta | null;
  /** Every entry after the snapshot (or from index 1), contiguous. */
  entries: Entry[];
}

/**
 * A state-machine write that goes into the same atomic batch as the log. Keys start at 0x10.
 * A union rather than one shape with an optional value, so it also type-checks as a db.batch op.
 */
export type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

export interface LogUpdate {
  hardState: HardState | null;
  entries: Entry[];
  snapshot: SnapshotMeta | null;
  ops?: BatchOp[];
}

/** The first key byte the state machine may use. */
export const stateMachineKeyMin = 0x10;
/** Entries read per LevelDB round trip while loading. */
export const loadChunkEntriesMax = 1024;

const hardStateKey = Uint8Array.of(0x01, 0x68); // 0x01 'h'
const snapshotKey = Uint8Array.of(0x01, 0x73); // 0x01 's'
const entryPrefix = 0x02;
const entryKeyLength = 9;
const entryKeyEnd = Uint8Array.of(entryPrefix + 1);
const noHardState: HardState = { term: 0, vote: 0, commit: 0 };

// Records are arrays, so no structure definitions (records) are kept between encoder calls.
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export class LogStore {
  readonly #dir: string;
  readonly #db: Level<Uint8Array, Uint8Array>;
  #syncDelayMs: number;
  readonly #sync: boolean;
  #loaded = false;
  #queue: Promise<void> = Promise.resolve();
  /** The deletes of compacted entries, one compaction after another (see compact). */
  #clearing: Promise<void> = Promise.resolve();
  /** The first write error; after it the on-disk state is unknown and every write is refused. */
  #failure: StorageWriteError | null = null;
  // The bounded in-memory view: enough to plan the common append without reading.
  #hardState: HardState = noHardState;
  #snapshotIndex = 0;
  #snapshotTerm = 0;
  #last = 0;
  #lastTerm = 0;

  constructor(options: LogStoreOptions) {
    this.#dir = options.dir;
    this.#db = options.db;
    this.#syncDelayMs = options.syncDelayMs ?? 0;
    this.#sync = options.sync ?? true;
    assert(this.#syncDelayMs >= 0, `syncDelayMs ${this.#syncDelayMs} is negative`);
  }

  /** Test hook: the delay before every sync write from now on, ms (the lab's slow disk, changed at runtime). */
  setSyncDelay(ms: number): void {
    assert(Number.isFinite(ms) && ms >= 0, `syncDelayMs ${ms} is not a non-negative number`);
    this.#syncDelayMs = ms;
  }

  /**
   * Reads hard state, snapshot meta and every entry after it; verifies every record's CRC32, that
   * indexes are contiguous from snapshot.index+1, terms never decrease, and the commit index is
   * not beyond the last entry. Throws CorruptLogError or StorageReadError.
   */
  async load(): Promise<RecoveredLog> {
    const hardState = await this.#readHardState();
    const snapshot = await this.#readSnapshot();
    const entries = await this.#readEntries(snapshot);
    const lastEntry = entries.length > 0 ? entries[entries.length - 1] : null;
    const last = lastEntry?.index ?? snapshot?.index ?? 0;
    if (hardState.commit > last) {
      const detail = `the hard state's commit index ${hardState.commit} is beyond the last stored entry ${last}`;
      throw new CorruptLogError(this.#dir, last + 1, 'entry', `${detail}: committed entries are missing`);
    }
    this.#hardState = hardState;
    this.#snapshotIndex = snapshot?.index ?? 0;
    this.#snapshotTerm = snapshot?.term ?? 0;
    this.#last = last;
    this.#lastTerm = lastEntry?.term ?? this.#snapshotTerm;
    this.#loaded = true;
    return { hardState, snapshot, entries };
  }

  /**
   * One atomic sync write (db.batch with { sync: true }): if `snapshot` is given it replaces the
   * whole log (stores the meta; no entry at or below it is visible any more, those above it are
   * deleted); then `entries` replace any stored entries from entries[0].index on (the stored
   * suffix beyond the new last index is deleted too); then the hard state and `ops`.
   * Entries at or below a new snapshot are cleared right after the batch (see #clearThrough).
   * Throws StorageWriteError; a broken precondition is an assertion.
   */
  save(update: LogUpdate): Promise<void> {
    return this.#serially(async () => {
      const plan = this.#plan(update);
      const batch = this.#batchOf(update, plan);
      if (batch.length === 0) return;
      await this.#syncWrite(batch);
      this.#adopt(update, plan);
      if (update.snapshot !== null) await this.#clearThrough(update.snapshot.index);
    });
  }

  /**
   * Deletes entries with index <= `target`, which must not pass the stored snapshot. Given a
   * SnapshotMeta instead (a local state-machine snapshot, RawNode.createSnapshot), it first stores
   * that meta with a sync write, keeping the entries after it, then deletes those up to its index.
   * Throws StorageWriteError; a broken precondition is an assertion.
   */
  compact(target: number | SnapshotMeta): Promise<void> {
    return this.#serially(async () => {
      if (typeof target !== 'number') await this.#saveLocalSnapshot(target);
      const index = typeof target === 'number' ? target : target.index;
      assert(index <= this.#snapshotIndex, `compacting ${index} past the snapshot at ${this.#snapshotIndex}`);
      // The deletes run behind the queue, not in it: thousands of them would hold up the next
      // sync write for tens of milliseconds. Nothing a later write does touches these entries
      // (a truncation never reaches a committed one), and load() never reads below the snapshot.
      // A failure is recorded by #clearThrough (every later write throws it) and rejects
      // settled(); the next compaction's deletes still run after it.
      const run = this.#clearing.catch(() => undefined).then(() => this.#clearThrough(index));
      run.catch(() => undefined); // handled by whoever awaits settled(), if anyone does
      this.#clearing = run;
    });
  }

  /**
   * Resolves once the deletes of every compaction so far are done; rejects with the
   * StorageWriteError of the last one if it failed. Await it before closing the database.
   */
  settled(): Promise<void> {
    return this.#clearing;
  }

  /** The first and last index of the log; first = last + 1 when it holds no entry. */
  bounds(): { first: number; last: number } {
    return { first: this.#snapshotIndex + 1, last: this.#last };
  }

  /**
   * Runs writes one after another in call order, so each plans against the view the previous one
   * left. The queue holds what callers have not awaited yet; the driver awaits every write.
   */
  #serially(write: () => Promise<void>): Promise<void> {
    assert(this.#loaded, 'the log store is written before load()');
    const run = this.#queue.then(() => {
      if (this.#failure !== null) throw this.#failure;
      return write();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The pre-write checks: returns the view after the update. */
  #plan(update: LogUpdate): { snapshotIndex: number; last: number; lastTerm: number } {
    let snapshotIndex = this.#snapshotIndex;
    let last = this.#last;
    let lastTerm = this.#lastTerm;
    const snapshot = update.snapshot;
    if (snapshot !== null) {
      checkSnapshotMeta(snapshot);
      assert(snapshot.index >= snapshotIndex, `snapshot ${snapshot.index} is older than the stored ${snapshotIndex}`);
      snapshotIndex = snapshot.index;
      last = snapshot.index;
      lastTerm = snapshot.term;
    }
    const entries = update.entries;
    if (entries.length > 0) {
      checkEntries(entries, snapshotIndex, last, lastTerm, this.#hardState.commit);
      last = entries[entries.length - 1].index;
      lastTerm = entries[entries.length - 1].term;
    }
    checkHardState(update.hardState ?? this.#hardState, this.#hardState, last, lastTerm);
    return { snapshotIndex, last, lastTerm };
  }

  #batchOf(update: LogUpdate, plan: { last: number }): BatchOp[] {
    const batch: BatchOp[] = [];
    if (update.snapshot !== null) batch.push({ type: 'put', key: snapshotKey, value: encodeSnapshotMeta(update.snapshot) });
    for (const entry of update.entries) batch.push({ type: 'put', key: entryKey(entry.index), value: encodeEntry(entry) });
    // The stored suffix beyond the new last index (at or below a new snapshot: #clearThrough).
    for (let index = plan.last + 1; index <= this.#last; index++) {
      batch.push({ type: 'del', key: entryKey(index) });
    }
    if (update.hardState !== null) batch.push({ type: 'put', key: hardStateKey, value: encodeHardState(update.hardState) });
    for (const op of update.ops ?? []) batch.push(stateMachineOp(op));
    return batch;
  }

  #adopt(update: LogUpdate, plan: { snapshotIndex: number; last: number; lastTerm: number }): void {
    if (update.hardState !== null) this.#hardState = { ...update.hardState };
    if (update.snapshot !== null) this.#snapshotTerm = update.snapshot.term;
    this.#snapshotIndex = plan.snapshotIndex;
    this.#last = plan.last;
    this.#lastTerm = plan.lastTerm;
  }

  async #saveLocalSnapshot(snapshot: SnapshotMeta): Promise<void> {
    checkSnapshotMeta(snapshot);
    assert(snapshot.index >= this.#snapshotIndex, `snapshot ${snapshot.index} is older than the stored ${this.#snapshotIndex}`);
    assert(snapshot.index <= this.#last, `a local snapshot at ${snapshot.index} is beyond the last entry ${this.#last}`);
    const term = snapshot.index === this.#snapshotIndex ? this.#snapshotTerm : (await this.#readEntry(snapshot.index)).term;
    assert(term === snapshot.term, `snapshot at ${snapshot.index} has term ${snapshot.term}, the log has ${term}`);
    await this.#syncWrite([{ type: 'put', key: snapshotKey, value: encodeSnapshotMeta(snapshot) }]);
    this.#snapshotIndex = snapshot.index;
    this.#snapshotTerm = snapshot.term;
  }

  /**
   * Deletes every stored entry with index <= `index`. Not atomic with the snapshot meta and need
   * not be: load() never reads below the snapshot, so a crash in between leaves only dead rows,
   * and deleting them outside the sync batch keeps that batch bounded by the live log.
   */
  async #clearThrough(index: number): Promise<void> {
    try {
      await this.#db.clear({ gte: entryKey(0), lte: entryKey(index) });
    } catch (cause) {
      throw this.#failed(cause);
    }
  }

  /** One atomic batch with { sync: true } (false only in the NO FSYNC mode), after the test hook's delay. */
  async #syncWrite(batch: BatchOp[]): Promise<void> {
    if (this.#syncDelayMs > 0) await sleep(this.#syncDelayMs);
    try {
      await this.#db.batch(batch, { sync: this.#sync });
    } catch (cause) {
      throw this.#failed(cause);
    }
  }

  #failed(cause: unknown): StorageWriteError {
    this.#failure = new StorageWriteError(this.#dir, cause);
    return this.#failure;
  }

  async #readHardState(): Promise<HardState> {
    const value = await this.#get(hardStateKey);
    if (value === undefined) return { ...noHardState };
    return decodeHardState(this.#unframe(value, null, 'hard-state'), this.#dir);
  }

  async #readSnapshot(): Promise<SnapshotMeta | null> {
    const value = await this.#get(snapshotKey);
    if (value === undefined) return null;
    return decodeSnapshotMeta(this.#unframe(value, null, 'snapshot-meta'), this.#dir);
  }

  async #readEntry(index: number): Promise<Entry> {
    const value = await this.#get(entryKey(index));
    if (value === undefined) throw new CorruptLogError(this.#dir, index, 'entry', `entry ${index} is missing`);
    return decodeEntry(this.#unframe(value, index, 'entry'), index, this.#dir);
  }

  /** Every entry from snapshot.index+1 on, each checked against its key and its predecessor. */
  async #readEntries(snapshot: SnapshotMeta | null): Promise<Entry[]> {
    const entries: Entry[] = [];
    let expected = (snapshot?.index ?? 0) + 1;
    let previousTerm = snapshot?.term ?? 0;
    const iterator = this.#reading(() => this.#db.iterator({ gte: entryKey(expected), lt: entryKeyEnd }));
    try {
      for (;;) {
        const chunk = await this.#readingAsync(() => iterator.nextv(loadChunkEntriesMax));
        if (chunk.length === 0) return entries;
        for (const [key, value] of chunk) {
          const entry = this.#checkedEntry(key, value, expected, previousTerm);
          entries.push(entry);
          expected += 1;
          previousTerm = entry.term;
        }
      }
    } finally {
      await iterator.close().catch(() => undefined); // a read error is already on its way out
    }
  }

  #checkedEntry(key: Uint8Array, value: Uint8Array, expected: number, previousTerm: number): Entry {
    const index = indexOfKey(key);
    if (index !== expected) {
      throw new CorruptLogError(this.#dir, expected, 'entry', `entry ${expected} is missing (the next stored is ${index})`);
    }
    const entry = decodeEntry(this.#unframe(value, index, 'entry'), index, this.#dir);
    if (entry.term < previousTerm) {
      throw new CorruptLogError(this.#dir, index, 'entry', `term ${entry.term} is below the previous term ${previousTerm}`);
    }
    return entry;
  }

  /** The body of a framed record after its checksum is verified. */
  #unframe(value: Uint8Array, index: number | null, record: CorruptLogError['record']): unknown {
    const corrupt = (detail: string) => new CorruptLogError(this.#dir, index, record, detail);
    let frame: unknown;
    try {
      frame = packr.unpack(value);
    } catch (error) {
      throw corrupt(`undecodable record: ${(error as Error).message}`);
    }
    if (!Array.isArray(frame) || frame.length !== 2 || !(frame[1] instanceof Uint8Array)) throw corrupt('malformed frame');
    const [stored, body] = frame as [unknown, Uint8Array];
    const actual = crc32(body);
    if (stored !== actual) throw corrupt(`checksum mismatch: stored ${String(stored)}, computed ${actual}`);
    try {
      return packr.unpack(body);
    } catch (error) {
      throw corrupt(`undecodable body: ${(error as Error).message}`);
    }
  }

  async #get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#readingAsync(() => this.#db.get(key));
  }

  #reading<T>(read: () => T): T {
    try {
      return read();
    } catch (cause) {
      throw new StorageReadError(this.#dir, cause);
    }
  }

  async #readingAsync<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (cause) {
      throw new StorageReadError(this.#dir, cause);
    }
  }
}

// ---- keys ----

/** The key of entry `index`: 0x02 then the index as 8 bytes big-endian, so key order = index order. */
export function entryKey(index: number): Uint8Array {
  assert(Number.isSafeInteger(index) && index >= 0, `entry index ${index} is not a non-negative safe integer`);
  const key = new Uint8Array(entryKeyLength);
  const view = new DataView(key.buffer);
  key[0] = entryPrefix;
  view.setUint32(1, Math.floor(index / 2 ** 32));
  view.setUint32(5, index >>> 0);
  return key;
}

function indexOfKey(key: Uint8Array): number {
  assert(key.length === entryKeyLength && key[0] === entryPrefix, 'not an entry key');
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return view.getUint32(1) * 2 ** 32 + view.getUint32(5);
}

function stateMachineOp(op: BatchOp): BatchOp {
  assert(op.key.length > 0 && op.key[0] >= stateMachineKeyMin, `state-machine key starts with ${op.key[0]}, below 0x10`);
  assert(op.type === 'del' || op.value instanceof Uint8Array, 'a state-machine put without a value');
  return op;
}

// ---- pre-write checks (programmer errors: the driver or the core broke an invariant) ----

function checkEntries(entries: Entry[], snapshotIndex: number, last: number, lastTerm: number, commit: number): void {
  const first = entries[0].index;
  assert(first > snapshotIndex, `entry ${first} is at or below the snapshot at ${snapshotIndex}`);
  assert(first > commit, `entry ${first} would replace a committed entry (commit ${commit})`);
  assert(first <= last + 1, `entry ${first} would leave a gap after the last entry ${last}`);
  if (first === last + 1) assert(entries[0].term >= lastTerm, `entry ${first} has term ${entries[0].term} < ${lastTerm}`);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    assert(entry.index === first + i, `log gap at ${first + i}: got entry ${entry.index}`);
    // Term 0 is legal: the founding membership entry at index 1 is written in term 0.
    assert(Number.isSafeInteger(entry.term) && entry.term >= 0, `entry ${entry.index} has term ${entry.term}`);
    assert(i === 0 || entry.term >= entries[i - 1].term, `entry ${entry.index}'s term goes back`);
    assert(entry.kind === 'normal' || entry.kind === 'conf', `entry ${entry.index} has kind ${entry.kind}`);
    assert(entry.data instanceof Uint8Array, `entry ${entry.index}'s data is not a Uint8Array`);
  }
}

function checkHardState(next: HardState, stored: HardState, last: number, lastTerm: number): void {
  assert(next.term >= stored.term, `term goes back from ${stored.term} to ${next.term}`);
  const revote = next.term === stored.term && stored.vote !== 0 && next.vote !== stored.vote;
  assert(!revote, `vote changes from ${stored.vote} to ${next.vote} in term ${next.term}`);
  assert(next.term >= lastTerm, `term ${next.term} is below the last entry's term ${lastTerm}`);
  assert(next.commit <= last, `commit ${next.commit} is beyond the last entry ${last}`);
}

function checkSnapshotMeta(meta: SnapshotMeta): void {
  assert(Number.isSafeInteger(meta.index) && meta.index >= 0, `snapshot index ${meta.index}`);
  assert(Number.isSafeInteger(meta.term) && meta.term >= 0, `snapshot term ${meta.term}`);
}

// ---- codec: a body is packed, then framed with its CRC32 ----

function frame(body: unknown[]): Uint8Array {
  const bytes = packr.pack(body);
  // Packr hands out slices of one reusable buffer; copy so a later pack can never touch a value
  // that LevelDB has not consumed yet.
  return new Uint8Array(packr.pack([crc32(bytes), bytes]));
}

function encodeEntry(entry: Entry): Uint8Array {
  return frame([entry.term, entry.index, entry.kind, entry.data, entry.change ?? null]);
}

function encodeHardState(hardState: HardState): Uint8Array {
  return frame([hardState.term, hardState.vote, hardState.commit]);
}

function encodeSnapshotMeta(meta: SnapshotMeta): Uint8Array {
  return frame([meta.index, meta.term, meta.conf.voters, meta.conf.learners]);
}

function decodeEntry(body: unknown, index: number, dir: string): Entry {
  const corrupt = (detail: string) => new CorruptLogError(dir, index, 'entry', detail);
  if (!Array.isArray(body) || body.length !== 5) throw corrupt('malformed entry');
  const [term, bodyIndex, kind, data, change] = body as unknown[];
  if (bodyIndex !== index) throw corrupt(`the entry stored under index ${index} says it is ${String(bodyIndex)}`);
  if (!isCount(term) || (kind !== 'normal' && kind !== 'conf') || !(data instanceof Uint8Array)) throw corrupt('malformed entry');
  if (change !== null && !isConfChange(change)) throw corrupt('malformed membership change');
  // msgpackr returns Buffer or a view into the read buffer; hand out a plain, owned Uint8Array.
  const entry: Entry = { term, index, kind, data: new Uint8Array(data) };
  if (change !== null) entry.change = change;
  return entry;
}

function decodeHardState(body: unknown, dir: string): HardState {
  if (!Array.isArray(body) || body.length !== 3 || !body.every(isCount)) {
    throw new CorruptLogError(dir, null, 'hard-state', 'malformed hard state');
  }
  const [term, vote, commit] = body as number[];
  return { term, vote, commit };
}

function decodeSnapshotMeta(body: unknown, dir: string): SnapshotMeta {
  const ok = Array.isArray(body) && body.length === 4 && isCount(body[0]) && isCount(body[1]) && isIdList(body[2]) && isIdList(body[3]);
  if (!ok) throw new CorruptLogError(dir, null, 'snapshot-meta', 'malformed snapshot meta');
  const [index, term, voters, learners] = body as [number, number, number[], number[]];
  return { index, term, conf: { voters: [...voters], learners: [...learners] } };
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every(isCount);
}

/** The shape every ConfChange shares; the core checks the rest of its own type. */
function isConfChange(value: unknown): value is ConfChange {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { type, node } = value as { type?: unknown; node?: unknown };
  return typeof type === 'string' && isCount(node);
}
