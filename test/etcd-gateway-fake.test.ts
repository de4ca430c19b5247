// A fake StoreContext for the etcd gateway's tests: a small, obviously-correct MVCC model (every
// change kept in a list, state at a revision found by replaying it), leases with a manual clock,
// and fixed cluster facts. Imported by test/etcd-gateway.test.ts and test/etcd-compat.test.ts;
// run alone, it checks the model against a few of etcd's rules.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { handleEtcd } from '../store/api/etcd-gateway.ts';
import type { ClusterHeader, MemberInfo, MemberStatus, StoreContext } from '../store/api/context.ts';
import type {
  Command, CommandError, CommandResult, Compare, DeleteRangeRequest, DeleteRangeResponse, Envelope, KeyRange, KeyValue,
  LeaseInfo, PutRequest, PutResponse, RangeRequest, RangeResponse, RequestOp, ResponseOp, TxnResponse,
} from '../store/mvcc/types.ts';

class CodedError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const fail = (code: string, message: string): CommandError => ({ error: { code, message } });

function inRange(key: Uint8Array, range: KeyRange): boolean {
  const end = range.rangeEnd;
  if (end === undefined || end.length === 0) return Buffer.compare(key, range.key) === 0;
  if (end.length === 1 && end[0] === 0) return Buffer.compare(key, range.key) >= 0;
  return Buffer.compare(key, range.key) >= 0 && Buffer.compare(key, end) < 0;
}

const hex = (key: Uint8Array) => Buffer.from(key).toString('hex');

export class FakeStore implements StoreContext {
  revision = 1;
  compactRevision = 0;
  /** Every change: the key's new KeyValue, or null for a delete. */
  readonly changes: { revision: number; key: Uint8Array; kv: KeyValue | null }[] = [];
  readonly leaseTable = new Map<number, { ttl: number; deadlineS: number }>();
  nowS = 0;
  nextLeaseId = 1000;
  readonly proposed: Envelope[] = [];
  readonly barriers: string[] = [];
  /** Set to make the next propose throw this (as the Raft node would). */
  throwOnPropose: Error | null = null;

  readonly leases = {
    keepAlive: (id: number): number | null => {
      const lease = this.leaseTable.get(id);
      if (lease === undefined) return null;
      lease.deadlineS = this.nowS + lease.ttl;
      return lease.ttl;
    },
    remaining: (id: number): number | null => {
      const lease = this.leaseTable.get(id);
      return lease === undefined ? null : Math.max(0, lease.deadlineS - this.nowS);
    },
  };

  async propose(envelope: Envelope): Promise<CommandResult | CommandError> {
    this.proposed.push(envelope);
    if (this.throwOnPropose !== null) {
      const error = this.throwOnPropose;
      this.throwOnPropose = null;
      throw error;
    }
    return this.apply(envelope.command);
  }

  async readBarrier(consistency: 'linearizable' | 'serializable'): Promise<void> {
    this.barriers.push(consistency);
  }

  async ownWritesVisible(): Promise<void> {}

  forwardedAnswer(): void {}

  async range(request: RangeRequest): Promise<RangeResponse> {
    const at = request.revision ?? 0;
    if (at > 0 && at < this.compactRevision) throw new CodedError('KEEL_COMPACTED', `revision ${at} is compacted`);
    if (at > this.revision) throw new CodedError('KEEL_FUTURE_REVISION', `revision ${at} is in the future`);
    return this.#range(request, at > 0 ? at : this.revision);
  }

  lease(id: number): LeaseInfo | undefined {
    const lease = this.leaseTable.get(id);
    if (lease === undefined) return undefined;
    const keys = this.#state(this.revision).filter((kv) => kv.lease === id).map((kv) => kv.key);
    return { id, grantedTtl: lease.ttl, keys };
  }

  header(): ClusterHeader {
    return { clusterId: 12101053776118486841n, memberId: 2, revision: this.revision, raftTerm: 3 };
  }

