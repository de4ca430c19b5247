// The watch hub on the real MvccStore (LevelDB in a temp dir): a watch from an old revision
// catches up through the store's history while batches keep being applied, then follows live,
// and delivers exactly what the store's history holds; a stalled sink resumes from history; a
// watch from a compacted revision is told the compact revision.
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import type { Entry } from '../raft/core/index.ts';
import { MvccStore, encodeEnvelope, prefixEnd, type Command, type WatchEvent } from '../store/mvcc/index.ts';
import { WatchHub } from '../store/watch/hub.ts';
import type { WatchSink, WatchSource } from '../store/watch/types.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function openStore(t: { teardown(fn: () => Promise<void>): void }): Promise<{ store: MvccStore; apply(...commands: Command[]): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'keel-watch-'));
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  const store = new MvccStore(db);
  await store.open();
  t.teardown(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  let index = 0;
  return {
    store,
    async apply(...commands) {
      const entries: Entry[] = commands.map((command) => ({ term: 1, index: ++index, kind: 'normal', data: encodeEnvelope({ command }) }));
      await store.apply(entries);
    },
  };
}

const put = (key: string, value: string): Command => ({ op: 'put', request: { key: bytes(key), value: bytes(value) } });
const del = (key: string): Command => ({ op: 'delete-range', request: { key: bytes(key) } });
const txn = (...keys: string[]): Command => ({ op: 'txn', request: { compare: [], success: keys.map((key) => ({ put: { key: bytes(key), value: bytes('t') } })), failure: [] } });

class Recorder implements WatchSink {
  readonly delivered: WatchEvent[] = [];
  readonly calls: number[][] = [];
  compactedAt: number | null = null;
  accept = true;
  events(events: WatchEvent[]): boolean {
    this.delivered.push(...events);
    this.calls.push(events.map((event) => event.kv.modRevision));
    return this.accept;
  }
  progress(): void {}
  compacted(compactRevision: number): void {
    this.compactedAt = compactRevision;
  }
}

const describe = (event: WatchEvent) => `${event.type} ${text(event.kv.key)}@${event.kv.modRevision} prev=${event.prevKv?.modRevision ?? '-'}`;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

t.test('the hub on a real MvccStore: catch-up under writes, then live, then a stall and a resume', async (t) => {
  const { store, apply } = await openStore(t);
  const source: WatchSource = store;
  await apply(put('a/1', 'x'), put('b/1', 'y'));
  await apply(txn('a/2', 'a/3', 'a/4'), del('a/1'));
  const hub = new WatchHub(source, { historyChunkEvents: 2, timers: { setInterval: () => 0, clearInterval: () => {} } });
  t.teardown(() => hub.close());
  const range = { key: bytes('a/'), rangeEnd: prefixEnd(bytes('a/')) };
  const sink = new Recorder();
  const watcher = hub.watch({ range, startRevision: 1, prevKv: true, progressNotify: false }, sink);
  // Batches keep landing while the watcher reads history.
  for (let i = 0; i < 30; i++) await apply(put(`a/${i % 5}`, `v${i}`), put(`b/${i}`, 'z'), ...(i % 7 === 0 ? [del(`a/${(i + 1) % 5}`)] : []));
  const all = await store.history(range, 1, store.currentRevision);
  await until(() => sink.delivered.length >= all.events.length, 'the catch-up');
  t.same(sink.delivered.map(describe), all.events.map(describe), 'exactly the store history of the range, in order, prevKv included');
  t.ok(sink.calls.some((revisions) => revisions.length === 3 && revisions.every((r) => r === revisions[0])), 'the 3-key txn arrived whole despite 2-event chunks');

  sink.accept = false;
  await apply(put('a/9', 'stall'));
  const stalledAt = sink.delivered.length;
  for (let i = 0; i < 10; i++) await apply(put(`a/${i}`, 'during the stall'));
  t.equal(sink.delivered.length, stalledAt, 'a stalled sink hears nothing');
  sink.accept = true;
  watcher.resume();
  const after = await store.history(range, 1, store.currentRevision);
  await until(() => sink.delivered.length >= after.events.length, 'the catch-up after the stall');
  t.same(sink.delivered.map(describe), after.events.map(describe), 'the stall lost nothing');
  hub.close();
});

t.test('a stalled watcher on the real store resumes from history and loses nothing', async (t) => {
  const { store, apply } = await openStore(t);
  const hub = new WatchHub(store, { historyChunkEvents: 3, timers: { setInterval: () => 0, clearInterval: () => {} } });
  t.teardown(() => hub.close());
  const sink = new Recorder();
  const watcher = hub.watch({ range: { key: bytes('k') }, startRevision: 0, prevKv: false, progressNotify: false }, sink);
  await apply(put('k', '1'));
  sink.accept = false;
  await apply(put('k', '2'));
  for (let i = 3; i <= 20; i++) await apply(put('k', `${i}`), put('other', `${i}`));
  sink.accept = true;
  watcher.resume();
  await until(() => sink.delivered.length === 20, 'every put of k');
  t.same(sink.delivered.map((event) => text(event.kv.value)), Array.from({ length: 20 }, (_, i) => `${i + 1}`));
  t.ok(sink.delivered.every((event) => event.prevKv === undefined), 'prevKv stripped');
});

t.test('a watch from a revision the real store compacted gets its compact revision', async (t) => {
  const { store, apply } = await openStore(t);
  for (let i = 0; i < 5; i++) await apply(put('k', `${i}`));
  await apply({ op: 'compact', request: { revision: 3 } });
  const hub = new WatchHub(store, { timers: { setInterval: () => 0, clearInterval: () => {} } });
  t.teardown(() => hub.close());
  const old = new Recorder();
  const fine = new Recorder();
  hub.watch({ range: { key: bytes('k') }, startRevision: 2, prevKv: false, progressNotify: false }, old);
  hub.watch({ range: { key: bytes('k') }, startRevision: 4, prevKv: false, progressNotify: false }, fine);
  await until(() => old.compactedAt !== null && fine.delivered.length === 2, 'the answers');
  t.equal(old.compactedAt, 3);
  t.same(fine.delivered.map((event) => event.kv.modRevision), [4, 5]);
});
