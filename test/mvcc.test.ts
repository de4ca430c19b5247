// The MVCC state machine's etcd semantics, on a real LevelDB: revision rules, ranges, txns,
// compaction, leases, exactly-once, events, snapshots.
import t from 'tap';
import type { Test } from 'tap';
import { Harness, bytes, text } from './mvcc-harness.ts';
import type { Command, Compare, DeleteRangeRequest, KeyValue, PutRequest, RequestOp, RevisionEvent } from '../store/mvcc/index.ts';
import { encodeEnvelope, encodeEnvelopeBatch, errorCodes, prefixEnd } from '../store/mvcc/index.ts';
import { revisionLogKey, revisionLogPrefix } from '../store/mvcc/keys.ts';
import { packr } from '../store/mvcc/codec.ts';

const put = (key: string, value: string, lease = 0, prevKv = false): Command => ({ op: 'put', request: { key: bytes(key), value: bytes(value), lease, prevKv } });
const del = (key: string, rangeEnd?: string, prevKv = false): Command => ({ op: 'delete-range', request: { key: bytes(key), rangeEnd: rangeEnd === undefined ? undefined : bytes(rangeEnd), prevKv } });
const opPut = (key: string, value: string, lease = 0, prevKv = false): RequestOp => ({ put: (put(key, value, lease, prevKv) as { request: PutRequest }).request });
const opDel = (key: string, rangeEnd?: string, prevKv = false): RequestOp => ({ deleteRange: (del(key, rangeEnd, prevKv) as { request: DeleteRangeRequest }).request });
const txn = (compare: Compare[], success: RequestOp[], failure: RequestOp[] = []): Command => ({ op: 'txn', request: { compare, success, failure } });
const all = { key: new Uint8Array(0), rangeEnd: Uint8Array.of(0) };
const keysOf = (kvs: KeyValue[]) => kvs.map((kv) => text(kv.key));

async function harness(t: Test, options = {}): Promise<Harness> {
  const h = await Harness.create(options);
  t.teardown(() => h.destroy());
  return h;
}

t.test('revision rules: writes bump once per command; no-op deletes, grants and compactions do not', async (t) => {
  const h = await harness(t);
  t.equal((await h.one(put('a', '1'))).revision, 1);
  t.equal((await h.one(put('a', '2'))).revision, 2);
  t.same(await h.one(del('zzz')), { revision: 2, deleted: 0 });
  t.equal((await h.one({ op: 'lease-grant', request: { ttl: 10 } })).revision, 2);
  t.equal((await h.one({ op: 'compact', request: { revision: 1 } })).revision, 2);
  const done = await h.one(txn([], [opPut('b', '1'), opPut('c', '1'), opDel('a')], []));
  t.equal(done.revision, 3);
  t.ok(done.succeeded);
  const failed = await h.one(txn([{ key: bytes('b'), target: 'version', result: 'equal', number: 9 }], [opPut('x', '1')], [{ range: { key: bytes('b') } }]));
  t.equal(failed.revision, 3);
  t.notOk(failed.succeeded);
  t.equal(failed.responses[0].range.kvs[0].modRevision, 3);
  t.equal(h.store.currentRevision, 3);
  const { kvs } = await h.store.range(all);
  t.same(keysOf(kvs), ['b', 'c']);
  t.same(kvs.map((kv) => [kv.createRevision, kv.modRevision, kv.version]), [[3, 3, 1], [3, 3, 1]]);
  // version counts puts since creation; a delete resets it
  await h.run(put('b', '2'), put('b', '3'));
  t.match((await h.store.range({ key: bytes('b') })).kvs[0], { createRevision: 3, modRevision: 5, version: 3 });
  await h.run(del('b'), put('b', 'again'));
  t.match((await h.store.range({ key: bytes('b') })).kvs[0], { createRevision: 7, modRevision: 7, version: 1 });
  // results are plain Uint8Arrays, not Buffers
  t.equal(Object.getPrototypeOf(kvs[0].key), Uint8Array.prototype);
  t.equal(Object.getPrototypeOf(kvs[0].value), Uint8Array.prototype);
});

