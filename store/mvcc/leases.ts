// Lease state (the leader's expiry timer lives elsewhere): the leases granted and the keys attached
// to each. Kept in memory in full (loaded at open); an apply batch changes a copy-on-write view
// that is committed only once the batch is on disk, so readers never see a batch half-applied.
import { packr } from './codec.ts';
import { keyId, leaseAttachKey, leaseKey, leaseKeyPrefix, leasePrefix, splitLeaseAttachKey, readBe64, view } from './keys.ts';
import type { BatchWriter } from './reader.ts';
import type { LeaseInfo } from './types.ts';

interface Lease {
  id: number;
  ttl: number;
  /** keyId(key) -> key */
  keys: Map<string, Uint8Array>;
}

/** Leases collected from stored pairs, in key order (lease records 0x14 come before attached keys 0x15). */
export class LeaseImage {
  readonly leases = new Map<number, Lease>();

  /** Takes a stored pair if it is a lease record or an attached key; returns whether it was. */
  add(dbKey: Uint8Array, value: Uint8Array): boolean {
    if (dbKey[0] === leasePrefix) {
      const id = readBe64(dbKey, 1);
      const [ttl] = packr.unpack(value) as [number];
      this.leases.set(id, { id, ttl, keys: new Map() });
      return true;
    }
    if (dbKey[0] === leaseKeyPrefix) {
      const { id, key } = splitLeaseAttachKey(dbKey);
      const lease = this.leases.get(id);
      if (lease === undefined) throw new Error(`key attached to lease ${id}, which does not exist`);
      lease.keys.set(keyId(key), Uint8Array.from(key));
      return true;
    }
    return false;
  }
}

export class LeaseTable {
  #committed = new Map<number, Lease>();
  /** The batch's changes: null for a lease revoked in it. */
  #dirty = new Map<number, Lease | null>();

  /** Replaces every lease with those of an image (at open, or a snapshot restore). */
  replace(image: LeaseImage): void {
    this.#committed = image.leases;
    this.#dirty.clear();
  }

  has(id: number): boolean {
    return this.#get(id) !== undefined;
  }

  /** The keys attached to a lease, in key order. */
  keysOf(id: number): Uint8Array[] {
    const lease = this.#get(id);
    if (lease === undefined) return [];
    return [...lease.keys.values()].sort((a, b) => Buffer.compare(a, b)).map(view);
  }

  grant(batch: BatchWriter, id: number, ttl: number): void {
    this.#dirty.set(id, { id, ttl, keys: new Map() });
    batch.put(leaseKey(id), packr.pack([ttl]));
  }

  /** Drops the lease record (its keys must be detached already). */
  remove(batch: BatchWriter, id: number): void {
    const lease = this.#get(id);
    if (lease === undefined) return;
    if (lease.keys.size !== 0) throw new Error(`lease ${id} removed with ${lease.keys.size} keys attached`);
    this.#dirty.set(id, null);
    batch.del(leaseKey(id));
  }

  attach(batch: BatchWriter, id: number, key: Uint8Array): void {
    this.#writable(id).keys.set(keyId(key), key);
    batch.put(leaseAttachKey(id, key), new Uint8Array(0));
  }

  detach(batch: BatchWriter, id: number, key: Uint8Array): void {
    if (this.#get(id) === undefined) return;
    this.#writable(id).keys.delete(keyId(key));
    batch.del(leaseAttachKey(id, key));
  }

  commit(): void {
    for (const [id, lease] of this.#dirty) {
      if (lease === null) this.#committed.delete(id);
      else this.#committed.set(id, lease);
    }
    this.#dirty.clear();
  }

  rollback(): void {
    this.#dirty.clear();
  }

  /** Committed leases, by id. */
  list(): LeaseInfo[] {
    return [...this.#committed.keys()].sort((a, b) => a - b).map((id) => this.info(id)!);
  }

  info(id: number): LeaseInfo | undefined {
    const lease = this.#committed.get(id);
    if (lease === undefined) return undefined;
    const keys = [...lease.keys.values()].sort((a, b) => Buffer.compare(a, b)).map((key) => Uint8Array.from(key));
    return { id, grantedTtl: lease.ttl, keys };
  }

  #get(id: number): Lease | undefined {
    const dirty = this.#dirty.get(id);
    if (dirty !== undefined) return dirty ?? undefined;
    return this.#committed.get(id);
  }

  #writable(id: number): Lease {
    const dirty = this.#dirty.get(id);
    if (dirty) return dirty;
    const lease = this.#committed.get(id);
    if (lease === undefined || dirty === null) throw new Error(`lease ${id} does not exist`);
    const copy = { id, ttl: lease.ttl, keys: new Map(lease.keys) };
    this.#dirty.set(id, copy);
    return copy;
  }
}
