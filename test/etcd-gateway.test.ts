// The etcd v3 JSON gateway against a fake StoreContext: the codec decodes as grpc-gateway v1 does
// and every route answers etcd 3.4's exact shapes (checked live in test/etcd-compat.test.ts).
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { KeelError } from '../raft/core/index.ts';
import { etcdWritePaths, handleEtcd, isEtcdPath } from '../store/api/etcd-gateway.ts';
import { decodeBase64, decodeCompare, decodeRange, decodeTxn, encodeTxnBody, int64Field, parseBody } from '../store/api/etcd-json.ts';
import { FakeStore } from './etcd-gateway-fake.test.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const bytes = (text: string) => new TextEncoder().encode(text);
const header = (revision?: number) => ({
  cluster_id: '12101053776118486841', member_id: '2', ...(revision !== undefined ? { revision: String(revision) } : {}), raft_term: '3',
});

function throwsCode(t: Test, fn: () => unknown, grpcCode: number, what?: string): void {
  try {
    fn();
    t.fail(`expected an error with gRPC code ${grpcCode}${what ? `: ${what}` : ''}`);
  } catch (error) {
    t.match(error, { grpcCode }, what ?? 'gRPC code');
  }
}

async function call(store: FakeStore, path: string, body: unknown) {
  return handleEtcd(path, typeof body === 'string' ? body : JSON.stringify(body), store);
}

t.test('codec: int64 fields as numbers or strings, as jsonpb reads them', async (t) => {
  t.equal(int64Field({ limit: 5 }, 'limit'), 5);
  t.equal(int64Field({ limit: '5' }, 'limit'), 5);
  t.equal(int64Field({ limit: ' 5' }, 'limit'), 5, 'whitespace inside the quotes, as Go tolerates');
  t.equal(int64Field({}, 'limit'), 0, 'absent is 0');
  t.equal(int64Field({ limit: null }, 'limit'), 0, 'null is absent');
  t.equal(int64Field({ min_mod_revision: 7 }, 'min_mod_revision'), 7);
  t.equal(int64Field({ minModRevision: 7 }, 'min_mod_revision'), 7, 'the lowerCamel JSON name is accepted too');
  t.throws(() => int64Field({ limit: 1.5 }, 'limit'), { grpcCode: 3, message: 'json: cannot unmarshal number 1.5 into Go value of type int64' });
  throwsCode(t, () => int64Field({ limit: '12abc' }, 'limit'), 3);
  throwsCode(t, () => int64Field({ limit: true }, 'limit'), 3);
  t.throws(() => int64Field({ lease: '9223372036854775807' }, 'lease'), { grpcCode: 3, message: /beyond the integers keel stores/ });
});

t.test('codec: bytes are standard base64 with padding', async (t) => {
  t.same(Buffer.from(decodeBase64('Zm9v')), Buffer.from('foo'));
  t.same(decodeBase64('').length, 0);
  t.throws(() => decodeBase64('!!!'), { grpcCode: 3, message: 'illegal base64 data at input byte 0' });
  t.throws(() => decodeBase64('Zm9v-'), { grpcCode: 3, message: 'illegal base64 data at input byte 4' });
  throwsCode(t, () => decodeBase64('Zm9v_'), 3);
  throwsCode(t, () => decodeBase64('Zm9'), 3, 'unpadded');
  t.same(Buffer.from(decodeBase64('Zg==')), Buffer.from('f'));
  t.same(Buffer.from(decodeBase64('Zm8=')), Buffer.from('fo'));
  t.same(Buffer.from(decodeBase64('Zm9v\r\nYmFy')), Buffer.from('foobar'), 'line breaks are skipped, as Go does');
  throwsCode(t, () => decodeBase64('Zm=v'), 3, 'padding inside');
  throwsCode(t, () => decodeBase64('Zg==Zg=='), 3, 'padding before the end');
  throwsCode(t, () => decodeBase64('Zg==='), 3, 'three pad characters');
  throwsCode(t, () => decodeBase64('Zm9v\tYmFy'), 3, 'a tab');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => Buffer.from(decodeBase64(Buffer.from(bytes).toString('base64'))).equals(Buffer.from(bytes))), { numRuns: 200 });
});

