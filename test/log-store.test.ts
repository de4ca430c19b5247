// The durable Raft log on a real LevelDB in a temp dir: round trips across reopen, truncation,
// snapshots, compaction, and the check pairs around storage (corruption and gaps on read, broken
// invariants before a write, write failures with a stable code).
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { LogStore, entryKey } from '../raft/log-store.ts';
import { crc32, crc32Table } from '../raft/crc32.ts';
import type { Entry, HardState, SnapshotMeta } from '../raft/core/index.ts';

type Db = Level<Uint8Array, Uint8Array>;
/** All these helpers need of a tap test. */
type Scope = { teardown(fn: () => unknown): void };

/** A fresh LevelDB in a temp dir, closed and removed when the test ends. */
async function tempDir(t: Scope): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keel-log-store-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function openDb(t: Scope, dir: string): Promise<Db> {
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  t.teardown(() => db.close());
  return db;
}

/** A store on a fresh db, already loaded. */
async function fresh(t: Scope, syncDelayMs = 0): Promise<{ dir: string; db: Db; store: LogStore }> {
  const dir = await tempDir(t);
  const db = await openDb(t, dir);
  const store = new LogStore({ dir, db, syncDelayMs });
  await store.load();
  return { dir, db, store };
}

/** Closes `db` and loads the log from a newly opened one, as a restarted master would. */
async function reopen(t: Scope, dir: string, db: Db, previous?: LogStore) {
  await previous?.settled(); // a compaction's deletes may still be running
  await db.close();
  const again = await openDb(t, dir);
  const store = new LogStore({ dir, db: again });
  return { db: again, store, recovered: await store.load() };
}

const entry = (index: number, term: number, text = `e${index}`): Entry => ({
  index,
  term,
  kind: 'normal',
  data: new TextEncoder().encode(text),
});
const range = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));
const hard = (term: number, vote: number, commit: number): HardState => ({ term, vote, commit });
const meta = (index: number, term: number): SnapshotMeta => ({ index, term, conf: { voters: [1, 2, 3], learners: [4] } });
const storedIndexes = async (db: Db): Promise<number[]> => {
  const keys = await db.keys({ gte: entryKey(0), lt: Uint8Array.of(0x03) }).all();
  return keys.map((key) => new DataView(key.buffer, key.byteOffset).getUint32(5));
};

t.test('crc32: zlib and the table version agree', async (t) => {
  const check = new TextEncoder().encode('123456789');
  t.equal(crc32(check), 0xcbf43926);
  t.equal(crc32Table(check), 0xcbf43926);
  const random = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff);
  t.equal(crc32Table(random), crc32(random));
  t.equal(crc32(new Uint8Array(0)), 0);
});

t.test('an empty store loads as term 0, no vote, no snapshot, no entries', async (t) => {
  const { store } = await fresh(t);
  t.same(await store.load(), { hardState: hard(0, 0, 0), snapshot: null, entries: [] });
  t.same(store.bounds(), { first: 1, last: 0 });
});

t.test('hard state, entries and snapshot meta survive close and reopen', async (t) => {
  const { dir, db, store } = await fresh(t);
  const conf: Entry = { index: 7, term: 3, kind: 'conf', data: new Uint8Array(0), change: { type: 'add-voter', node: 4 } };
  const binary: Entry = { index: 8, term: 3, kind: 'normal', data: Uint8Array.of(0, 255, 0x02, 0xc4) };
  await store.save({ hardState: hard(2, 1, 0), entries: [], snapshot: meta(5, 2) });
  await store.save({ hardState: hard(3, 2, 7), entries: [entry(6, 2), conf, binary], snapshot: null });
  t.same(store.bounds(), { first: 6, last: 8 });
  const { store: again, recovered } = await reopen(t, dir, db);
  t.same(recovered, { hardState: hard(3, 2, 7), snapshot: meta(5, 2), entries: [entry(6, 2), conf, binary] });
  t.notOk('change' in recovered.entries[0], 'no change key appears on a normal entry');
  for (const e of recovered.entries) t.equal(Object.getPrototypeOf(e.data), Uint8Array.prototype, 'a plain Uint8Array, not a Buffer');
  t.same(again.bounds(), { first: 6, last: 8 });
});

t.test('the founding entry (term 0, index 1, a bootstrap change) round trips', async (t) => {
  const { dir, db, store } = await fresh(t);
  const change = { type: 'bootstrap' as const, node: 0 as const, voters: [1, 2, 3], learners: [] };
  const founding: Entry = { index: 1, term: 0, kind: 'conf', data: new Uint8Array(0), change };
  await store.save({ hardState: hard(0, 0, 1), entries: [founding], snapshot: null });
  const { recovered } = await reopen(t, dir, db);
  t.same(recovered, { hardState: hard(0, 0, 1), snapshot: null, entries: [founding] });
});

