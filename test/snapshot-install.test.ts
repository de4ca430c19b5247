// Streamed images on a real LevelDB: an image read from an explicit snapshot while writes go on,
// chunks staged without touching the live state, an install decided by one mark, and crashes at
// every step: before the mark the old state stays, after it open() finishes the new one.
import t from 'tap';
import type { Test } from 'tap';
import { Harness, bytes, text } from './mvcc-harness.ts';
import type { Command, MvccStoreOptions } from '../store/mvcc/index.ts';
import { MvccStore } from '../store/mvcc/index.ts';

const put = (key: string, value: string): Command => ({ op: 'put', request: { key: bytes(key), value: bytes(value), lease: 0, prevKv: false } });
const all = { key: new Uint8Array(0), rangeEnd: Uint8Array.of(0) };
const conf = { voters: [1, 2, 3], learners: [] };

async function harness(t: Test, options: MvccStoreOptions = {}): Promise<Harness> {
  const h = await Harness.create(options);
  t.teardown(() => h.destroy());
  return h;
}

/** A source with `n` keys (values of 100 bytes), an open image of it, and its chunks at 1 KiB. */
async function sourceImage(t: Test, n: number) {
  const source = await harness(t);
  for (let i = 0; i < n; i += 50) await source.run(...Array.from({ length: Math.min(50, n - i) }, (_, j) => put(`k${String(i + j).padStart(4, '0')}`, 'v'.repeat(100))));
  const image = await source.store.openImage();
  t.teardown(() => image.close());
  return { source, image, meta: { index: image.index, term: 1, conf } };
}

async function stageAll(store: MvccStore, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  await store.stageDiscard();
  let n = 0;
  for await (const chunk of chunks) await store.stageChunk(n++, chunk);
  return n;
}

async function keys(h: Harness): Promise<string[]> {
  return (await h.store.range(all)).kvs.map((kv) => text(kv.key));
}

t.test('an image read from an explicit snapshot ignores writes made after it; several passes read the same', async (t) => {
  const { source, image } = await sourceImage(t, 120);
  await source.run(put('later', 'x'));
  const passes: Uint8Array[][] = [[], []];
  for (const pass of passes) for await (const chunk of image.chunks(1024)) pass.push(chunk);
  t.ok(passes[0].length > 5, `${passes[0].length} chunks of 1 KiB`);
  t.same(passes[0], passes[1], 'two passes give the same chunks');
  const target = await harness(t);
  await stageAll(target.store, (async function* () { yield* passes[0]; })());
  const meta = { index: image.index, term: 1, conf };
  await target.db.batch(target.store.installOps(meta));
  await target.store.installStaged(meta);
  target.store.restored(meta);
  const got = await keys(target);
  t.equal(got.length, 120);
  t.notOk(got.includes('later'), 'the write after the image is not in it');
  t.equal(await target.store.appliedIndex(), image.index);
});

t.test('staged chunks do not change the live state; a reopen without the mark drops them', async (t) => {
  const { image } = await sourceImage(t, 100);
  const target = await harness(t);
  await target.run(put('old', '1'));
  const n = await stageAll(target.store, image.chunks(1024));
  t.ok(n > 3);
  t.same(await keys(target), ['old'], 'reads still see the old state');
  await target.reopen(); // a crash before the install was decided
  t.same(await keys(target), ['old']);
  t.equal(await target.store.appliedIndex(), 1);
  let staged = 0;
  for await (const _ of target.db.keys({ gte: Uint8Array.of(0x1e), lt: Uint8Array.of(0x1f) })) staged++;
  t.equal(staged, 0, 'the staging area is cleared at open');
});

t.test('a crash in the middle of an install is finished at open; reads are refused while it runs', async (t) => {
  const { source, image, meta } = await sourceImage(t, 300);
  const expected = await source.store.range(all);
  let refused = '';
  const target = await harness(t, {
    afterInstallBatch: (batches) => {
      if (batches === 3) throw Object.assign(new Error('simulated crash'), { code: 'TEST_CRASH' });
    },
  });
  await target.run(put('old', '1'), put('zzz-old-only', '2'));
  await stageAll(target.store, image.chunks(1024));
  await target.db.batch(target.store.installOps(meta), { sync: true });
  await t.rejects(target.store.installStaged(meta), { code: 'TEST_CRASH' });
  await target.store.range(all).catch((error: { code: string }) => (refused = error.code));
  t.equal(refused, 'KEEL_SNAPSHOT_INSTALLING', 'a half-installed state is never read');
  target.options.afterInstallBatch = undefined;
  await target.reopen();
  t.same(await target.store.range(all), expected, 'open() finished the install: the image, nothing of the old state');
  t.equal(await target.store.appliedIndex(), meta.index);
  await target.reopen();
  t.same(await target.store.range(all), expected, 'and it stays finished');
});

t.test('a crash after the install before the staging area is cleared changes nothing', async (t) => {
  const { source, image, meta } = await sourceImage(t, 60);
  const target = await harness(t);
  await stageAll(target.store, image.chunks(1024));
  await target.db.batch(target.store.installOps(meta), { sync: true });
  await target.store.installStaged(meta);
  target.store.restored(meta);
  await stageAll(target.store, image.chunks(1024)); // leftovers of a later, interrupted stream
  await target.reopen();
  t.same(await target.store.range(all), await source.store.range(all));
});