t.test('codec: base64 is accepted and refused as a strict pattern match would', async (t) => {
  // The reference: one regex for the padded standard form, else the checks of decodeBase64's slow path.
  const reference = (text: string): string => {
    if (/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return `ok ${Buffer.from(text, 'base64').toString('hex')}`;
    const bad = /[^A-Za-z0-9+/=\r\n]/.exec(text);
    if (bad !== null) return `illegal ${bad.index}`;
    const compact = text.replace(/[\r\n]/g, '');
    if (compact.length % 4 !== 0 || /=[^=]/.test(compact) || /={3,}$/.test(compact)) return `illegal ${Math.max(0, compact.length - (compact.length % 4 || 4))}`;
    return `ok ${Buffer.from(compact, 'base64').toString('hex')}`;
  };
  const actual = (text: string): string => {
    try {
      return `ok ${Buffer.from(decodeBase64(text)).toString('hex')}`;
    } catch (error) {
      return `illegal ${/at input byte (\d+)/.exec((error as Error).message)?.[1]}`;
    }
  };
  const chars = [...'AQZagz09+/', '=', '=', '=', '-', '_', '\r', '\n', '\t', ' ', '!', 'é'];
  const text = fc.array(fc.constantFrom(...chars), { maxLength: 16 }).map((cs) => cs.join(''));
  const valid = fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('base64'));
  // A valid text with one character changed, put in or taken out: the near misses.
  const nearMiss = fc.tuple(valid, fc.nat(), fc.constantFrom(...chars), fc.constantFrom('replace', 'insert', 'delete')).map(([v, at, c, how]) => {
    const i = v.length === 0 ? 0 : at % v.length;
    if (how === 'insert') return v.slice(0, i) + c + v.slice(i);
    if (how === 'delete') return v.slice(0, i) + v.slice(i + 1);
    return v.slice(0, i) + c + v.slice(i + 1);
  });
  fc.assert(fc.property(fc.oneof(text, valid, nearMiss), (s) => actual(s) === reference(s)), { numRuns: 20_000 });
  t.pass('20,000 texts agree');
});

t.test('codec: bodies: empty, null, trailing bytes, malformed, not an object', async (t) => {
  t.same(parseBody(''), {});
  t.same(parseBody('null'), {});
  t.same(parseBody(Buffer.from('{"a":1}')), { a: 1 });
  t.same(parseBody('{"a":1} trailing'), { a: 1 }, 'only the first JSON value counts, as with json.Decoder');
  t.same(parseBody({ a: 1 }), { a: 1 }, 'an already parsed body');
  throwsCode(t, () => parseBody('{bad json'), 3);
  t.throws(() => parseBody('[]'), { grpcCode: 3, message: 'json: cannot unmarshal array into Go value of type map[string]json.RawMessage' });
});