t.test('a conflicting append truncates: stored 1..10, two entries from 6 leave 1..7', async (t) => {
  const { dir, db, store } = await fresh(t);
  await store.save({ hardState: hard(1, 1, 5), entries: range(1, 10, 1), snapshot: null });
  await store.save({ hardState: hard(2, 2, 5), entries: range(6, 7, 2), snapshot: null });
  t.same(store.bounds(), { first: 1, last: 7 });
  t.same(await storedIndexes(db), [1, 2, 3, 4, 5, 6, 7], 'the suffix 8..10 is deleted');
  const { recovered } = await reopen(t, dir, db);
  t.same(recovered.entries, [...range(1, 5, 1), ...range(6, 7, 2)]);
});

t.test('a snapshot replaces the whole log', async (t) => {
  const { dir, db, store } = await fresh(t);
  await store.save({ hardState: hard(1, 1, 3), entries: range(1, 10, 1), snapshot: null });
  await store.save({ hardState: hard(2, 0, 20), entries: range(21, 22, 2), snapshot: meta(20, 2) });
  t.same(store.bounds(), { first: 21, last: 22 });
  t.same(await storedIndexes(db), [21, 22]);
  const { recovered } = await reopen(t, dir, db);
  t.same(recovered, { hardState: hard(2, 0, 20), snapshot: meta(20, 2), entries: range(21, 22, 2) });
});

t.test('a snapshot behind the last entry drops the entries after it too', async (t) => {
  const { dir, db, store } = await fresh(t);
  await store.save({ hardState: hard(1, 1, 3), entries: range(1, 10, 1), snapshot: null });
  await store.save({ hardState: hard(2, 0, 5), entries: [], snapshot: meta(5, 2) });
  t.same(store.bounds(), { first: 6, last: 5 });
  t.same(await storedIndexes(db), []);
  const { recovered } = await reopen(t, dir, db);
  t.same(recovered, { hardState: hard(2, 0, 5), snapshot: meta(5, 2), entries: [] });
});

t.test('compaction with a local snapshot keeps the entries after it', async (t) => {
  const { dir, db, store } = await fresh(t);
  await store.save({ hardState: hard(2, 1, 8), entries: [...range(1, 4, 1), ...range(5, 10, 2)], snapshot: null });
  await store.compact(meta(6, 2));
  t.same(store.bounds(), { first: 7, last: 10 });
  await store.settled();
  t.same(await storedIndexes(db), [7, 8, 9, 10]);
  await store.compact(6);
  await t.rejects(store.compact(7), { name: 'AssertionError' }, 'never past the snapshot');
  await t.rejects(store.compact(meta(8, 1)), { name: 'AssertionError' }, "the meta's term must match the log");
  const { recovered } = await reopen(t, dir, db, store);
  t.same(recovered, { hardState: hard(2, 1, 8), snapshot: meta(6, 2), entries: range(7, 10, 2) });
});

t.test('a compaction returns once its snapshot meta is on disk; its deletes do not hold up the next write', async (t) => {
  const { dir, db, store } = await fresh(t);
  await store.save({ hardState: hard(1, 1, 3000), entries: range(1, 3000, 1), snapshot: null });
  let deletes = 0;
  const clear = db.clear.bind(db);
  let releaseClear!: () => void;
  const clearGate = new Promise<void>((resolve) => (releaseClear = resolve));
  const fallback = setTimeout(() => releaseClear(), 2000); // so that a store that waits fails the check below instead of hanging
  t.teardown(() => clearTimeout(fallback));
  // The deletes wait for the gate: a compaction that ran them inside the write queue would
  // keep the save below from ever finishing.
  (db as unknown as { clear: (options: Parameters<typeof clear>[0]) => Promise<void> }).clear = async (options) => {
    await clearGate;
    deletes++;
    return clear(options);
  };
  await store.compact(meta(2990, 1));
  t.same(store.bounds(), { first: 2991, last: 3000 });
  await store.save({ hardState: hard(1, 1, 3001), entries: [entry(3001, 1)], snapshot: null });
  t.equal(deletes, 0, 'the save is on disk while the deletes still wait');
  releaseClear();
  await store.settled();
  t.equal(deletes, 1);
  t.same(await storedIndexes(db), range(2991, 3001, 1).map((e) => e.index));
  const { recovered } = await reopen(t, dir, db, store);
  t.same(recovered, { hardState: hard(1, 1, 3001), snapshot: meta(2990, 1), entries: range(2991, 3001, 1) });
});