t.test('ranges: single key, [key, end), >= key, prefix; limit, more, count, countOnly, keysOnly', async (t) => {
  const h = await harness(t);
  await h.run(put('a', '1'), put('b', '2'), put('b/1', '3'), put('b/2', '4'), put('c', '5'), put('\u0000', 'zero'));
  t.same(keysOf((await h.store.range({ key: bytes('b') })).kvs), ['b']);
  t.same(keysOf((await h.store.range({ key: bytes('a'), rangeEnd: bytes('c') })).kvs), ['a', 'b', 'b/1', 'b/2']);
  t.same(keysOf((await h.store.range({ key: bytes('b'), rangeEnd: Uint8Array.of(0) })).kvs), ['b', 'b/1', 'b/2', 'c']);
  t.same(keysOf((await h.store.range({ key: bytes('b/'), rangeEnd: prefixEnd(bytes('b/')) })).kvs), ['b/1', 'b/2']);
  t.same((await h.store.range(all)).count, 6);
  const limited = await h.store.range({ ...all, limit: 2 });
  t.same({ keys: keysOf(limited.kvs), more: limited.more, count: limited.count, revision: limited.revision }, { keys: ['\u0000', 'a'], more: true, count: 6, revision: 6 });
  const exact = await h.store.range({ ...all, limit: 6 });
  t.equal(exact.more, false);
  t.same(await h.store.range({ ...all, countOnly: true }), { revision: 6, kvs: [], more: false, count: 6 });
  const keysOnly = await h.store.range({ key: bytes('c'), keysOnly: true });
  t.same(keysOnly.kvs[0].value, new Uint8Array(0));
  t.equal(keysOnly.kvs[0].version, 1);
  t.same(await h.store.range({ key: bytes('nope') }), { revision: 6, kvs: [], more: false, count: 0 });
});

t.test('past revisions: reads at R, compaction keeps R readable, below fails', async (t) => {
  const h = await harness(t);
  await h.run(put('a', '1'), put('b', '1'), put('a', '2'), del('b'), put('c', '1'), put('a', '3')); // revs 1..6
  const at = async (revision: number) => (await h.store.range({ ...all, revision })).kvs.map((kv) => `${text(kv.key)}=${text(kv.value)}`);
  t.same(await at(1), ['a=1']);
  t.same(await at(2), ['a=1', 'b=1']);
  t.same(await at(3), ['a=2', 'b=1']);
  t.same(await at(4), ['a=2']);
  t.same(await at(6), ['a=3', 'c=1']);
  await t.rejects(h.store.range({ ...all, revision: 7 }), { code: 'KEEL_FUTURE_REVISION' });
  t.same(await h.one({ op: 'compact', request: { revision: 4 } }), { revision: 6 });
  t.equal(h.store.compactRevision, 4);
  t.same(await at(4), ['a=2']);
  t.same(await at(5), ['a=2', 'c=1']);
  await t.rejects(h.store.range({ ...all, revision: 3 }), { code: 'KEEL_COMPACTED', compactRevision: 4 });
  t.match(await h.one({ op: 'compact', request: { revision: 4 } }), { error: { code: 'KEEL_COMPACTED' } });
  t.match(await h.one({ op: 'compact', request: { revision: 9 } }), { error: { code: 'KEEL_FUTURE_REVISION' } });
  await t.rejects(h.store.history(all, 4, 0), { code: 'KEEL_COMPACTED', compactRevision: 4 });
  const { events } = await h.store.history(all, 5, 0);
  t.same(events.map((e) => [e.revision, e.type, text(e.kv.key), e.prevKv ? text(e.prevKv.value) : null]), [[5, 'put', 'c', null], [6, 'put', 'a', '2']]);
  // compaction survives a reopen
  await h.reopen();
  t.equal(h.store.compactRevision, 4);
  t.same(await at(4), ['a=2']);
});

t.test('txn compares: every key of the range, etcd semantics for missing keys', async (t) => {
  const h = await harness(t);
  await h.run(put('k1', 'v'), put('k2', 'v'));
  const cmp = async (compare: any) => (await h.one(txn([compare], [], []))).succeeded;
  const missing = { key: bytes('missing') };
  t.equal(await cmp({ ...missing, target: 'version', result: 'equal', number: 0 }), true);
  t.equal(await cmp({ ...missing, target: 'create', result: 'equal', number: 0 }), true);
  t.equal(await cmp({ ...missing, target: 'mod', result: 'less', number: 1 }), true);
  t.equal(await cmp({ ...missing, target: 'lease', result: 'equal', number: 0 }), true);
  t.equal(await cmp({ ...missing, target: 'value', result: 'equal', value: new Uint8Array(0) }), false);
  t.equal(await cmp({ ...missing, target: 'value', result: 'not-equal', value: bytes('x') }), false);
  const both = { key: bytes('k'), rangeEnd: bytes('l') };
  t.equal(await cmp({ ...both, target: 'value', result: 'equal', value: bytes('v') }), true);
  t.equal(await cmp({ ...both, target: 'mod', result: 'greater', number: 1 }), false); // k1 has mod 1
  t.equal(await cmp({ ...both, target: 'mod', result: 'greater', number: 0 }), true);
  t.equal(await cmp({ key: bytes('k1'), target: 'value', result: 'less', value: bytes('w') }), true);
});