t.test('codec: ranges, compares and txns', async (t) => {
  const range = decodeRange({ key: b64('a'), range_end: b64('b'), limit: '2', keys_only: true, revision: 4, serializable: true });
  t.same(range.request, { key: bytes('a'), rangeEnd: bytes('b'), limit: 2, revision: 4, keysOnly: true });
  t.equal(range.serializable, true);
  t.same(decodeRange({ key: b64('a'), rangeEnd: b64('b'), countOnly: true }).request, { key: bytes('a'), rangeEnd: bytes('b'), countOnly: true }, 'JSON names');
  const sorted = decodeRange({ key: b64('a'), range_end: 'AA==', limit: 2, sort_target: 'MOD' });
  t.equal(sorted.request.limit, undefined, 'a sorted range reads every key, the gateway sorts and limits');
  t.equal(sorted.extras.sortOrder, 'ASCEND', 'a target without an order sorts ascending, as etcd does');
  t.throws(() => decodeRange({}), { grpcCode: 3, message: 'etcdserver: key is not provided' });
  t.throws(() => decodeRange({ key: 123 }), { grpcCode: 3, message: 'json: cannot unmarshal number into Go value of type []uint8' });
  t.throws(() => decodeRange({ key: b64('a'), count_only: 'true' }), { message: 'json: cannot unmarshal string into Go value of type bool' });

  t.same(decodeCompare({ key: b64('k'), target: 'MOD', result: 'LESS', mod_revision: '100' }), { key: bytes('k'), target: 'mod', result: 'less', number: 100 });
  t.same(decodeCompare({ key: b64('k'), target: 1, result: 3, create_revision: 5 }), { key: bytes('k'), target: 'create', result: 'not-equal', number: 5 }, 'enums by number');
  t.same(decodeCompare({ key: b64('k'), version: 2 }), { key: bytes('k'), target: 'version', result: 'equal', number: 2 }, 'defaults: VERSION, EQUAL');
  t.same(decodeCompare({ key: b64('k'), target: 'VERSION', mod_revision: 9 }).number, 0, 'only the union member matching the target counts');
  t.same(decodeCompare({ key: b64('k'), target: 'VALUE', value: b64('v') }).value, bytes('v'));
  t.throws(() => decodeCompare({ key: b64('k'), target: 'BOGUS' }), { grpcCode: 3, message: 'unknown value "BOGUS" for enum etcdserverpb.Compare_CompareTarget' });

  const txn = decodeTxn({ success: [{ request_put: { key: b64('a'), value: b64('1') } }, { requestRange: { key: b64('a') } }], failure: [{ request_delete_range: { key: b64('a'), prev_kv: true } }] });
  t.same(txn.request, {
    compare: [],
    success: [{ put: { key: bytes('a'), value: bytes('1') } }, { range: { key: bytes('a') } }],
    failure: [{ deleteRange: { key: bytes('a'), prevKv: true } }],
  });
  t.throws(() => decodeTxn({ success: [{ request_put: { key: b64('a') } }, { request_put: { key: b64('a') } }] }), { message: 'etcdserver: duplicate key given in txn request' });
  t.throws(() => decodeTxn({ success: [{ request_delete_range: { key: b64('a'), range_end: b64('c') } }, { request_put: { key: b64('b') } }] }), { message: 'etcdserver: duplicate key given in txn request' });
  t.throws(() => decodeTxn({ success: [{}] }), { grpcCode: 3, message: 'etcdserver: key not found' });
  t.throws(() => decodeTxn({ success: [{ request_put: { value: b64('v') } }] }), { message: 'etcdserver: key is not provided' });
  t.throws(() => decodeTxn({ success: Array.from({ length: 129 }, (_, i) => ({ request_range: { key: b64(`k${i}`) } })) }), { message: 'etcdserver: too many operations in txn request' });
  throwsCode(t, () => decodeTxn({ success: [{ request_txn: {} }] }), 12);
});