t.test("a compaction's failed deletes reject settled() with KEEL_STORAGE_WRITE, and later writes are refused", async (t) => {
  const { dir, db, store } = await fresh(t);
  await store.save({ hardState: hard(1, 1, 10), entries: range(1, 10, 1), snapshot: null });
  (db as unknown as { clear: () => Promise<void> }).clear = () => Promise.reject(new Error('EIO: the disk is gone'));
  await store.compact(meta(5, 1));
  await t.rejects(store.settled(), { code: 'KEEL_STORAGE_WRITE', dir, message: /EIO: the disk is gone/ });
  await t.rejects(store.save({ hardState: hard(1, 1, 11), entries: [entry(11, 1)], snapshot: null }), { code: 'KEEL_STORAGE_WRITE' });
});

t.test('state-machine ops go into the same batch', async (t) => {
  const { db, store } = await fresh(t);
  const key = Uint8Array.of(0x10, 1);
  await store.save({ hardState: hard(1, 1, 1), entries: [entry(1, 1)], snapshot: null, ops: [{ type: 'put', key, value: Uint8Array.of(9) }] });
  t.same(await db.get(key), Uint8Array.of(9));
  await store.save({ hardState: null, entries: [], snapshot: null, ops: [{ type: 'del', key }] });
  t.equal(await db.get(key), undefined);
  const logKey = { type: 'put' as const, key: Uint8Array.of(0x02, 0), value: Uint8Array.of(1) };
  await t.rejects(store.save({ hardState: null, entries: [], snapshot: null, ops: [logKey] }), { name: 'AssertionError' });
});

t.test('a flipped byte in a stored entry fails the load with KEEL_CORRUPT_LOG naming dir and index', async (t) => {
  const { dir, db, store } = await fresh(t);
  await store.save({ hardState: hard(1, 1, 10), entries: range(1, 10, 1), snapshot: null });
  const value = Uint8Array.from((await db.get(entryKey(5)))!);
  value[value.length - 1] ^= 0x01; // the last byte of the entry's data
  await db.put(entryKey(5), value);
  const err = { code: 'KEEL_CORRUPT_LOG', dir, index: 5, record: 'entry', message: new RegExp(`${dir}.*index 5: checksum mismatch`) };
  await t.rejects(reopen(t, dir, db), err);
});

t.test('an undecodable entry, hard state or snapshot meta is corruption too', async (t) => {
  const { dir, db, store } = await fresh(t);
  await store.save({ hardState: hard(1, 1, 2), entries: range(1, 3, 1), snapshot: null });
  await db.put(entryKey(2), Uint8Array.of(0xc1)); // 0xc1 is never used in msgpack
  await t.rejects(new LogStore({ dir, db }).load(), { code: 'KEEL_CORRUPT_LOG', index: 2 });
  await db.put(Uint8Array.of(0x01, 0x68), Uint8Array.of(0x92, 0x00, 0xc4, 0x01, 0x90));
  await t.rejects(new LogStore({ dir, db }).load(), { code: 'KEEL_CORRUPT_LOG', index: null, record: 'hard-state' });
});

t.test('a gap in the stored indexes fails the load with KEEL_CORRUPT_LOG', async (t) => {
  const { dir, db, store } = await fresh(t);
  await store.save({ hardState: hard(1, 1, 10), entries: range(1, 10, 1), snapshot: null });
  await db.del(entryKey(4));
  await t.rejects(new LogStore({ dir, db }).load(), { code: 'KEEL_CORRUPT_LOG', dir, index: 4, message: /index 4: entry 4 is missing/ });
});

t.test('missing committed entries at the end fail the load; nothing is truncated', async (t) => {
  const { dir, db, store } = await fresh(t);
  await store.save({ hardState: hard(1, 1, 10), entries: range(1, 10, 1), snapshot: null });
  await db.batch([{ type: 'del', key: entryKey(9) }, { type: 'del', key: entryKey(10) }]);
  await t.rejects(new LogStore({ dir, db }).load(), { code: 'KEEL_CORRUPT_LOG', index: 9 });
  t.same(await storedIndexes(db), range(1, 8, 1).map((e) => e.index), 'the load deleted nothing');
});

t.test('an entry stored under the wrong key is corruption', async (t) => {
  const { dir, db, store } = await fresh(t);
  await store.save({ hardState: hard(1, 1, 0), entries: range(1, 3, 1), snapshot: null });
  await db.put(entryKey(3), (await db.get(entryKey(2)))!);
  await t.rejects(new LogStore({ dir, db }).load(), { code: 'KEEL_CORRUPT_LOG', index: 3, message: /says it is 2/ });
});

