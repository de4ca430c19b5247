// A plain in-memory reference model of the MVCC store, for test/mvcc-model.test.ts: every revision
// is a full map, every event is kept, compaction only moves a number. Keys are latin1 strings (one
// char per byte), so string order is byte order.
import type {
  Command, CommandResult, Compare, KeyRange, KeyValue, LeaseInfo, RangeRequest, RangeResponse, RequestOp, ResponseOp,
} from '../store/mvcc/index.ts';

export type MKv = { key: string; createRevision: number; modRevision: number; version: number; value: string; lease: number };
type MEvent = { type: 'put' | 'delete'; kv: MKv; prevKv?: MKv; revision: number };
type Failure = { error: { code: string } };

export const toBytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
export const fromBytes = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

export function kvOut(kv: MKv): KeyValue {
  return { key: toBytes(kv.key), createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version, value: toBytes(kv.value), lease: kv.lease };
}

function eventOut(e: MEvent) {
  const out: any = { type: e.type, kv: kvOut(e.kv) };
  if (e.prevKv) out.prevKv = kvOut(e.prevKv);
  out.revision = e.revision;
  return out;
}

class Fail extends Error {
  constructor(readonly failCode: string) {
    super(failCode);
  }
}

function inRange(key: string, r: KeyRange): boolean {
  const k = fromBytes(r.key);
  const end = r.rangeEnd ? fromBytes(r.rangeEnd) : '';
  if (end === '') return key === k;
  if (end === '\0') return key >= k;
  return key >= k && key < end;
}