t.test('kv: put, range and deleterange answer etcd 3.4 shapes', async (t) => {
  const store = new FakeStore();
  t.same(await call(store, '/v3/kv/put', { key: b64('foo'), value: b64('bar') }), { status: 200, body: { header: header(2) } });
  t.same((await call(store, '/v3/kv/put', { key: b64('foo'), value: b64('baz'), prev_kv: true })).body, {
    header: header(3),
    prev_kv: { key: b64('foo'), create_revision: '2', mod_revision: '2', version: '1', value: b64('bar') },
  });
  t.same((await call(store, '/v3/kv/range', { key: b64('foo') })).body, {
    header: header(3), kvs: [{ key: b64('foo'), create_revision: '2', mod_revision: '3', version: '2', value: b64('baz') }], count: '1',
  });
  t.same(store.barriers, ['linearizable']);
  t.same((await call(store, '/v3/kv/range', { key: b64('nope'), serializable: true })).body, { header: header(3) }, 'nothing found: header only');
  t.equal(store.barriers[1], 'serializable');
  t.same((await call(store, '/v3/kv/range', { key: b64('foo'), count_only: true })).body, { header: header(3), count: '1' });
  t.same(((await call(store, '/v3/kv/range', { key: b64('foo'), keys_only: true })).body as { kvs: unknown }).kvs, [{ key: b64('foo'), create_revision: '2', mod_revision: '3', version: '2' }]);
  t.same((await call(store, '/v3/kv/range', { key: b64('foo'), revision: '2' })).body, {
    header: header(3), kvs: [{ key: b64('foo'), create_revision: '2', mod_revision: '2', version: '1', value: b64('bar') }], count: '1',
  }, 'a past revision; the header has the current one');
  t.same(await call(store, '/v3/kv/range', { key: b64('foo'), revision: 100 }), {
    status: 400,
    body: { error: 'etcdserver: mvcc: required revision is a future revision', message: 'etcdserver: mvcc: required revision is a future revision', code: 11 },
  });

  for (const k of ['a/1', 'a/2', 'a/3']) await call(store, '/v3/kv/put', { key: b64(k), value: '' });
  const limited = (await call(store, '/v3/kv/range', { key: b64('a/'), range_end: b64('a0'), limit: 2 })).body as Record<string, unknown>;
  t.same(limited, {
    header: header(6),
    kvs: [{ key: b64('a/1'), create_revision: '4', mod_revision: '4', version: '1' }, { key: b64('a/2'), create_revision: '5', mod_revision: '5', version: '1' }],
    more: true,
    count: '3',
  }, 'an empty value is omitted; more and count');
  const sorted = (await call(store, '/v3/kv/range', { key: 'AA==', range_end: 'AA==', sort_order: 'DESCEND', sort_target: 'MOD', limit: 2, keys_only: true })).body as { kvs: { key: string }[]; more?: boolean; count: string };
  t.same(sorted.kvs.map((kv) => kv.key), [b64('a/3'), b64('a/2')]);
  t.equal(sorted.more, true);
  t.equal(sorted.count, '4');
  const filtered = (await call(store, '/v3/kv/range', { key: 'AA==', range_end: 'AA==', min_mod_revision: 5 })).body as { kvs: { key: string }[]; count: string };
  t.same(filtered.kvs.map((kv) => kv.key), [b64('a/2'), b64('a/3')], 'min_mod_revision filters after the read');
  t.equal(filtered.count, '4', 'count ignores the filters, as in etcd');

  t.same((await call(store, '/v3/kv/deleterange', { key: b64('a/'), range_end: b64('a0'), prev_kv: true })).body, {
    header: header(7),
    deleted: '3',
    prev_kvs: [
      { key: b64('a/1'), create_revision: '4', mod_revision: '4', version: '1' },
      { key: b64('a/2'), create_revision: '5', mod_revision: '5', version: '1' },
      { key: b64('a/3'), create_revision: '6', mod_revision: '6', version: '1' },
    ],
  });
  t.same((await call(store, '/v3/kv/deleterange', { key: b64('a/1') })).body, { header: header(7) }, 'deleted 0 is omitted');
  t.same(await call(store, '/v3/kv/put', { value: b64('x') }), {
    status: 400, body: { error: 'etcdserver: key is not provided', message: 'etcdserver: key is not provided', code: 3 },
  });
  t.same(await call(store, '/v3/kv/put', { key: b64('x'), value: b64('x'), lease: '12345' }), {
    status: 404, body: { error: 'etcdserver: requested lease not found', message: 'etcdserver: requested lease not found', code: 5 },
  });
  t.equal((await call(store, '/v3/kv/put', { key: b64('x'), value: b64('x'), ignore_value: true })).status, 400, 'a value with ignore_value');
  t.equal((await call(store, '/v3/kv/put', { key: b64('x'), ignore_value: true })).status, 501, 'ignore_value itself is not supported');
});

t.test('kv: txn compare-and-swap and its sub-response headers', async (t) => {
  const store = new FakeStore();
  await call(store, '/v3/kv/put', { key: b64('k1'), value: b64('v1') });
  const cas = {
    compare: [{ key: b64('k1'), target: 'VALUE', result: 'EQUAL', value: b64('v1') }],
    success: [{ request_range: { key: b64('k1') } }, { request_put: { key: b64('k1'), value: b64('v2'), prev_kv: true } }, { request_delete_range: { key: b64('zz') } }],
    failure: [{ request_range: { key: b64('k1') } }],
  };
  t.same((await call(store, '/v3/kv/txn', cas)).body, {
    header: header(3),
    succeeded: true,
    responses: [
      { response_range: { header: { revision: '2' }, kvs: [{ key: b64('k1'), create_revision: '2', mod_revision: '2', version: '1', value: b64('v1') }], count: '1' } },
      { response_put: { header: { revision: '3' }, prev_kv: { key: b64('k1'), create_revision: '2', mod_revision: '2', version: '1', value: b64('v1') } } },
      { response_delete_range: { header: { revision: '3' } } },
    ],
  });
  t.same((await call(store, '/v3/kv/txn', cas)).body, {
    header: header(3),
    responses: [{ response_range: { header: { revision: '3' }, kvs: [{ key: b64('k1'), create_revision: '2', mod_revision: '3', version: '2', value: b64('v2') }], count: '1' } }],
  }, 'a failed compare: succeeded false is omitted');
  t.same((await call(store, '/v3/kv/txn', {})).body, { header: header(3), succeeded: true }, 'an empty txn succeeds');
  t.same(store.proposed.at(-1), { command: { op: 'txn', request: { compare: [], success: [], failure: [] } } });
});