t.test('txn: one revision, ops see earlier ops, a branch writing one key twice is refused', async (t) => {
  const h = await harness(t);
  await h.run(put('a', '0'));
  const r = await h.one(txn([{ key: bytes('a'), target: 'value', result: 'equal', value: bytes('0') }], [opPut('a', '1'), { range: { key: bytes('a') } }, opPut('b', '1', 0, true), opDel('c')], []));
  t.equal(r.revision, 2);
  t.equal(text(r.responses[1].range.kvs[0].value), '1');
  t.same(r.responses.map((x: any) => (Object.values(x)[0] as { revision: number }).revision), [2, 2, 2, 2]);
  const dup = await h.one(txn([], [opPut('x', '1'), opPut('x', '2')], []));
  t.match(dup, { error: { code: 'KEEL_DUPLICATE_KEY' } });
  const inDeleted = await h.one(txn([], [opDel('w', 'z'), opPut('x', '1')], []));
  t.match(inDeleted, { error: { code: 'KEEL_DUPLICATE_KEY' } });
  const inFailure = await h.one(txn([], [], [opPut('x', '1'), opPut('x', '1')]));
  t.match(inFailure, { error: { code: 'KEEL_DUPLICATE_KEY' } });
  const overlappingDeletes = await h.one(txn([], [opDel('a', 'c'), opDel('b', 'd')], []));
  t.same(overlappingDeletes.responses.map((x: any) => x.deleteRange.deleted), [2, 0]);
  t.equal(h.store.currentRevision, 3);
  const badLease = await h.one(txn([], [opPut('q', '1', 77)], []));
  t.match(badLease, { error: { code: 'KEEL_LEASE_NOT_FOUND' } });
  t.equal(h.store.currentRevision, 3);
});

t.test('delete-range returns prevKvs and makes one revision for all its keys', async (t) => {
  const h = await harness(t);
  await h.run(put('a', '1'), put('b', '2'), put('c', '3'));
  const r = await h.one(del('a', 'c', true));
  t.equal(r.revision, 4);
  t.equal(r.deleted, 2);
  t.same(r.prevKvs.map((kv: KeyValue) => [text(kv.key), text(kv.value), kv.modRevision]), [['a', '1', 1], ['b', '2', 2]]);
  t.same(keysOf((await h.store.range(all)).kvs), ['c']);
  const { events } = await h.store.history(all, 4, 4);
  t.same(events.map((e) => [e.type, text(e.kv.key), e.kv.modRevision, e.kv.version, text(e.prevKv!.value)]), [['delete', 'a', 4, 0, '1'], ['delete', 'b', 4, 0, '2']]);
});

t.test('leases: attach, detach, revoke deletes keys in one revision, expire ignores unknown ids', async (t) => {
  const h = await harness(t);
  t.match(await h.one({ op: 'lease-grant', request: { ttl: 5 } }), { id: 1, ttl: 5, revision: 0 });
  t.match(await h.one({ op: 'lease-grant', request: { ttl: 5, id: 10 } }), { id: 10 });
  t.match(await h.one({ op: 'lease-grant', request: { ttl: 5 } }), { id: 11 });
  t.match(await h.one({ op: 'lease-grant', request: { ttl: 5, id: 10 } }), { error: { code: 'KEEL_LEASE_EXISTS' } });
  t.match(await h.one(put('x', '1', 99)), { error: { code: 'KEEL_LEASE_NOT_FOUND' } });
  t.equal(h.store.currentRevision, 0);
  await h.run(put('a', '1', 1), put('b', '1', 1), put('c', '1', 1), put('c', '2'), put('d', '1', 10), put('d', '2', 1));
  t.same(h.store.lease(1)!.keys.map(text), ['a', 'b', 'd']);
  t.same(h.store.lease(10)!.keys, []);
  await h.reopen();
  t.same(h.store.lease(1)!.keys.map(text), ['a', 'b', 'd']);
  const revoked = await h.one({ op: 'lease-revoke', request: { id: 1 } });
  t.same(revoked, { revision: 7 });
  t.same(keysOf((await h.store.range(all)).kvs), ['c']);
  const { events } = await h.store.history(all, 7, 7);
  t.same(events.map((e) => text(e.kv.key)), ['a', 'b', 'd']);
  t.equal(h.store.lease(1), undefined);
  t.match(await h.one({ op: 'lease-revoke', request: { id: 1 } }), { error: { code: 'KEEL_LEASE_NOT_FOUND' } });
  // a lease without keys goes without a revision
  t.same(await h.one({ op: 'lease-expire', ids: [10, 404, 10] }), { revision: 7, expired: [10] });
  t.same(h.store.leases().map((l) => l.id), [11]);
  // ids are never reused
  t.match(await h.one({ op: 'lease-grant', request: { ttl: 5 } }), { id: 12 });
});

