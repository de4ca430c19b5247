// The proposal batcher on a real RaftNode and MVCC store: writes that arrive while a Ready is
// written share one log entry at the loop's next turn, each answered with its own result.
import t, { type Test } from 'tap';
import { ProposalBatcher, type BatcherOptions } from '../store/proposal-batcher.ts';
import { encodeEnvelope, encodeEnvelopeBatch } from '../store/mvcc/index.ts';
import { TooManyPendingError } from '../raft/node.ts';
import { singleNode } from './support/single-node.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const put = (key: string, value: string): Uint8Array => encodeEnvelope({ command: { op: 'put', request: { key: bytes(key), value: bytes(value) } } });

async function setUp(t: Test, options: Partial<BatcherOptions> = {}, syncDelayMs = 100) {
  const single = await singleNode(t, syncDelayMs);
  const entries: number[] = [];
  const batcher = new ProposalBatcher({
    node: single.node,
    encodeBatch: encodeEnvelopeBatch,
    timeoutMs: 10_000,
    heldMax: 1000,
    tooMany: () => new TooManyPendingError(),
    observe: (writes) => entries.push(writes),
    ...options,
  });
  await single.node.propose(put('warm-up', 'v'), 10_000); // the election's entry is written: the loop is idle
  return { ...single, batcher, entries };
}

t.test('writes made while a Ready is written go into the next one as one entry, each with its own revision', async (t) => {
  const { node, batcher, entries } = await setUp(t);
  const first = batcher.propose(put('first', 'v'));
  await new Promise((resolve) => setTimeout(resolve, 30)); // its Ready's write (100 ms) is in flight
  const lastBefore = node.status().lastIndex;
  const rest = Array.from({ length: 50 }, (_, i) => batcher.propose(put(`k${i}`, String(i))));
  const results = (await Promise.all([first, ...rest])) as Array<{ revision: number }>;
  t.same(entries, [1, 50], 'the first alone, the fifty held behind its write together');
  t.equal(node.status().lastIndex, lastBefore + 1, 'the fifty took one log entry');
  t.same(results.map((r) => r.revision), Array.from({ length: 51 }, (_, i) => i + 2), 'each its own revision, in the order proposed');
});

t.test('an entry holds at most writesMax writes and bytesMax bytes; a larger write goes alone', async (t) => {
  const { batcher, entries, kv } = await setUp(t, { writesMax: 8, bytesMax: 2048 });
  const first = batcher.propose(put('first', 'v'));
  await new Promise((resolve) => setTimeout(resolve, 30));
  const small = Array.from({ length: 20 }, (_, i) => batcher.propose(put(`s${i}`, 'v')));
  const big = batcher.propose(put('big', 'x'.repeat(4000)));
  const after = Array.from({ length: 3 }, (_, i) => batcher.propose(put(`a${i}`, 'v')));
  await Promise.all([first, ...small, big, ...after]);
  t.same(entries, [1, 8, 8, 4, 1, 3], 'split by count, then the big one alone, then the rest');
  t.equal((await kv.range({ key: bytes('big') })).kvs[0].value.length, 4000);
});

t.test('a batch that cannot be proposed fails every write in it; more than heldMax are refused', async (t) => {
  const { node, batcher } = await setUp(t, { heldMax: 3 }, 0);
  await node.stop();
  const writes = [batcher.propose(put('a', 'v')), batcher.propose(put('b', 'v')), batcher.propose(put('c', 'v'))];
  await t.rejects(batcher.propose(put('d', 'v')), { code: 'KEEL_TOO_MANY_PENDING' }, 'the fourth is refused at once');
  for (const write of writes) await t.rejects(write, { code: 'KEEL_STOPPED' }, 'a stopped node fails each held write');
});

t.test("a write's time out counts from its arrival: time held behind a slow write is part of it", async (t) => {
  const { batcher } = await setUp(t, { timeoutMs: 400 }, 300); // every log write takes 300 ms
  const first = batcher.propose(put('first', 'v')); // goes at once: its write ends after 300 ms
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = performance.now();
  // Held about 200 ms, then a 300 ms write of its own: it cannot commit before 500 ms, while its
  // 400 ms run out at 400 (counted from when it left the batcher, they would end after 700).
  const held = batcher.propose(put('held', 'v'));
  await first;
  const outcome = await held.then(
    () => 'committed',
    (error: { code?: string }) => error.code,
  );
  const took = performance.now() - started;
  t.equal(outcome, 'KEEL_TIMEOUT', `given up after ${Math.round(took)} ms`);
  t.ok(took < 480, 'within its 400 ms, not 400 ms after it left the batcher');
});

t.test('writes held when the node stops fail as stopped instead of waiting for a turn that never comes', async (t) => {
  const { node, batcher } = await setUp(t, {}, 300);
  const first = batcher.propose(put('first', 'v')).catch(() => undefined); // answered or stopped: either is fine here
  await new Promise((resolve) => setTimeout(resolve, 50)); // its write is in flight
  const held = [batcher.propose(put('a', 'v')), batcher.propose(put('b', 'v'))];
  const outcomes = held.map((write) => write.then(() => 'committed', (error: { code?: string }) => error.code));
  await node.stop();
  const hung = new Promise((resolve) => setTimeout(() => resolve('no answer within 2 s'), 2000));
  t.same(await Promise.all(outcomes.map((o) => Promise.race([o, hung]))), ['KEEL_STOPPED', 'KEEL_STOPPED']);
  await first;
});