  members(): MemberInfo[] {
    return [1, 2, 3].map((id) => ({
      id, name: `m${id}`, peerUrls: [`http://127.0.0.1:${7000 + id}`], clientUrls: [`http://127.0.0.1:${8000 + id}`], isLearner: false,
    }));
  }

  async status(): Promise<MemberStatus> {
    return { version: '0.1.0', dbSize: 20480, leader: 2, raftIndex: 27, raftTerm: 3, raftAppliedIndex: 27 };
  }

  apply(command: Command): CommandResult | CommandError {
    switch (command.op) {
      case 'put': {
        const check = this.#checkLease(command.request.lease ?? 0);
        if (check !== null) return check;
        const result = this.#put(command.request, this.revision + 1);
        this.revision += 1;
        return result;
      }
      case 'delete-range': {
        const result = this.#delete(command.request, this.revision + 1);
        if (result.deleted > 0) this.revision += 1;
        return { ...result, revision: this.revision };
      }
      case 'txn':
        return this.#txn(command.request.compare, command.request.success, command.request.failure);
      case 'compact': {
        const at = command.request.revision;
        if (at <= this.compactRevision) return fail('KEEL_COMPACTED', `revision ${at} is compacted`);
        if (at > this.revision) return fail('KEEL_FUTURE_REVISION', `revision ${at} is in the future`);
        this.compactRevision = at;
        return { revision: this.revision };
      }
      case 'lease-grant': {
        const id = command.request.id || this.nextLeaseId++;
        if (this.leaseTable.has(id)) return fail('KEEL_LEASE_EXISTS', `lease ${id} exists`);
        this.leaseTable.set(id, { ttl: command.request.ttl, deadlineS: this.nowS + command.request.ttl });
        return { revision: this.revision, id, ttl: command.request.ttl };
      }
      case 'lease-revoke': {
        const id = command.request.id;
        if (!this.leaseTable.has(id)) return fail('KEEL_LEASE_NOT_FOUND', `lease ${id} not found`);
        this.leaseTable.delete(id);
        const next = this.revision + 1;
        let deleted = 0;
        for (const kv of this.#state(this.revision)) {
          if (kv.lease !== id) continue;
          this.changes.push({ revision: next, key: kv.key, kv: null });
          deleted += 1;
        }
        if (deleted > 0) this.revision = next;
        return { revision: this.revision };
      }
      case 'lease-expire':
        return { revision: this.revision, expired: [] };
    }
  }

