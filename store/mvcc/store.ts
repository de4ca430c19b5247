// The MVCC state machine on LevelDB, etcd's data model: one cluster-wide revision, per key its
// create/mod revision and version, reads at the current or a past revision, txns, compaction,
// leases, a revision log for watches, and an exactly-once table. Every apply call is one LevelDB
// batch that also stores the applied index and the revision, so a crash never separates them.
// The key layout is in keys.ts.
import type { Entry, SnapshotMeta } from '../../raft/core/index.ts';
import { assert } from '../../raft/core/index.ts';
import type { BatchOp } from '../../raft/log-store.ts';
import type { ImageSource, StateMachine } from '../../raft/node.ts';
import { decodeEntryData, decodeEnvelope, decodeEvent, decodeKv, decodeMeta, encodeMeta } from './codec.ts';
import type { EventRef, Meta } from './codec.ts';
import { applyCommand } from './commands.ts';
import { DedupImage, DedupTable, dedupClientsMaxDefault, dedupWindowDefault } from './dedup.ts';
import { CommandFailure, CompactedError, FutureRevisionError, RestoreIncompleteError, SnapshotInstallingError, errorCodes } from './errors.ts';
import { clearStaging, decodeInstalling, installingOp, rollForward, stageChunk } from './image-staging.ts';
import { dedupKey, dedupPrefix, historyKey, historyKeyPrefix, inRange, installingKey, latestKey, latestPrefix, leasePrefix, metaKey, restoringKey, revisionLogStart, revisionOfLogKey, view } from './keys.ts';
import { rangeResponse, scanAt, scanLatest, scanOptions } from './kv-index.ts';
import { LatestCache } from './latest-cache.ts';
import { LeaseImage, LeaseTable } from './leases.ts';
import { BatchWriter, DbReader } from './reader.ts';
import type { Db } from './reader.ts';
import { deleteAllOps, ImageState, imageChunks, pairsOfChunk, pairsOfImage, restoreDeletesPerBatchMax, snapshotChunkBytesDefault } from './snapshot.ts';
import type { CommandResult, Envelope, KeyRange, KeyValue, LeaseInfo, RangeRequest, RangeResponse } from './types.ts';
import type { AbstractSnapshot } from 'abstract-level';
import type { BatchState, RevisionEvent } from './write-txn.ts';

export interface MvccStoreOptions {
  /** Sequence numbers remembered per client for exactly-once writes. Default 64. */
  dedupWindow?: number;
  /** Clients remembered; the least recently active (by log index) is evicted first. Default 10,000. */
  dedupClientsMax?: number;
  /** Test hook: called after each batch of staged pairs an install writes (the lab kills the process there). */
  afterInstallBatch?: (batches: number) => void;
}

export interface HistoryResult {
  events: RevisionEvent[];
  compactRevision: number;
}

export type AppliedListener = (events: RevisionEvent[], revision: number) => void;

export class MvccStore implements StateMachine {
  readonly #db: Db;
  readonly #dedup: DedupTable;
  readonly #leases = new LeaseTable();
  #meta: Meta = decodeMeta(undefined);
  /** The revision after the last batch answered before its write landed (headerRevision). */
  #answeredRevision = 0;
  #opened = false;
  #applying = false;
  /** The first failed batch write: the in-memory state is no longer trusted, nothing more is applied. */
  #failure: Error | null = null;
  #listeners = new Set<AppliedListener>();
  /** Collected by restoreOps, switched to by restored(). */
  #restoring: ImageState | null = null;
  /** A staged image is being installed: the state on disk is a mix, reads are refused. */
  #installing = false;
  /** Latest records of hot keys, for single-key reads. */
  readonly #latest = new LatestCache();
  /** Keys to read ahead at the end of this event-loop turn (readAhead). */
  #readAheadKeys: Uint8Array[] = [];
  #readAheadScheduled = false;
  readonly #afterInstallBatch: ((batches: number) => void) | undefined;