function sortedKeys(map: Map<string, MKv>): string[] {
  return [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export class Model {
  revs: Array<Map<string, MKv>> = [new Map()];
  events: MEvent[] = [];
  compact = 0;
  leases = new Map<number, { ttl: number; keys: Set<string> }>();
  leaseIdMax = 0;
  dedup = new Map<string, Array<[number, unknown]>>();

  constructor(readonly dedupWindow: number, readonly dedupClientsMax: number) {}

  get revision(): number {
    return this.revs.length - 1;
  }

  envelope(clientId: string | undefined, seq: number | undefined, command: Command): unknown {
    if (clientId === undefined || seq === undefined) return this.command(command);
    const known = this.dedup.has(clientId);
    const answers = this.dedup.get(clientId) ?? [];
    if (known) this.dedup.delete(clientId);
    else if (this.dedup.size >= this.dedupClientsMax) this.dedup.delete(this.dedup.keys().next().value!);
    this.dedup.set(clientId, answers);
    const hit = answers.find(([s]) => s === seq);
    if (hit) return hit[1];
    if (answers.length >= this.dedupWindow && seq < answers[0][0]) return { error: { code: 'KEEL_DEDUP_EXPIRED' } };
    const result = this.command(command);
    answers.push([seq, result]);
    answers.sort((a, b) => a[0] - b[0]);
    while (answers.length > this.dedupWindow) answers.shift();
    return result;
  }

  command(command: Command): CommandResult | Failure {
    try {
      return this.#command(command);
    } catch (error) {
      if (error instanceof Fail) return { error: { code: error.failCode } };
      throw error;
    }
  }

  #command(c: Command): CommandResult {
    switch (c.op) {
      case 'put': {
        this.#checkPut(c.request.key, c.request.lease ?? 0);
        const w = this.#begin();
        const prev = this.#put(w, fromBytes(c.request.key), fromBytes(c.request.value), c.request.lease ?? 0);
        const revision = this.#end(w);
        return c.request.prevKv && prev ? { revision, prevKv: kvOut(prev) } : { revision };
      }
      case 'delete-range': {
        const w = this.#begin();
        const deleted = this.#deleteRange(w, c.request);
        const revision = this.#end(w);
        return c.request.prevKv ? { revision, deleted: deleted.length, prevKvs: deleted.map(kvOut) } : { revision, deleted: deleted.length };
      }
      case 'txn': return this.#txn(c.request.compare, c.request.success, c.request.failure);
      case 'compact': {
        const r = c.request.revision;
        if (r <= this.compact) throw new Fail('KEEL_COMPACTED');
        if (r > this.revision) throw new Fail('KEEL_FUTURE_REVISION');
        this.compact = r;
        return { revision: this.revision };
      }
      case 'lease-grant': {
        const id = c.request.id ? c.request.id : this.leaseIdMax + 1;
        if (this.leases.has(id)) throw new Fail('KEEL_LEASE_EXISTS');
        this.leases.set(id, { ttl: c.request.ttl, keys: new Set() });
        this.leaseIdMax = Math.max(this.leaseIdMax, id);
        return { revision: this.revision, id, ttl: c.request.ttl };
      }
      case 'lease-revoke': {
        if (!this.leases.has(c.request.id)) throw new Fail('KEEL_LEASE_NOT_FOUND');
        this.#revoke(c.request.id);
        return { revision: this.revision };
      }
      case 'lease-expire': {
        const expired: number[] = [];
        for (const id of c.ids) {
          if (!this.leases.has(id)) continue;
          this.#revoke(id);
          expired.push(id);
        }
        return { revision: this.revision, expired };
      }
    }
  }

  #checkPut(key: Uint8Array, lease: number): void {
    if (key.length === 0) throw new Fail('KEEL_EMPTY_KEY');
    if (lease !== 0 && !this.leases.has(lease)) throw new Fail('KEEL_LEASE_NOT_FOUND');
  }

  #begin() {
    return { base: this.revision, view: this.revs[this.revision], changed: false };
  }

  #change(w: { view: Map<string, MKv>; changed: boolean }): void {
    if (!w.changed) {
      w.view = new Map(w.view);
      w.changed = true;
    }
  }

  #end(w: { base: number; view: Map<string, MKv>; changed: boolean }): number {
    if (w.changed) this.revs.push(w.view);
    return this.revision;
  }

  #put(w: { base: number; view: Map<string, MKv>; changed: boolean }, key: string, value: string, lease: number): MKv | undefined {
    this.#change(w);
    const prev = w.view.get(key);
    const revision = w.base + 1;
    const kv: MKv = { key, createRevision: prev ? prev.createRevision : revision, modRevision: revision, version: prev ? prev.version + 1 : 1, value, lease };
    w.view.set(key, kv);
    if (prev && prev.lease !== 0) this.leases.get(prev.lease)?.keys.delete(key);
    if (lease !== 0) this.leases.get(lease)!.keys.add(key);
    this.events.push(prev ? { type: 'put', kv, prevKv: prev, revision } : { type: 'put', kv, revision });
    return prev;
  }

  #deleteKey(w: { base: number; view: Map<string, MKv>; changed: boolean }, key: string): MKv {
    this.#change(w);
    const prev = w.view.get(key)!;
    w.view.delete(key);
    const revision = w.base + 1;
    if (prev.lease !== 0) this.leases.get(prev.lease)?.keys.delete(key);
    this.events.push({ type: 'delete', kv: { key, createRevision: 0, modRevision: revision, version: 0, value: '', lease: 0 }, prevKv: prev, revision });
    return prev;
  }

  #deleteRange(w: { base: number; view: Map<string, MKv>; changed: boolean }, range: KeyRange): MKv[] {
    return sortedKeys(w.view).filter((k) => inRange(k, range)).map((k) => this.#deleteKey(w, k));
  }

  #revoke(id: number): void {
    const w = this.#begin();
    for (const key of [...this.leases.get(id)!.keys].sort()) this.#deleteKey(w, key);
    this.#end(w);
    this.leases.delete(id);
  }

  #txn(compare: Compare[], success: RequestOp[], failure: RequestOp[]): CommandResult {
    for (const ops of [success, failure]) {
      const puts: string[] = [];
      for (const op of ops) {
        if (!('put' in op)) continue;
        const k = fromBytes(op.put.key);
        if (puts.includes(k) || ops.some((o) => 'deleteRange' in o && inRange(k, o.deleteRange))) throw new Fail('KEEL_DUPLICATE_KEY');
        puts.push(k);
      }
    }
    const view = this.revs[this.revision];
    const succeeded = compare.every((c) => {
      const kvs = sortedKeys(view).filter((k) => inRange(k, c)).map((k) => view.get(k)!);
      if (kvs.length === 0) return c.target !== 'value' && holds(undefined, c);
      return kvs.every((kv) => holds(kv, c));
    });
    const ops = succeeded ? success : failure;
    for (const op of ops) {
      if ('put' in op) this.#checkPut(op.put.key, op.put.lease ?? 0);
      if ('range' in op) this.#checkRangeRevision(op.range.revision ?? 0);
    }
    const w = this.#begin();
    const responses: ResponseOp[] = [];
    for (const op of ops) {
      if ('range' in op) {
        const current = w.changed ? w.base + 1 : w.base;
        const r = op.range.revision ?? 0;
        responses.push({ range: rangeOf(r <= 0 || r >= current ? w.view : this.revs[r], current, op.range) });
      } else if ('put' in op) {
        const prev = this.#put(w, fromBytes(op.put.key), fromBytes(op.put.value), op.put.lease ?? 0);
        responses.push({ put: op.put.prevKv && prev ? { revision: 0, prevKv: kvOut(prev) } : { revision: 0 } });
      } else {
        const deleted = this.#deleteRange(w, op.deleteRange);
        responses.push({ deleteRange: op.deleteRange.prevKv ? { revision: 0, deleted: deleted.length, prevKvs: deleted.map(kvOut) } : { revision: 0, deleted: deleted.length } });
      }
    }
    const revision = this.#end(w);
    for (const r of responses) Object.values(r)[0].revision = revision;
    return { revision, succeeded, responses };
  }

  #checkRangeRevision(r: number): void {
    if (r > this.revision) throw new Fail('KEEL_FUTURE_REVISION');
    if (r > 0 && r < this.compact) throw new Fail('KEEL_COMPACTED');
  }

  range(request: RangeRequest): RangeResponse | Failure {
    const r = request.revision ?? 0;
    try {
      this.#checkRangeRevision(r);
    } catch (error) {
      return { error: { code: (error as Fail).failCode } };
    }
    return rangeOf(this.revs[r <= 0 ? this.revision : r], this.revision, request);
  }

  history(range: KeyRange, from: number, to: number, limit: number) {
    if (from > 0 && from <= this.compact) return { error: { code: 'KEEL_COMPACTED' } };
    const lo = from > 0 ? from : this.revision + 1;
    const hi = to > 0 ? Math.min(to, this.revision) : this.revision;
    let events = this.events.filter((e) => e.revision >= lo && e.revision <= hi && inRange(e.kv.key, range));
    if (limit > 0) events = events.slice(0, limit);
    return { events: events.map(eventOut), compactRevision: this.compact };
  }

  /** Every event from the `from`-th on, as the store delivers them. */
  eventsOut(from: number) {
    return this.events.slice(from).map(eventOut);
  }

  leaseList(): LeaseInfo[] {
    return [...this.leases.keys()].sort((a, b) => a - b).map((id) => {
      const lease = this.leases.get(id)!;
      return { id, grantedTtl: lease.ttl, keys: [...lease.keys].sort().map(toBytes) };
    });
  }
}

function holds(kv: MKv | undefined, c: Compare): boolean {
  let order: number;
  if (c.target === 'value') {
    const a = kv!.value;
    const b = fromBytes(c.value ?? new Uint8Array(0));
    order = a < b ? -1 : a > b ? 1 : 0;
  } else {
    const field = { version: kv?.version ?? 0, create: kv?.createRevision ?? 0, mod: kv?.modRevision ?? 0, lease: kv?.lease ?? 0 }[c.target];
    order = Math.sign(field - (c.number ?? 0));
  }
  return { equal: order === 0, 'not-equal': order !== 0, less: order < 0, greater: order > 0 }[c.result];
}

function rangeOf(map: Map<string, MKv>, revision: number, request: RangeRequest): RangeResponse {
  const keys = sortedKeys(map).filter((k) => inRange(k, request));
  const limit = request.limit ?? 0;
  const kept = request.countOnly ? [] : limit > 0 ? keys.slice(0, limit) : keys;
  const kvs = kept.map((k) => {
    const kv = kvOut(map.get(k)!);
    return request.keysOnly ? { ...kv, value: new Uint8Array(0) } : kv;
  });
  return { revision, kvs, more: !request.countOnly && limit > 0 && keys.length > limit, count: keys.length };
}