t.test('exactly-once: a retry returns the first answer, applies nothing, survives a reopen', async (t) => {
  const h = await harness(t);
  const first = await h.one({ clientId: 'c1', seq: 1, command: put('k', 'v1', 0, true) });
  t.same(first, { revision: 1 });
  await h.run(put('k', 'v2'));
  const again = await h.one({ clientId: 'c1', seq: 1, command: put('k', 'v3', 0, true) });
  t.same(again, first);
  t.equal(h.store.currentRevision, 2);
  // within one batch too
  const [a, b] = await h.run({ clientId: 'c2', seq: 7, command: put('z', '1') }, { clientId: 'c2', seq: 7, command: put('z', '1') });
  t.same(a, b);
  t.equal(h.store.currentRevision, 3);
  // errors are first answers as well
  const error = await h.one({ clientId: 'c3', seq: 1, command: { op: 'lease-revoke', request: { id: 5 } } });
  await h.run({ op: 'lease-grant', request: { ttl: 1, id: 5 } });
  t.same(await h.one({ clientId: 'c3', seq: 1, command: { op: 'lease-revoke', request: { id: 5 } } }), error);
  await h.reopen();
  t.same(await h.one({ clientId: 'c1', seq: 1, command: put('k', 'v4') }), first);
  t.equal(h.store.currentRevision, 3);
  const fresh = await h.one({ clientId: 'c1', seq: 2, command: put('k', 'v5') });
  t.same(fresh, { revision: 4 });
});

t.test('a batch entry applies its commands in order, each at its own revision, with one result each', async (t) => {
  const h = await harness(t);
  await h.run(put('a', '0'));
  const batchEntry = (members: Uint8Array[]) => {
    h.index += 1;
    return { term: 1, index: h.index, kind: 'normal' as const, data: encodeEnvelopeBatch(members) };
  };
  const members = [
    encodeEnvelope({ command: put('a', '1', 0, true) }),
    encodeEnvelope({ command: put('b', '1') }),
    encodeEnvelope({ command: del('zzz') }), // changes nothing: keeps the revision
    encodeEnvelope({ command: txn([{ key: bytes('a'), target: 'value', result: 'equal', value: bytes('1') }], [opPut('a', '2')]) }),
  ];
  const [before, results, after]: any[] = await h.store.apply([h.entry({ command: put('c', '1') }), batchEntry(members), h.entry({ command: put('d', '1') })]);
  t.same(before, { revision: 2 });
  t.equal(results.length, 4, 'one result per command');
  t.equal(results[0].revision, 3);
  t.equal(text(results[0].prevKv.value), '0', 'the first sees what came before the entry');
  t.same(results[1], { revision: 4 });
  t.same(results[2], { revision: 4, deleted: 0 });
  t.match(results[3], { revision: 5, succeeded: true }, 'a later command sees the earlier ones');
  t.same(after, { revision: 6 });
  t.match((await h.store.range({ key: bytes('a') })).kvs[0], { modRevision: 5, version: 3 });
  await h.reopen();
  t.equal(h.store.currentRevision, 6, 'all of it on disk');
  t.equal(await h.store.appliedIndex(), h.index);
});