  constructor(db: Db, options: MvccStoreOptions = {}) {
    this.#db = db;
    this.#afterInstallBatch = options.afterInstallBatch;
    this.#dedup = new DedupTable(options.dedupWindow ?? dedupWindowDefault, options.dedupClientsMax ?? dedupClientsMaxDefault);
  }

  /** Loads meta, leases and the dedup clients. Fails with KEEL_RESTORE_INCOMPLETE after an interrupted chunked restore. */
  async open(): Promise<void> {
    if ((await this.#db.get(restoringKey)) !== undefined) throw new RestoreIncompleteError();
    // An install decided before a crash is finished before anything is read; a staged image that
    // was never decided is dropped.
    const installing = await this.#db.get(installingKey);
    if (installing !== undefined) await rollForward(this.#db, decodeInstalling(installing));
    else await clearStaging(this.#db);
    const reader = new DbReader(this.#db);
    this.#meta = decodeMeta(await reader.get(metaKey));
    const leases = new LeaseImage();
    const dedup = new DedupImage();
    const cursor = reader.cursor(Uint8Array.of(leasePrefix), Uint8Array.of(dedupPrefix + 1));
    try {
      for (let pair = await cursor.next(); pair !== undefined; pair = await cursor.next()) {
        if (!leases.add(pair[0], pair[1])) dedup.add(pair[0], pair[1]);
      }
    } finally {
      await cursor.close();
    }
    this.#leases.replace(leases);
    this.#dedup.replace(dedup);
    this.#opened = true;
  }

  async appliedIndex(): Promise<number> {
    this.#assertUsable();
    return this.#meta.appliedIndex;
  }

  get currentRevision(): number {
    return this.#meta.revision;
  }

  /**
   * The revision a response header names: the current one, or the revision of a batch whose
   * results were already answered (apply's `answer`) while its write is landing, so that no
   * header goes back behind a write its member has answered.
   */
  get headerRevision(): number {
    return Math.max(this.#meta.revision, this.#answeredRevision);
  }

  get compactRevision(): number {
    return this.#meta.compactRevision;
  }

  /**
   * Reads ahead, into the latest cache, the records `envelope`'s command will read when it is
   * applied, so that a leader's apply finds them there instead of waiting on LevelDB: called as
   * the command is proposed, the read runs while it replicates. The keys of one event-loop turn
   * go in one read. A read that fails, or that a batch writing the key overtakes, leaves the
   * apply to read for itself.
   */
  readAhead(envelope: Envelope): void {
    if (!this.#opened || this.#failure !== null || this.#installing) return;
    const pending = this.#readAheadKeys;
    for (const key of keysRead([envelope])) if (key[0] === latestPrefix && !this.#latest.has(key)) pending.push(key);
    if (pending.length === 0 || this.#readAheadScheduled) return;
    this.#readAheadScheduled = true;
    setImmediate(() => {
      const keys = this.#readAheadKeys;
      this.#readAheadKeys = [];
      this.#readAheadScheduled = false;
      const epoch = this.#latest.epoch;
      this.#db.getMany(keys).then(
        (values) => {
          for (let i = 0; i < keys.length; i++) this.#latest.fill(keys[i], values[i] === undefined ? null : view(values[i]!), epoch);
        },
        () => undefined, // the apply reads these keys itself, and meets the error there if it lasts
      );
    });
  }

  /** Called synchronously after each apply batch is on disk, with its events in revision order. Must not throw. */
  onApplied(listener: AppliedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** See StateMachine.apply: `answer` gets the results once they are final, before the batch is written. */
  async apply(entries: Entry[], answer?: (results: unknown[]) => void): Promise<unknown[]> {
    this.#assertUsable();
    assert(!this.#applying, 'apply calls must not overlap');
    if (entries.length === 0) return [];
    this.#applying = true;
    try {
      return await this.#applyBatch(entries, answer);
    } finally {
      this.#applying = false;
    }
  }

  async #applyBatch(entries: Entry[], answer: ((results: unknown[]) => void) | undefined): Promise<unknown[]> {
    // The applier is the latest cache's only writer and updates it after every batch it lands,
    // so a cached record is what LevelDB holds: a batch of hot keys reads nothing from disk.
    const batch = new BatchWriter(this.#db, this.#latest);
    const meta = this.#meta;
    const state: BatchState = {
      batch, leases: this.#leases, revision: meta.revision, compactRevision: meta.compactRevision, leaseIdMax: meta.leaseIdMax, events: [],
    };
    const results: unknown[] = [];
    let index = meta.appliedIndex;
    const envelopes = entries.map(decodeEntry);
    await batch.prefetch(keysRead(envelopes));
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      assert(entry.index > index, `entry ${entry.index} applied after ${index}`);
      index = entry.index;
      const envelope = envelopes[i];
      if (envelope === null) results.push(undefined);
      else if (envelope instanceof EnvelopeBatch) results.push(await this.#applyMembers(state, entry, envelope));
      else results.push(await this.#applyEntry(state, entry, envelope));
    }
    const next: Meta = { appliedIndex: index, revision: state.revision, compactRevision: state.compactRevision, leaseIdMax: state.leaseIdMax };
    batch.put(metaKey, encodeMeta(next));
    const ops = batch.ops();
    if (answer !== undefined) {
      this.#answeredRevision = next.revision;
      answer(results);
    }
    try {
      await this.#db.batch(ops);
    } catch (error) {
      this.#leases.rollback();
      this.#failure = error as Error;
      this.#latest.clear();
      throw error;
    }
    this.#leases.commit();
    this.#latest.applied(ops);
    this.#meta = next;
    for (const listener of this.#listeners) listener(state.events, next.revision);
    return results;
  }

  async #applyEntry(state: BatchState, entry: Entry, envelope: Envelope | Undecodable): Promise<unknown> {
    if (envelope instanceof Undecodable) {
      return new CommandFailure(errorCodes.badCommand, `entry ${entry.index} does not decode: ${envelope.message}`).toResult();
    }
    const { clientId, seq } = envelope;
    const deduped = typeof clientId === 'string' && typeof seq === 'number';
    if (deduped) {
      const check = await this.#dedup.check(state.batch, clientId, seq, entry.index);
      if (check.kind === 'duplicate') return check.result;
      if (check.kind === 'expired') {
        return new CommandFailure(errorCodes.dedupExpired, `seq ${seq} of client ${clientId} is older than the dedup window`).toResult();
      }
    }
    const result = await runCommand(state, envelope.command);
    if (deduped) await this.#dedup.record(state.batch, clientId, seq, entry.index, result);
    return result;
  }

  /**
   * The commands of a batch entry, in order, each at its own revision; one result each. A member
   * that does not decode, or that carries a client id (dedup orders clients by entry index, one
   * per entry), fails alone as a bad command.
   */
  async #applyMembers(state: BatchState, entry: Entry, batch: EnvelopeBatch): Promise<unknown[]> {
    const results: unknown[] = [];
    for (let i = 0; i < batch.members.length; i++) {
      const member = batch.members[i];
      if (member instanceof Undecodable) {
        results.push(new CommandFailure(errorCodes.badCommand, `command ${i} of entry ${entry.index} does not decode: ${member.message}`).toResult());
      } else if (member.clientId !== undefined || member.seq !== undefined) {
        results.push(new CommandFailure(errorCodes.badCommand, `command ${i} of entry ${entry.index} carries a client id; deduplicated writes are not batched`).toResult());
      } else {
        results.push(await runCommand(state, member.command));
      }
    }
    return results;
  }

  /** A consistent read at the current revision or a past one (from one LevelDB snapshot). */
  async range(request: RangeRequest): Promise<RangeResponse> {
    this.#assertUsable();
    if (!(request.revision! > 0) && (request.rangeEnd === undefined || request.rangeEnd.length === 0)) return this.#getLatest(request);
    const snapshot = this.#db.snapshot();
    try {
      const reader = new DbReader(this.#db, snapshot);
      const meta = decodeMeta(await reader.get(metaKey));
      const revision = request.revision ?? 0;
      if (revision > meta.revision) throw new FutureRevisionError(revision, meta.revision);
      if (revision > 0 && revision < meta.compactRevision) throw new CompactedError(revision, meta.compactRevision);
      const scan = revision <= 0 || revision === meta.revision
        ? await scanLatest(reader, request, scanOptions(request))
        : await scanAt(reader, request, revision, scanOptions(request));
      return rangeResponse(meta.revision, scan, request);
    } finally {
      await snapshot.close();
    }
  }

  /**
   * One key at the current revision: from the cache, or one read, no snapshot. The revision answered is the one
   * applied before the read started, or the key's own mod revision if a later batch landed in
   * between: either way no write to the key between that revision and the value is missed.
   */
  async #getLatest(request: RangeRequest): Promise<RangeResponse> {
    const revisionBefore = this.#meta.revision;
    const dbKey = latestKey(request.key);
    let kvBytes = this.#latest.get(dbKey);
    if (kvBytes === undefined) {
      const epoch = this.#latest.epoch;
      const read = await this.#db.get(dbKey);
      kvBytes = read === undefined ? null : view(read);
      this.#latest.fill(dbKey, kvBytes, epoch);
    }
    const kvs = kvBytes === null ? [] : [decodeKv(request.key, kvBytes)];
    const revision = Math.max(revisionBefore, kvs[0]?.modRevision ?? 0);
    return rangeResponse(revision, { kvs: request.countOnly ? [] : kvs, count: kvs.length }, request);
  }

  /**
   * The events of `range` with fromRevision <= revision <= toRevision (toRevision 0: the current
   * one), in revision order, prevKv included; at most `limit` of them (0: no limit), which may cut
   * the last revision short (the watch hub reads a cut revision again, whole). fromRevision 0
   * means "after the current one".
   * Throws KEEL_COMPACTED when fromRevision <= the compact revision.
   */
  async history(range: KeyRange, fromRevision: number, toRevision: number, limit = 0): Promise<HistoryResult> {
    this.#assertUsable();
    const snapshot = this.#db.snapshot();
    try {
      const reader = new DbReader(this.#db, snapshot);
      const meta = decodeMeta(await reader.get(metaKey));
      if (fromRevision > 0 && fromRevision <= meta.compactRevision) throw new CompactedError(fromRevision, meta.compactRevision);
      const from = fromRevision > 0 ? fromRevision : meta.revision + 1;
      const to = toRevision > 0 ? Math.min(toRevision, meta.revision) : meta.revision;
      if (from > to) return { events: [], compactRevision: meta.compactRevision };
      // Records in the log's order: whole events (an older keel's log), or references to resolve.
      const stored: Array<RevisionEvent | StoredRef> = [];
      const cursor = reader.cursor(revisionLogStart(from), revisionLogStart(to + 1));
      try {
        for (let pair = await cursor.next(); pair !== undefined; pair = await cursor.next()) {
          const record = decodeEvent(pair[1]);
          const revision = revisionOfLogKey(pair[0]);
          if (!inRange('kv' in record ? record.kv.key : record.key, range)) continue;
          stored.push('kv' in record ? { ...record, revision } : { ref: record, revision });
          if (limit > 0 && stored.length >= limit) break;
        }
      } finally {
        await cursor.close();
      }
      return { events: await resolveEvents(this.#db, snapshot, stored), compactRevision: meta.compactRevision };
    } finally {
      await snapshot.close();
    }
  }

  leases(): LeaseInfo[] {
    return this.#leases.list();
  }

  lease(id: number): LeaseInfo | undefined {
    return this.#leases.info(id);
  }

  /** The whole image in memory: the chunks of snapshotChunks() one after the other. */
  async snapshot(): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.snapshotChunks()) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /** The image as chunks of about `chunkBytes`, from one LevelDB iterator (one consistent view). */
  snapshotChunks(chunkBytes = snapshotChunkBytesDefault): AsyncIterable<Uint8Array> {
    this.#assertUsable();
    return imageChunks(this.#db, chunkBytes);
  }

  /**
   * An image at the applied index, read from an explicit LevelDB snapshot that stays open until
   * close(): each chunks() call is its own pass (one per follower), and applies go on meanwhile.
   */
  async openImage(): Promise<ImageSource> {
    this.#assertUsable();
    const snapshot = this.#db.snapshot();
    try {
      const meta = decodeMeta(await new DbReader(this.#db, snapshot).get(metaKey));
      return { index: meta.appliedIndex, chunks: (chunkBytes) => imageChunks(this.#db, chunkBytes, snapshot), close: () => snapshot.close() };
    } catch (error) {
      await snapshot.close();
      throw error;
    }
  }

  /** Drops any staged image (an interrupted stream, or a new one starting). */
  async stageDiscard(): Promise<void> {
    await clearStaging(this.#db);
  }

  /** Stores chunk `seq` of an image being received; the live state does not change. */
  async stageChunk(seq: number, chunk: Uint8Array): Promise<void> {
    await stageChunk(this.#db, seq, chunk);
  }

  /** What decides the install of the staged image: written in the log's sync batch with its snapshot meta. */
  installOps(meta: SnapshotMeta): BatchOp[] {
    return [installingOp(meta)];
  }

  /** Replaces the live state with the staged image (after installOps are on disk); then call restored(meta). */
  async installStaged(meta: SnapshotMeta): Promise<void> {
    this.#installing = true;
    this.#latest.clear();
    this.#restoring = await rollForward(this.#db, meta, this.#afterInstallBatch);
  }

  async restoreOps(data: Uint8Array, meta: SnapshotMeta): Promise<BatchOp[]> {
    const ops = await deleteAllOps(this.#db);
    const image = new ImageState();
    for (const [key, value] of pairsOfImage(data)) {
      const op = image.add(key, value);
      if (op !== null) ops.push(op);
    }
    ops.push(image.metaOp(meta));
    this.#restoring = image;
    return ops;
  }

  /**
   * A restore from streamed chunks, as batches to write one after the other, in order. The first
   * batch marks the restore as under way (open() refuses a half-restored state with
   * KEEL_RESTORE_INCOMPLETE); the last writes the meta record and clears the mark. Call
   * restored(meta) once the last one is on disk.
   */
  async *restoreChunkOps(chunks: AsyncIterable<Uint8Array>, meta: SnapshotMeta): AsyncGenerator<BatchOp[]> {
    let ops: BatchOp[] = [{ type: 'put', key: restoringKey, value: new Uint8Array(0) }];
    for (const op of await deleteAllOps(this.#db)) {
      if (op.key.length === restoringKey.length && Buffer.compare(op.key, restoringKey) === 0) continue;
      ops.push(op);
      if (ops.length >= restoreDeletesPerBatchMax) {
        yield ops;
        ops = [];
      }
    }
    if (ops.length > 0) yield ops;
    const image = new ImageState();
    for await (const chunk of chunks) {
      const puts: BatchOp[] = [];
      for (const [key, value] of pairsOfChunk(chunk)) {
        const op = image.add(key, value);
        if (op !== null) puts.push(op);
      }
      yield puts;
    }
    this.#restoring = image;
    yield [image.metaOp(meta), { type: 'del', key: restoringKey }];
  }

  /** Writes a chunked restore to the database itself, then switches to it. */
  async restoreFromChunks(chunks: AsyncIterable<Uint8Array>, meta: SnapshotMeta): Promise<void> {
    for await (const ops of this.restoreChunkOps(chunks, meta)) await this.#db.batch(ops);
    this.restored(meta);
  }

  restored(meta: SnapshotMeta): void {
    this.#latest.clear();
    const image = this.#restoring;
    assert(image !== null, 'restored() without restoreOps()');
    assert(image.meta.appliedIndex === meta.index, `restored ${meta.index}, prepared ${image.meta.appliedIndex}`);
    this.#restoring = null;
    this.#installing = false;
    this.#meta = image.meta;
    this.#leases.replace(image.leases);
    this.#dedup.replace(image.dedup);
    this.#failure = null;
    this.#opened = true;
  }

  #assertUsable(): void {
    assert(this.#opened, 'MvccStore used before open()');
    if (this.#failure) throw this.#failure;
    if (this.#installing) throw new SnapshotInstallingError();
  }
}

/** An entry whose data does not decode: applied as a failed command (KEEL_BAD_COMMAND). */
class Undecodable {
  constructor(readonly message: string) {}
}

/** The commands of a batch entry (encodeEnvelopeBatch), each decoded on its own. */
class EnvelopeBatch {
  constructor(readonly members: Array<Envelope | Undecodable>) {}
}

/** A command's result; a CommandFailure is its failed result, applied as a no-op. */
async function runCommand(state: BatchState, command: Envelope['command']): Promise<unknown> {
  try {
    return await applyCommand(state, command);
  } catch (error) {
    if (!(error instanceof CommandFailure)) throw error;
    return error.toResult();
  }
}

/** The command (or batch of commands) of an entry, decoded once per batch; null for a no-op or a membership entry. */
function decodeEntry(entry: Entry): Envelope | EnvelopeBatch | Undecodable | null {
  if (entry.kind !== 'normal' || entry.data.length === 0) return null;
  let decoded: Envelope | { batch: Uint8Array[] };
  try {
    decoded = decodeEntryData(entry.data);
  } catch (error) {
    return new Undecodable((error as Error).message);
  }
  if (!('batch' in decoded)) return decoded;
  return new EnvelopeBatch(decoded.batch.map((data) => {
    try {
      return decodeEnvelope(data);
    } catch (error) {
      return new Undecodable((error as Error).message);
    }
  }));
}

/**
 * The database keys a batch of commands will read for sure (the latest record of every single key
 * it writes or compares, and the dedup records of its clients), to read them in one call.
 */
function keysRead(envelopes: Array<Envelope | EnvelopeBatch | Undecodable | null>): Uint8Array[] {
  const keys: Uint8Array[] = [];
  const single = (range: KeyRange): void => {
    if (range.rangeEnd === undefined || range.rangeEnd.length === 0) keys.push(latestKey(range.key));
  };
  const visit = (envelope: Envelope | EnvelopeBatch | Undecodable | null): void => {
    if (envelope === null || envelope instanceof Undecodable) return;
    if (envelope instanceof EnvelopeBatch) return envelope.members.forEach(visit);
    if (typeof envelope.clientId === 'string') keys.push(dedupKey(envelope.clientId));
    const command = envelope.command;
    if (command.op === 'put' || command.op === 'delete-range') single(command.request);
    else if (command.op === 'txn') {
      for (const compare of command.request.compare) single(compare);
      for (const op of [...command.request.success, ...command.request.failure]) {
        if ('put' in op) single(op.put);
        else if ('deleteRange' in op) single(op.deleteRange);
      }
    }
  };
  for (const envelope of envelopes) visit(envelope);
  return keys;
}

/** A revision-log record that names its versions, at its revision. */
interface StoredRef {
  ref: EventRef;
  revision: number;
}

/**
 * Whole events for `stored`, in order: each reference's versions read from the history index in
 * the same LevelDB snapshot as the log, all of them in one getMany.
 */
async function resolveEvents(db: Db, snapshot: AbstractSnapshot, stored: Array<RevisionEvent | StoredRef>): Promise<RevisionEvent[]> {
  const keys: Uint8Array[] = [];
  for (const item of stored) {
    if (!('ref' in item)) continue;
    const prefix = historyKeyPrefix(item.ref.key);
    keys.push(historyKey(prefix, item.revision));
    if (item.ref.prevModRevision > 0) keys.push(historyKey(prefix, item.ref.prevModRevision));
  }
  const values = keys.length === 0 ? [] : await db.getMany(keys, { snapshot });
  let at = 0;
  const version = (item: StoredRef): KeyValue => {
    const value = values[at++];
    if (value === undefined) {
      throw new Error(`the revision log names a version of key ${JSON.stringify(Buffer.from(item.ref.key).toString())} at revision ${item.revision} that the history index does not hold`);
    }
    return decodeKv(item.ref.key, view(value));
  };
  return stored.map((item) => {
    if (!('ref' in item)) return item;
    const event: RevisionEvent = { type: item.ref.type, kv: version(item), revision: item.revision };
    if (item.ref.prevModRevision > 0) event.prevKv = version(item);
    return event;
  });
}