t.test('a write to a closed db fails with KEEL_STORAGE_WRITE and later writes are refused', async (t) => {
  const { dir, db, store } = await fresh(t);
  await db.close();
  const save = () => store.save({ hardState: hard(1, 1, 0), entries: [entry(1, 1)], snapshot: null });
  await t.rejects(save(), { code: 'KEEL_STORAGE_WRITE', dir, cause: { code: 'LEVEL_DATABASE_NOT_OPEN' } });
  await t.rejects(save(), { code: 'KEEL_STORAGE_WRITE' }, 'the first failure sticks');
  await t.rejects(new LogStore({ dir, db }).load(), { code: 'KEEL_STORAGE_READ', dir });
});

t.test('broken invariants are caught before anything is written', async (t) => {
  const { db, store } = await fresh(t);
  await store.save({ hardState: hard(2, 1, 3), entries: range(1, 5, 2), snapshot: null });
  const cases: Array<[string, Parameters<LogStore['save']>[0]]> = [
    ['a gap after the last entry', { hardState: null, entries: [entry(7, 2)], snapshot: null }],
    ['a gap inside the batch', { hardState: null, entries: [entry(6, 2), entry(8, 2)], snapshot: null }],
    ['a term going back at the end', { hardState: null, entries: [entry(6, 1)], snapshot: null }],
    ['the current term going back', { hardState: hard(1, 0, 3), entries: [], snapshot: null }],
    ['a second vote in one term', { hardState: hard(2, 3, 3), entries: [], snapshot: null }],
    ['a commit beyond the last entry', { hardState: hard(2, 1, 6), entries: [], snapshot: null }],
    ['truncating committed entries', { hardState: null, entries: [entry(3, 2)], snapshot: null }],
  ];
  for (const [name, update] of cases) await t.rejects(store.save(update), { name: 'AssertionError' }, name);
  t.same(await storedIndexes(db), [1, 2, 3, 4, 5]);
  await store.save({ hardState: hard(3, 0, 3), entries: [entry(6, 3)], snapshot: null });
  t.same(store.bounds(), { first: 1, last: 6 }, 'the store still works after refusing');
});

t.test('syncDelayMs delays every sync write', async (t) => {
  const delayMs = 100;
  const { store } = await fresh(t, delayMs);
  const started = performance.now();
  await store.save({ hardState: hard(1, 1, 0), entries: [entry(1, 1)], snapshot: null });
  await store.save({ hardState: hard(1, 1, 1), entries: [], snapshot: null });
  // Timers never fire early; 1 ms allows for the two clocks' rounding.
  t.ok(performance.now() - started >= 2 * delayMs - 1, 'two sync writes take at least twice the delay');
});

t.test('setSyncDelay changes the delay of the next sync writes', async (t) => {
  const delayMs = 100;
  const { store } = await fresh(t);
  store.setSyncDelay(delayMs);
  const started = performance.now();
  await store.save({ hardState: hard(1, 1, 0), entries: [entry(1, 1)], snapshot: null });
  t.ok(performance.now() - started >= delayMs - 1, 'a sync write takes at least the new delay');
  store.setSyncDelay(0);
  t.throws(() => store.setSyncDelay(-1), { name: 'AssertionError' });
});

t.test('writes issued without awaiting run in call order', async (t) => {
  const { dir, db, store } = await fresh(t);
  await Promise.all([
    store.save({ hardState: hard(1, 1, 0), entries: range(1, 3, 1), snapshot: null }),
    store.save({ hardState: hard(1, 1, 3), entries: range(4, 5, 1), snapshot: null }),
    store.compact(meta(2, 1)),
  ]);
  const { recovered } = await reopen(t, dir, db, store);
  t.same(recovered, { hardState: hard(1, 1, 3), snapshot: meta(2, 1), entries: range(3, 5, 1) });
});

t.test('the sync option reaches every batch: true by default, false in the NO FSYNC mode', async (t) => {
  for (const sync of [undefined, true, false]) {
    const dir = await tempDir(t);
    const db = await openDb(t, dir);
    const seen: unknown[] = [];
    const batch = db.batch.bind(db) as (ops: unknown, options: unknown) => Promise<void>;
    // A spy on the one LevelDB call the log writes through; it still writes.
    (db as unknown as { batch: typeof batch }).batch = (ops, options) => {
      seen.push((options as { sync?: boolean }).sync);
      return batch(ops, options);
    };
    const store = new LogStore({ dir, db, ...(sync === undefined ? {} : { sync }) });
    await store.load();
    await store.save({ hardState: hard(1, 1, 0), entries: range(1, 3, 1), snapshot: null });
    await store.compact(meta(2, 1));
    const expected = sync ?? true;
    await store.settled();
    t.same(seen.slice(0, 2), [expected, expected], `sync: ${String(sync)} writes both batches with sync ${expected}`);
    const { recovered } = await reopen(t, dir, db, store);
    t.same(recovered.entries, range(3, 3, 1), 'what was written reads back');
  }
});