t.test('in a batch entry, a command with a client id or one that does not decode fails alone', async (t) => {
  const h = await harness(t);
  h.index += 1;
  const members = [
    encodeEnvelope({ command: put('a', '1') }),
    encodeEnvelope({ clientId: 'c1', seq: 1, command: put('b', '1') }),
    Uint8Array.of(0xc1), // never valid msgpack
    encodeEnvelope({ command: put('c', '1') }),
  ];
  const [results]: any[] = await h.store.apply([{ term: 1, index: h.index, kind: 'normal', data: encodeEnvelopeBatch(members) }]);
  t.same(results[0], { revision: 1 });
  t.equal(results[1].error.code, errorCodes.badCommand);
  t.match(results[1].error.message, /client id/);
  t.equal(results[2].error.code, errorCodes.badCommand);
  t.same(results[3], { revision: 2 });
  const { kvs } = await h.store.range(all);
  t.same(keysOf(kvs), ['a', 'c']);
  // an entry of its own that decodes to something other than a command fails the same way
  for (const data of [Uint8Array.of(0xc1), encodeEnvelope({ command: 7 } as never)]) {
    h.index += 1;
    const [lone]: any[] = await h.store.apply([{ term: 1, index: h.index, kind: 'normal', data }]);
    t.equal(lone.error.code, errorCodes.badCommand);
  }
  t.equal(h.store.currentRevision, 2);
});

t.test('exactly-once: the window per client and the number of clients are bounded', async (t) => {
  const h = await harness(t, { dedupWindow: 3, dedupClientsMax: 2 });
  for (let seq = 1; seq <= 5; seq++) await h.one({ clientId: 'a', seq, command: put('k', `${seq}`) });
  t.equal(h.store.currentRevision, 5);
  t.same(await h.one({ clientId: 'a', seq: 4, command: put('k', 'x') }), { revision: 4 });
  t.match(await h.one({ clientId: 'a', seq: 2, command: put('k', 'x') }), { error: { code: 'KEEL_DEDUP_EXPIRED' } });
  t.equal(h.store.currentRevision, 5);
  // clients: a (active at the last entry), b, then c evicts the least recently active (a)
  await h.one({ clientId: 'b', seq: 1, command: put('b', '1') });
  await h.one({ clientId: 'c', seq: 1, command: put('c', '1') });
  const rev = h.store.currentRevision;
  await h.reopen();
  t.same(await h.one({ clientId: 'b', seq: 1, command: put('b', '2') }), { revision: 6 });
  t.same(await h.one({ clientId: 'a', seq: 4, command: put('k', 'again') }), { revision: rev + 1 }); // forgotten: applied again
});

t.test('onApplied: every event of a batch in revision order, txn order inside a revision, after the batch is on disk', async (t) => {
  const h = await harness(t);
  await h.run(put('a', '0'));
  const seen: Array<[RevisionEvent[], number]> = [];
  const off = h.store.onApplied((events, revision) => {
    seen.push([events, revision]);
    t.equal(h.store.currentRevision, revision);
  });
  await h.run(
    put('a', '1'),
    txn([], [opPut('z', '1'), opPut('m', '1'), opDel('a')], []),
    del('nothing'),
    put('b', '1'),
  );
  t.equal(seen.length, 1);
  const [events, revision] = seen[0];
  t.equal(revision, 4);
  t.same(events.map((e) => `${e.revision}:${e.type}:${text(e.kv.key)}`), ['2:put:a', '3:put:z', '3:put:m', '3:delete:a', '4:put:b']);
  t.equal(text(events[0].prevKv!.value), '0');
  t.equal(text(events[3].prevKv!.value), '1');
  const history = await h.store.history(all, 2, 4);
  t.same(history.events, events);
  t.same((await h.store.history(all, 2, 4, 2)).events, events.slice(0, 2));
  t.same((await h.store.history({ key: bytes('a') }, 1, 0)).events.map((e) => e.revision), [1, 2, 3]);
  off();
  await h.run(put('c', '1'));
  t.equal(seen.length, 1);
});

t.test('snapshot image restores into a fresh database, whole or in chunks', async (t) => {
  const h = await harness(t, { dedupWindow: 4 });
  await h.run({ op: 'lease-grant', request: { ttl: 3 } });
  for (let i = 0; i < 50; i++) await h.one({ clientId: 'w', seq: i, command: put(`key/${i % 7}`, `value ${i}`, i % 2) });
  await h.run({ op: 'compact', request: { revision: 20 } });
  const whole = await h.store.snapshot();
  const chunks: Uint8Array[] = [];
  for await (const chunk of h.store.snapshotChunks(256)) chunks.push(chunk);
  t.ok(chunks.length > 5, `${chunks.length} chunks`);
  const meta = { index: h.index, term: 1, conf: { voters: [1], learners: [] } };
  const expectRange = await h.store.range(all);
  const expectPast = await h.store.range({ ...all, revision: 25 });

  const a = await harness(t);
  await a.run(put('junk', 'x'));
  await a.db.batch(await a.store.restoreOps(whole, meta));
  a.store.restored(meta);
  const b = await harness(t);
  await b.run(put('junk', 'x'), { op: 'lease-grant', request: { ttl: 9, id: 77 } });
  await b.store.restoreFromChunks((async function* () { yield* chunks; })(), meta);
  for (const r of [a, b]) {
    t.same(await r.store.range(all), expectRange);
    t.same(await r.store.range({ ...all, revision: 25 }), expectPast);
    t.equal(await r.store.appliedIndex(), meta.index);
    t.equal(r.store.compactRevision, 20);
    t.same(r.store.leases(), h.store.leases());
    r.index = meta.index;
    t.same(await r.one({ clientId: 'w', seq: 49, command: put('x', 'y') }), { revision: 50 });
    await r.reopen();
    t.same(await r.store.range(all), expectRange); // the retry was answered from the restored dedup table
    t.equal(r.store.currentRevision, 50);
  }
});