t.test('codec: txn sub-headers follow etcd whatever revision the store put in them', async (t) => {
  const kv = { key: bytes('k'), value: bytes('v'), createRevision: 2, modRevision: 2, version: 1, lease: 0 };
  const range = { revision: 9, kvs: [kv], more: false, count: 1 };
  const body = encodeTxnBody({
    revision: 9,
    succeeded: true,
    responses: [{ range }, { deleteRange: { revision: 9, deleted: 0 } }, { put: { revision: 9 } }, { range }],
  }, []) as { responses: Record<string, { header: unknown }>[] };
  t.same(body.responses.map((r) => Object.values(r)[0].header), [{ revision: '8' }, { revision: '8' }, { revision: '9' }, { revision: '9' }],
    'before the first change: the revision before the txn; from it on: the txn\'s');
  const readOnly = encodeTxnBody({ revision: 9, succeeded: false, responses: [{ range }, { deleteRange: { revision: 9, deleted: 0 } }] }, []) as { responses: Record<string, { header: unknown }>[] };
  t.same(readOnly.responses.map((r) => Object.values(r)[0].header), [{ revision: '9' }, { revision: '9' }], 'a txn that changed nothing');
});

t.test('kv: compaction and reads below it', async (t) => {
  const store = new FakeStore();
  for (const v of ['1', '2', '3']) await call(store, '/v3/kv/put', { key: b64('k'), value: b64(v) });
  t.same(await call(store, '/v3/kv/compaction', { revision: '3', physical: true }), { status: 200, body: { header: header(4) } });
  const compacted = { error: 'etcdserver: mvcc: required revision has been compacted', message: 'etcdserver: mvcc: required revision has been compacted', code: 11 };
  t.same(await call(store, '/v3/kv/range', { key: b64('k'), revision: 2 }), { status: 400, body: compacted });
  t.same(await call(store, '/v3/kv/compaction', { revision: 3 }), { status: 400, body: compacted }, 'compacting again');
  t.same(await call(store, '/v3/kv/compaction', {}), { status: 400, body: compacted }, 'revision 0');
  t.same(await call(store, '/v3/kv/compaction', { revision: 100 }), {
    status: 400,
    body: { error: 'etcdserver: mvcc: required revision is a future revision', message: 'etcdserver: mvcc: required revision is a future revision', code: 11 },
  });
  t.equal((await call(store, '/v3/kv/range', { key: b64('k'), revision: 3 })).status, 200, 'the compact revision itself is readable');
});

t.test('leases: grant, keepalive, timetolive, revoke', async (t) => {
  const store = new FakeStore();
  t.same((await call(store, '/v3/lease/grant', { TTL: 30, ID: '777' })).body, { header: header(1), ID: '777', TTL: '30' });
  t.same(await call(store, '/v3/lease/grant', { TTL: 30, ID: 777 }), {
    status: 412, body: { error: 'etcdserver: lease already exists', message: 'etcdserver: lease already exists', code: 9 },
  });
  t.same((await call(store, '/v3/lease/grant', { ttl: 30 })).body, { header: header(1), ID: '1000', TTL: '2' }, '"ttl" is not the field name: TTL 0, raised to the minimum');
  t.same(await call(store, '/v3/lease/grant', { TTL: '9000000001' }), {
    status: 400, body: { error: 'etcdserver: too large lease TTL', message: 'etcdserver: too large lease TTL', code: 11 },
  });
  await call(store, '/v3/kv/put', { key: b64('lk'), value: b64('lv'), lease: '777' });
  store.nowS = 5;
  t.same((await call(store, '/v3/lease/timetolive', { ID: '777', keys: true })).body, { header: header(2), ID: '777', TTL: '25', grantedTTL: '30', keys: [b64('lk')] });
  t.same((await call(store, '/v3/lease/keepalive', { ID: '777' })).body, { result: { header: header(2), ID: '777', TTL: '30' } });
  t.same((await call(store, '/v3/kv/lease/timetolive', { ID: '777' })).body, { header: header(2), ID: '777', TTL: '30', grantedTTL: '30' }, 'the keepalive reset the timer; no keys unless asked');
  t.same((await call(store, '/v3/lease/keepalive', { ID: '778' })).body, { result: { header: header(2), ID: '778' } }, 'an unknown lease: no TTL, not an error');
  t.same((await call(store, '/v3/lease/timetolive', { ID: '778' })).body, { header: header(2), ID: '778', TTL: '-1' });
  t.same(await call(store, '/v3/lease/revoke', { ID: '777' }), { status: 200, body: { header: header(3) } });
  t.same((await call(store, '/v3/kv/range', { key: b64('lk') })).body, { header: header(3) }, 'the lease took its key');
  t.same(await call(store, '/v3/lease/revoke', { ID: '777' }), {
    status: 404, body: { error: 'etcdserver: requested lease not found', message: 'etcdserver: requested lease not found', code: 5 },
  });
});

