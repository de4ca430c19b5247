// The chunked snapshot stream between two drivers, without processes: the leader's sender
// (chunking, the last mark, pacing by the transport's queue, one stream per follower, cancel,
// stall) and the follower's receiver (staging in order, gaps, stale terms, leader changes).
import t from 'tap';
import { emptyMessage, type Message } from '../raft/core/index.ts';
import { ImageHandle, SnapshotReceiver, SnapshotSender, chunkContext, parseChunkContext } from '../raft/snapshot-stream.ts';
import type { ImageSource } from '../raft/snapshot-stream.ts';

const meta = (index: number, term = 1) => ({ index, term, conf: { voters: [1, 2], learners: [] } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function snapshotMessage(index: number, term = 1, to = 2): Message {
  const m = emptyMessage('snapshot', 1, to, term);
  m.snapshot = { meta: meta(index), data: new Uint8Array(0) };
  return m;
}

/** An image of `n` chunks of `size` bytes (byte i of chunk k is k), with a close count. */
function fakeImage(index: number, n: number, size = 4) {
  const state = { closed: 0, passes: 0 };
  const source: ImageSource = {
    index,
    async *chunks() {
      state.passes++;
      for (let k = 0; k < n; k++) yield new Uint8Array(size).fill(k);
    },
    async close() {
      state.closed++;
    },
  };
  return { handle: new ImageHandle(source), state };
}

function sender(options: { queued?: (to: number) => number; stallMsMax?: number } = {}) {
  const sent: Message[] = [];
  const done: Array<[number, boolean]> = [];
  const s = new SnapshotSender({ chunkBytes: 4, send: (m) => sent.push(m), done: (to, ok) => done.push([to, ok]), ...options });
  return { s, sent, done };
}

t.test('chunk contexts', async (t) => {
  t.same(parseChunkContext(chunkContext(0, false)), { seq: 0, last: false });
  t.same(parseChunkContext(chunkContext(12, true)), { seq: 12, last: true });
  t.equal(parseChunkContext(''), null);
  t.equal(parseChunkContext('chunk x'), null);
  t.equal(parseChunkContext('chunk 1 last extra'), null);
});

t.test('the sender streams every chunk once, marks the last, reports success and closes a retired image', async (t) => {
  const { handle, state } = fakeImage(10, 3);
  const { s, sent, done } = sender();
  s.start(snapshotMessage(10), handle);
  handle.retire();
  await s.idle();
  t.same(sent.map((m) => m.context), ['chunk 0', 'chunk 1', 'chunk 2 last']);
  t.same(sent.map((m) => m.snapshot!.data[0]), [0, 1, 2]);
  t.ok(sent.every((m) => m.snapshot!.meta.index === 10 && m.type === 'snapshot' && m.to === 2));
  t.same(done, [[2, true]]);
  await handle.closed;
  t.equal(state.closed, 1, 'the retired image is closed once its last stream ends');
});

t.test('the sender waits for the transport queue to drain before each chunk; a stall fails the stream', async (t) => {
  let queued = 0;
  const { handle } = fakeImage(10, 4);
  const { s, sent, done } = sender({ queued: () => queued });
  const original = s;
  queued = 1;
  original.start(snapshotMessage(10), handle);
  await sleep(30);
  t.equal(sent.length, 0, 'nothing goes out while the queue holds a message');
  queued = 0;
  await s.idle();
  t.equal(sent.length, 4);
  t.same(done, [[2, true]]);

  const stalled = sender({ queued: () => 1, stallMsMax: 50 });
  stalled.s.start(snapshotMessage(10), handle);
  await stalled.s.idle();
  t.equal(stalled.sent.length, 0);
  t.same(stalled.done, [[2, false]], 'a stream stuck behind a full queue is reported failed');
});

t.test('with a window, the sender waits for the follower to acknowledge stored chunks', async (t) => {
  const { handle } = fakeImage(10, 6);
  const sent: Message[] = [];
  const s = new SnapshotSender({ chunkBytes: 4, windowChunks: 2, send: (m) => sent.push(m), done: () => {}, stallMsMax: 2000 });
  s.start(snapshotMessage(10), handle);
  await sleep(30);
  t.equal(sent.length, 2, 'chunks 0 and 1 go out, chunk 2 waits for an ack of chunk 0');
  s.ack(2, 0, 1); // another term: ignored
  await sleep(20);
  t.equal(sent.length, 2);
  s.ack(2, 1, 1);
  await sleep(20);
  t.equal(sent.length, 4);
  s.ack(2, 1, 3);
  await s.idle();
  t.equal(sent.length, 6);
});

t.test('one stream per follower: the same snapshot goes on, a newer one cancels it without a report', async (t) => {
  let queued = 1;
  const old = fakeImage(10, 5);
  const fresh = fakeImage(20, 2);
  const { s, sent, done } = sender({ queued: () => queued });
  s.start(snapshotMessage(10), old.handle);
  s.start(snapshotMessage(10), old.handle); // the core asks again after an election timeout
  t.equal(s.active, 1);
  t.equal(old.state.passes, 1, 'the same snapshot is not restarted');
  s.start(snapshotMessage(20), fresh.handle);
  old.handle.retire();
  queued = 0;
  await s.idle();
  await sleep(10);
  t.same(sent.map((m) => `${m.snapshot!.meta.index} ${m.context}`), ['20 chunk 0', '20 chunk 1 last']);
  t.same(done, [[2, true]], 'only the newer stream reports');
  t.equal(old.state.closed, 1, 'the cancelled stream released the old image');
  s.start(snapshotMessage(20, 1, 3), fresh.handle);
  s.cancelAll();
  await s.idle();
  t.same(done, [[2, true]], 'a cancel (leadership lost) reports nothing');
});

function receiver(options: { term?: number; applied?: number; failAt?: number } = {}) {
  const log: string[] = [];
  const stepped: Array<{ m: Message; staged: boolean }> = [];
  const r = new SnapshotReceiver({
    sink: {
      stageDiscard: async () => void log.push('discard'),
      stageChunk: async (seq, chunk) => {
        await sleep(1);
        if (seq === options.failAt) throw new Error('disk full');
        log.push(`stage ${seq}:${chunk[0]}`);
      },
    },
    term: () => options.term ?? 1,
    applied: () => options.applied ?? 0,
    step: (m, staged) => stepped.push({ m, staged }),
  });
  return { r, log, stepped };
}

function chunks(index: number, n: number, term = 1, from = 1): Message[] {
  return Array.from({ length: n }, (_, k) => {
    const m = emptyMessage('snapshot', from, 2, term);
    m.context = chunkContext(k, k === n - 1);
    m.snapshot = { meta: meta(index), data: Uint8Array.of(k) };
    return m;
  });
}

t.test('the receiver stages chunks in order, then steps one chunk-less message and holds until released', async (t) => {
  const { r, log, stepped } = receiver();
  t.ok(SnapshotReceiver.isChunk(chunks(10, 1)[0]));
  t.notOk(SnapshotReceiver.isChunk(snapshotMessage(10)));
  for (const m of chunks(10, 3)) r.receive(m);
  await r.settled();
  t.same(log, ['discard', 'stage 0:0', 'stage 1:1', 'stage 2:2']);
  t.equal(stepped.length, 1);
  t.same(stepped[0].m.snapshot!.data, new Uint8Array(0), 'the core never sees image bytes');
  t.equal(stepped[0].m.context, '');
  t.ok(stepped[0].staged);
  t.ok(r.holding);
  for (const m of chunks(11, 2)) r.receive(m);
  await r.settled();
  t.equal(log.length, 4, 'chunks are ignored while a staged image waits for its install');
  r.release(false);
  await r.settled();
  t.same(log.slice(4), ['discard'], 'an image the core did not take is discarded');
});

t.test('a gap, a stale term, a leader change or a failed write drops the stream', async (t) => {
  const gap = receiver();
  const [c0, c1, c2] = chunks(10, 3);
  gap.r.receive(c0);
  gap.r.receive(c2);
  gap.r.receive(c1);
  await gap.r.settled();
  t.same(gap.log, ['discard', 'stage 0:0', 'discard'], 'chunk 2 after 0 drops the stream; chunk 1 then belongs to none');
  t.equal(gap.stepped.length, 0);

  const stale = receiver({ term: 5 });
  for (const m of chunks(10, 2, 4)) stale.r.receive(m);
  await stale.r.settled();
  t.same(stale.log, [], 'chunks from an older term are ignored');

  const moved = receiver();
  const [m0, m1] = chunks(10, 2);
  moved.r.receive(m0);
  moved.r.leaderChanged();
  moved.r.receive(m1);
  await moved.r.settled();
  t.same(moved.log, ['discard', 'stage 0:0', 'discard']);
  t.equal(moved.stepped.length, 0);

  const failed = receiver({ failAt: 1 });
  for (const m of chunks(10, 3)) failed.r.receive(m);
  await failed.r.settled();
  t.same(failed.log, ['discard', 'stage 0:0', 'discard']);
  t.equal(failed.stepped.length, 0);
  t.notOk(failed.r.holding);
});

t.test('an image not beyond the applied index is not staged: the core answers at once', async (t) => {
  const { r, log, stepped } = receiver({ applied: 10 });
  for (const m of chunks(10, 3)) r.receive(m);
  await r.settled();
  t.same(log, []);
  t.equal(stepped.length, 1);
  t.notOk(stepped[0].staged);
});

t.test('exclusive work runs between staging writes, never during one', async (t) => {
  const { r, log } = receiver();
  const [c0, c1] = chunks(10, 3);
  r.receive(c0);
  const install = r.exclusive(async () => void log.push('install'));
  r.receive(c1);
  await install;
  await r.settled();
  t.same(log, ['discard', 'stage 0:0', 'install', 'stage 1:1']);
});