t.test('an interrupted chunked restore is refused at open', async (t) => {
  const h = await harness(t);
  await h.run(put('a', '1'));
  const source = await harness(t);
  await source.run(put('b', '1'));
  const ops = h.store.restoreChunkOps(source.store.snapshotChunks(), { index: 1, term: 1, conf: { voters: [1], learners: [] } });
  const first = await ops.next();
  await h.db.batch(first.value as any);
  await h.db.close();
  const { MvccStore } = await import('../store/mvcc/index.ts');
  await h.db.open();
  await t.rejects(new MvccStore(h.db).open(), { code: 'KEEL_RESTORE_INCOMPLETE' });
});

t.test('the revision log stores references, not copies: a 64 KiB put adds a record of a few bytes', async (t) => {
  const h = await harness(t);
  const big = 'x'.repeat(64 << 10);
  await h.run(put('a', big));
  await h.run(put('a', big, 0, true));
  await h.run(del('a'));
  const records = await h.db.iterator({ gte: revisionLogKey(0, 0), lt: Uint8Array.of(revisionLogPrefix + 1) }).all();
  t.equal(records.length, 3);
  for (const [, value] of records) t.ok(value.length < 32, `a record of ${value.length} bytes`);
  const { events } = await h.store.history(all, 1, 0);
  t.same(events.map((e) => `${e.revision}:${e.type}:${e.kv.value.length}:${e.prevKv?.modRevision ?? '-'}:${e.prevKv?.value.length ?? '-'}`), [
    `1:put:${big.length}:-:-`,
    `2:put:${big.length}:1:${big.length}`,
    '3:delete:0:2:' + big.length,
  ]);
});

t.test('revision-log records written whole (by keel before references) are still read', async (t) => {
  const h = await harness(t);
  await h.run(put('a', '1'));
  await h.run(put('a', '2'));
  const { events: expected } = await h.store.history(all, 1, 0);
  // The whole-event form: [type, [key, create, mod, version, lease, value], prev or null].
  const tuple = (kv: KeyValue) => [kv.key, kv.createRevision, kv.modRevision, kv.version, kv.lease, kv.value];
  for (const event of expected) {
    await h.db.put(revisionLogKey(event.revision, 0), packr.pack([0, tuple(event.kv), event.prevKv ? tuple(event.prevKv) : null]));
  }
  await h.reopen();
  t.same((await h.store.history(all, 1, 0)).events, expected);
  await h.run(put('a', '3'));
  t.same((await h.store.history(all, 1, 0)).events.map((e) => text(e.kv.value)), ['1', '2', '3'], 'old and new records side by side');
});

t.test('apply answers with the final results before its batch is written; the revision moves once it is', async (t) => {
  const h = await Harness.create();
  t.teardown(() => h.destroy());
  const seen: Array<{ results: unknown[]; revision: number; header: number }> = [];
  const entries = [
    h.entry({ command: { op: 'put', request: { key: bytes('a'), value: bytes('1') } } }),
    h.entry({ command: { op: 'put', request: { key: bytes('b'), value: bytes('2') } } }),
  ];
  const results = await h.store.apply(entries, (answered) =>
    seen.push({ results: answered, revision: h.store.currentRevision, header: h.store.headerRevision }),
  );
  t.equal(seen.length, 1, 'answered once');
  t.same(seen[0].results, results, 'with the results apply returns');
  t.equal(seen[0].revision, 0, 'before the batch landed: the store still stood at revision 0');
  t.equal(seen[0].header, 2, 'but a response header already names the answered revision');
  t.equal(h.store.currentRevision, 2);
  t.equal(h.store.headerRevision, 2);
});