  #checkLease(lease: number): CommandError | null {
    return lease !== 0 && !this.leaseTable.has(lease) ? fail('KEEL_LEASE_NOT_FOUND', `lease ${lease} not found`) : null;
  }

  #state(at: number): KeyValue[] {
    const byKey = new Map<string, KeyValue | null>();
    for (const change of this.changes) if (change.revision <= at) byKey.set(hex(change.key), change.kv);
    return [...byKey.values()].filter((kv): kv is KeyValue => kv !== null).sort((a, b) => Buffer.compare(a.key, b.key));
  }

  #range(request: RangeRequest, at: number): RangeResponse {
    const matched = this.#state(at).filter((kv) => inRange(kv.key, request));
    const limit = request.limit ?? 0;
    const kvs = request.countOnly ? [] : matched.slice(0, limit > 0 ? limit : undefined);
    return {
      revision: this.revision,
      kvs: kvs.map((kv) => (request.keysOnly ? { ...kv, value: new Uint8Array(0) } : kv)),
      more: limit > 0 && matched.length > limit,
      count: matched.length,
    };
  }

  /** Writes at `revision` (the caller bumps this.revision). */
  #put(request: PutRequest, revision: number): PutResponse {
    const prev = this.#state(revision).find((kv) => Buffer.compare(kv.key, request.key) === 0);
    const kv: KeyValue = {
      key: request.key, value: request.value, lease: request.lease ?? 0,
      createRevision: prev?.createRevision ?? revision, modRevision: revision, version: (prev?.version ?? 0) + 1,
    };
    this.changes.push({ revision, key: request.key, kv });
    return request.prevKv && prev !== undefined ? { revision, prevKv: prev } : { revision };
  }

  #delete(request: DeleteRangeRequest, revision: number): DeleteRangeResponse {
    const gone = this.#state(revision).filter((kv) => inRange(kv.key, request));
    for (const kv of gone) this.changes.push({ revision, key: kv.key, kv: null });
    return request.prevKv ? { revision, deleted: gone.length, prevKvs: gone } : { revision, deleted: gone.length };
  }

  #compare(compare: Compare): boolean {
    const kvs = this.#state(this.revision).filter((kv) => inRange(kv.key, compare));
    if (kvs.length === 0) {
      if (compare.target === 'value') return false;
      return this.#compareOne(compare, { key: compare.key, value: new Uint8Array(0), createRevision: 0, modRevision: 0, version: 0, lease: 0 });
    }
    return kvs.every((kv) => this.#compareOne(compare, kv));
  }

  #compareOne(compare: Compare, kv: KeyValue): boolean {
    const order = compare.target === 'value'
      ? Buffer.compare(kv.value, compare.value ?? new Uint8Array(0))
      : Math.sign(({ version: kv.version, create: kv.createRevision, mod: kv.modRevision, lease: kv.lease } as const)[compare.target] - (compare.number ?? 0));
    return { equal: order === 0, 'not-equal': order !== 0, less: order < 0, greater: order > 0 }[compare.result];
  }

  #txn(compares: Compare[], success: RequestOp[], failure: RequestOp[]): TxnResponse | CommandError {
    const succeeded = compares.every((c) => this.#compare(c));
    const ops = succeeded ? success : failure;
    for (const op of ops) if ('put' in op) { const e = this.#checkLease(op.put.lease ?? 0); if (e !== null) return e; }
    const next = this.revision + 1;
    let wrote = false;
    const responses: ResponseOp[] = [];
    for (const op of ops) {
      if ('range' in op) {
        const at = op.range.revision ?? 0;
        if (at > 0 && at < this.compactRevision) return fail('KEEL_COMPACTED', 'compacted');
        responses.push({ range: { ...this.#range(op.range, at > 0 ? at : wrote ? next : this.revision), revision: wrote ? next : this.revision } });
      } else if ('put' in op) {
        responses.push({ put: this.#put(op.put, next) });
        wrote = true;
      } else {
        const result = this.#delete(op.deleteRange, next);
        if (result.deleted > 0) wrote = true;
        responses.push({ deleteRange: { ...result, revision: wrote ? next : this.revision } });
      }
    }
    if (wrote) this.revision = next;
    return { revision: this.revision, succeeded, responses };
  }
}

/** An HTTP server on the fake, answering /v3 as keel's server would once it calls handleEtcd. */
export async function startFakeServer(store: FakeStore): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handleEtcd(new URL(req.url ?? '/', 'http://fake').pathname, Buffer.concat(chunks), store).then((reply) => {
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'content-type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' });
        res.end(text);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

if (process.argv[1]?.endsWith('etcd-gateway-fake.test.ts')) {
  t.test('the fake MVCC model follows etcd on revisions, compaction and txn compares', async (t) => {
    const store = new FakeStore();
    const k = new TextEncoder().encode('k');
    t.same(store.apply({ op: 'put', request: { key: k, value: k } }), { revision: 2 });
    t.same(store.apply({ op: 'delete-range', request: { key: new TextEncoder().encode('none') } }), { revision: 2, deleted: 0 }, 'a delete of nothing keeps the revision');
    const txn = store.apply({ op: 'txn', request: { compare: [{ key: k, target: 'version', result: 'equal', number: 1 }], success: [{ range: { key: k } }, { put: { key: k, value: k } }], failure: [] } });
    t.match(txn, { revision: 3, succeeded: true, responses: [{ range: { revision: 2 } }, { put: { revision: 3 } }] });
    t.same(store.apply({ op: 'compact', request: { revision: 3 } }), { revision: 3 });
    await t.rejects(store.range({ key: k, revision: 2 }), { code: 'KEEL_COMPACTED' });
    await t.rejects(store.range({ key: k, revision: 9 }), { code: 'KEEL_FUTURE_REVISION' });
  });
}
