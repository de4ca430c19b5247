// The latest-record cache: a batch's writes replace cached records, a read that raced a batch
// never fills the cache with what it read, the byte bound holds, and the applier reads hot keys
// from it.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { MvccStore, encodeEnvelope } from '../store/mvcc/index.ts';
import { LatestCache } from '../store/mvcc/latest-cache.ts';
import { latestKey } from '../store/mvcc/keys.ts';

const key = (text: string): Uint8Array => latestKey(new TextEncoder().encode(text));
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

t.test('a batch on disk replaces and removes cached records', async (t) => {
  const cache = new LatestCache();
  cache.fill(key('a'), bytes('old'), cache.epoch);
  t.same(cache.get(key('a')), bytes('old'));
  cache.applied([{ type: 'put', key: key('a'), value: bytes('new') }, { type: 'put', key: Uint8Array.of(0x13, 1), value: bytes('log') }]);
  t.same(cache.get(key('a')), bytes('new'));
  t.equal(cache.get(Uint8Array.of(0x13, 1)), undefined, 'only the latest index is cached');
  cache.applied([{ type: 'del', key: key('a') }]);
  t.equal(cache.get(key('a')), undefined, 'a deleted key is a miss, read from disk');
});

t.test('a read that raced a batch does not fill the cache', async (t) => {
  const cache = new LatestCache();
  const epoch = cache.epoch; // a read starts
  cache.applied([{ type: 'put', key: key('b'), value: bytes('v2') }]); // a batch lands meanwhile
  cache.applied([{ type: 'del', key: key('b') }]);
  cache.fill(key('b'), bytes('v1'), epoch); // the read comes back with what it saw
  t.equal(cache.get(key('b')), undefined);
});

t.test('the least recently used records go first past the byte bound; clear empties it', async (t) => {
  const cache = new LatestCache(100);
  for (const k of ['a', 'b', 'c']) cache.fill(key(k), new Uint8Array(30), cache.epoch);
  cache.get(key('a')); // a is used again: b is now the oldest
  cache.fill(key('d'), new Uint8Array(30), cache.epoch);
  t.equal(cache.get(key('b')), undefined, 'evicted');
  t.ok(cache.get(key('a')) && cache.get(key('c')) && cache.get(key('d')), 'the rest stay');
  cache.clear();
  t.equal(cache.get(key('a')), undefined);
});

t.test('a cached record is a copy that keeps no larger buffer alive', async (t) => {
  const cache = new LatestCache();
  const pool = new Uint8Array(8192);
  cache.fill(key('v'), pool.subarray(100, 400), cache.epoch);
  const record = cache.get(key('v'))!;
  t.equal(record.length, 300);
  t.equal(record.buffer.byteLength, 300, 'not a view into the 8 KiB pool');
});

t.test('an apply batch takes the keys it writes from the cache: a hot key costs no LevelDB read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-latest-'));
  const db = new Level<Uint8Array, Uint8Array>(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  t.teardown(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const store = new MvccStore(db);
  await store.open();
  const asked: number[] = [];
  const getMany = db.getMany.bind(db);
  db.getMany = ((keys: Uint8Array[], ...rest: unknown[]) => {
    asked.push(keys.length);
    return (getMany as (...args: unknown[]) => unknown)(keys, ...rest);
  }) as typeof db.getMany;
  let index = 0;
  const put = (k: string, v: string) => ({ term: 1, index: ++index, kind: 'normal' as const, data: encodeEnvelope({ command: { op: 'put', request: { key: bytes(k), value: bytes(v) } } }) });
  await store.apply([put('hot', '1'), put('cold', '1')]);
  t.same(asked, [2], 'new keys are read from LevelDB (absent there)');
  asked.length = 0;
  const [result] = (await store.apply([put('hot', '2')])) as Array<{ prevKv?: unknown }>;
  t.same(asked, [], 'a key the last batch wrote is in the cache');
  t.match(result, { revision: 3 });
  const [kv] = (await store.range({ key: bytes('hot') })).kvs;
  t.match(kv, { version: 2, createRevision: 1, modRevision: 3 }, 'and its version and create revision come from the cached record');
});
