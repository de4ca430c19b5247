// The latest-record cache: a batch's writes replace cached records, a read that raced a batch
// never fills the cache with what it read, the byte bound holds, and the applier reads hot keys
// from it.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { MvccStore, encodeEnvelope } from '../store/mvcc/index.ts';
import { LatestCache, recentBatchesMax } from '../store/mvcc/latest-cache.ts';
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

t.test('a read that spanned batches fills the cache unless one of them wrote its key or too many landed', async (t) => {
  const cache = new LatestCache();
  const epoch = cache.epoch; // reads of c and d start
  cache.applied([{ type: 'put', key: key('other'), value: bytes('x') }]);
  cache.applied([{ type: 'put', key: key('d'), value: bytes('d2') }]);
  cache.fill(key('c'), bytes('c1'), epoch);
  cache.fill(key('d'), bytes('d1'), epoch);
  t.same(cache.get(key('c')), bytes('c1'), 'the batches did not write c: what was read still holds');
  t.same(cache.get(key('d')), bytes('d2'), 'a batch wrote d: the read is dropped');
  const long = cache.epoch;
  for (let i = 0; i < recentBatchesMax; i++) cache.applied([{ type: 'put', key: key('other'), value: bytes(String(i)) }]);
  cache.fill(key('e'), bytes('e1'), long);
  t.same(cache.get(key('e')), bytes('e1'), `${recentBatchesMax} batches are remembered`);
  const longer = cache.epoch;
  for (let i = 0; i <= recentBatchesMax; i++) cache.applied([{ type: 'put', key: key('other'), value: bytes(String(i)) }]);
  cache.fill(key('f'), bytes('f1'), longer);
  t.equal(cache.get(key('f')), undefined, 'one more and the read cannot be checked: dropped');
});

t.test('clear() keeps out every read begun before it, even once batches follow', async (t) => {
  const cache = new LatestCache();
  const epoch = cache.epoch;
  cache.clear(); // a snapshot replaced the state
  cache.applied([{ type: 'put', key: key('other'), value: bytes('x') }]);
  cache.fill(key('g'), bytes('from the old state'), epoch);
  t.equal(cache.get(key('g')), undefined);
  const after = cache.epoch;
  cache.applied([{ type: 'put', key: key('other'), value: bytes('y') }]);
  cache.fill(key('g'), bytes('g1'), after);
  t.same(cache.get(key('g')), bytes('g1'), 'a read begun after it fills as usual');
});

t.test('an absent key is cached as null, and a write replaces it', async (t) => {
  const cache = new LatestCache(20);
  cache.fill(key('h'), null, cache.epoch);
  t.equal(cache.get(key('h')), null, 'known absent');
  t.ok(cache.has(key('h')));
  t.equal(cache.get(key('i')), undefined, 'not known');
  cache.applied([{ type: 'put', key: key('h'), value: bytes('h1') }]);
  t.same(cache.get(key('h')), bytes('h1'));
  for (const k of ['j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x']) cache.fill(key(k), null, cache.epoch);
  t.equal(cache.get(key('h')), undefined, 'absent keys count their key bytes against the bound: h was evicted');
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

/** A store on a fresh LevelDB whose getMany calls are counted (the number of keys of each) once `counting` is on. */
async function countingStore(t: Test) {
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
  const command = (k: string, v: string) => ({ op: 'put' as const, request: { key: bytes(k), value: bytes(v) } });
  const put = (k: string, v: string) => ({ term: 1, index: ++index, kind: 'normal' as const, data: encodeEnvelope({ command: command(k, v) }) });
  return { db, store, asked, command, put };
}

t.test('an apply batch takes the keys it writes from the cache: a hot key costs no LevelDB read', async (t) => {
  const { store, asked, put } = await countingStore(t);
  await store.apply([put('hot', '1'), put('cold', '1')]);
  t.same(asked, [2], 'new keys are read from LevelDB (absent there)');
  asked.length = 0;
  const [result] = (await store.apply([put('hot', '2')])) as Array<{ prevKv?: unknown }>;
  t.same(asked, [], 'a key the last batch wrote is in the cache');
  t.match(result, { revision: 3 });
  const [kv] = (await store.range({ key: bytes('hot') })).kvs;
  t.match(kv, { version: 2, createRevision: 1, modRevision: 3 }, 'and its version and create revision come from the cached record');
});

t.test('readAhead reads the keys of the commands proposed in one turn in one call, and their apply reads nothing', async (t) => {
  const { db, store, asked, command, put } = await countingStore(t);
  await store.apply(['a', 'b', 'c'].map((k) => put(k, '1')));
  const cold = new MvccStore(db);
  await cold.open(); // a fresh store: its cache is empty, as after a restart
  asked.length = 0;
  for (const k of ['a', 'b', 'new']) cold.readAhead({ command: command(k, '2') });
  cold.readAhead({ command: command('a', '3') }); // a key already asked for in this turn is asked again, harmlessly
  t.same(asked, [], 'nothing is read before the turn ends');
  await new Promise((resolve) => setImmediate(resolve));
  t.same(asked, [4], 'one read for the turn');
  await new Promise((resolve) => setTimeout(resolve, 50)); // it lands
  asked.length = 0;
  const results = (await cold.apply(['a', 'b', 'new'].map((k) => put(k, '2')))) as Array<{ revision: number }>;
  t.same(asked, [], 'the apply found every record it needed, the absent key included');
  t.same(results.map((r) => r.revision), [4, 5, 6]);
  const [kv] = (await cold.range({ key: bytes('a') })).kvs;
  t.match(kv, { version: 2, createRevision: 1, modRevision: 4 });
});
