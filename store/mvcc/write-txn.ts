// The changes of one command, all at one revision: the first change bumps the revision, later
// ones share it and are ordered inside it by a sub-revision (etcd's sub-revisions). A command that
// changes nothing (a delete-range that matched no key, a lease revoke without keys) keeps the
// revision where it was.
import { decodeKv, encodeEvent, encodeKv, tombstone } from './codec.ts';
import { assert } from '../../raft/core/index.ts';
import { historyKey, historyKeyPrefix, keyId, latestKey, revisionLogKey } from './keys.ts';
import { scanLatest } from './kv-index.ts';
import type { LeaseTable } from './leases.ts';
import type { BatchWriter } from './reader.ts';
import type { KeyRange, KeyValue, WatchEvent } from './types.ts';

export type RevisionEvent = WatchEvent & { revision: number };

/** What an apply batch shares between its commands. */
export interface BatchState {
  batch: BatchWriter;
  leases: LeaseTable;
  /** The revision after the last command applied so far in the batch. */
  revision: number;
  compactRevision: number;
  leaseIdMax: number;
  events: RevisionEvent[];
}

export class WriteTxn {
  readonly #state: BatchState;
  readonly #base: number;
  #sub = 0;
  /** Keys changed at this revision: one version per key per revision (the history index relies on it). */
  readonly #written = new Set<string>();

  constructor(state: BatchState) {
    this.#state = state;
    this.#base = state.revision;
  }

  /** The revision the command's reads see and its answer names: the new one once it changed something. */
  get revision(): number {
    return this.#sub > 0 ? this.#base + 1 : this.#base;
  }

  get changed(): boolean {
    return this.#sub > 0;
  }

  async get(key: Uint8Array): Promise<KeyValue | undefined> {
    const stored = await this.#state.batch.get(latestKey(key));
    return stored === undefined ? undefined : decodeKv(key, stored);
  }

  /** Puts key; returns the previous KeyValue. The lease must exist (checked by the caller). */
  async put(key: Uint8Array, value: Uint8Array, lease: number): Promise<KeyValue | undefined> {
    const { batch, leases } = this.#state;
    this.#once(key);
    const prev = await this.get(key);
    const revision = this.#base + 1;
    const kv: KeyValue = {
      key,
      createRevision: prev ? prev.createRevision : revision,
      modRevision: revision,
      version: prev ? prev.version + 1 : 1,
      value,
      lease,
    };
    const encoded = encodeKv(kv);
    batch.put(latestKey(key), encoded);
    batch.put(historyKey(historyKeyPrefix(key), revision), encoded);
    if (prev && prev.lease !== 0 && prev.lease !== lease) leases.detach(batch, prev.lease, key);
    if (lease !== 0 && prev?.lease !== lease) leases.attach(batch, lease, key);
    this.#event(prev ? { type: 'put', kv, prevKv: prev } : { type: 'put', kv });
    return prev;
  }

  /** Deletes every live key of the range; returns what was deleted, in key order. */
  async deleteRange(range: KeyRange): Promise<KeyValue[]> {
    const { kvs } = await scanLatest(this.#state.batch, range, { limit: 0, countOnly: false });
    for (const kv of kvs) this.deleteKey(kv);
    return kvs;
  }

  /** Deletes one live key (`prev` is its current KeyValue). */
  deleteKey(prev: KeyValue): void {
    const { batch, leases } = this.#state;
    this.#once(prev.key);
    const revision = this.#base + 1;
    batch.del(latestKey(prev.key));
    const dead = tombstone(prev.key, revision);
    batch.put(historyKey(historyKeyPrefix(prev.key), revision), encodeKv(dead));
    if (prev.lease !== 0) leases.detach(batch, prev.lease, prev.key);
    this.#event({ type: 'delete', kv: dead, prevKv: prev });
  }

  /** Ends the command: the batch's revision moves on if it changed anything. */
  end(): number {
    this.#state.revision = this.revision;
    return this.revision;
  }

  #once(key: Uint8Array): void {
    const id = keyId(key);
    assert(!this.#written.has(id), 'a key is changed twice at one revision');
    this.#written.add(id);
  }

  #event(event: WatchEvent): void {
    const revision = this.#base + 1;
    this.#state.batch.put(revisionLogKey(revision, this.#sub), encodeEvent(event));
    this.#sub++;
    this.#state.events.push({ ...event, revision });
  }
}