t.test('cluster: member list and maintenance status', async (t) => {
  const store = new FakeStore();
  t.same((await call(store, '/v3/cluster/member/list', {})).body, {
    header: header(),
    members: [1, 2, 3].map((id) => ({ ID: String(id), name: `m${id}`, peerURLs: [`http://127.0.0.1:${7000 + id}`], clientURLs: [`http://127.0.0.1:${8000 + id}`] })),
  }, 'no revision in the header; isLearner false is omitted');
  t.same((await call(store, '/v3/maintenance/status', '')).body, {
    header: header(1), version: '0.1.0', dbSize: '20480', leader: '2', raftIndex: '27', raftTerm: '3', raftAppliedIndex: '27', dbSizeInUse: '20480',
  });
});

t.test('errors: unknown paths, malformed JSON, errors thrown by the node', async (t) => {
  const store = new FakeStore();
  t.same(await call(store, '/v3/kv/nope', {}), { status: 404, body: 'Not Found\n' }, "grpc-gateway's own text 404");
  t.equal(isEtcdPath('/v3/kv/nope'), false);
  t.equal(isEtcdPath('/v3/kv/range'), true);
  const malformed = await call(store, '/v3/kv/range', '{bad json');
  t.equal(malformed.status, 400);
  t.match(malformed.body, { code: 3, error: String, message: String });
  t.same(await call(store, '/v3/kv/range', ''), {
    status: 400, body: { error: 'etcdserver: key is not provided', message: 'etcdserver: key is not provided', code: 3 },
  });
  t.same((await call(store, '/v3/kv/range', { key: b64('x'), unknownfield: 1 })).status, 200, 'unknown fields are ignored');

  class NoLeader extends KeelError { override readonly code = 'KEEL_NO_LEADER'; }
  store.throwOnPropose = new NoLeader('no leader');
  t.same(await call(store, '/v3/kv/put', { key: b64('k'), value: b64('v') }), {
    status: 503, body: { error: 'etcdserver: no leader', message: 'etcdserver: no leader', code: 14 },
  });
  class Strange extends KeelError { override readonly code = 'KEEL_SOMETHING_NEW'; }
  store.throwOnPropose = new Strange('what happened');
  t.same(await call(store, '/v3/kv/put', { key: b64('k'), value: b64('v') }), {
    status: 500, body: { error: 'keel: KEEL_SOMETHING_NEW: what happened', message: 'keel: KEEL_SOMETHING_NEW: what happened', code: 2 },
  });
  store.throwOnPropose = new TypeError('a bug');
  await t.rejects(call(store, '/v3/kv/put', { key: b64('k'), value: b64('v') }), TypeError, 'a bug is not dressed up as an etcd error');
});

t.test('write paths: every write and lease route, and no read', async (t) => {
  for (const path of ['/v3/kv/put', '/v3/kv/deleterange', '/v3/kv/txn', '/v3/kv/compaction', '/v3/lease/grant', '/v3/lease/revoke', '/v3/lease/keepalive', '/v3/lease/timetolive']) {
    t.ok(etcdWritePaths.has(path), path);
  }
  for (const path of ['/v3/kv/range', '/v3/maintenance/status', '/v3/cluster/member/list', '/v3/watch']) t.notOk(etcdWritePaths.has(path), path);
  for (const path of etcdWritePaths) t.ok(isEtcdPath(path), `${path} is served`);
});
