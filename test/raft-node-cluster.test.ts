// The driver in a three-member cluster inside one process (real LevelDB, messages passed on the
// next turn): when an entry commits while the leader is writing a later Ready, the leader
// applies it during that write instead of after it and the next Ready's; a log compaction does
// not hold up the loop; a read index asked of a leader that is then cut off is asked again of
// the next one.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Level } from 'level';
import { LogStore, type LogUpdate } from '../raft/log-store.ts';
import { RaftNode } from '../raft/node.ts';
import type { Message } from '../raft/core/index.ts';
import { MvccStore, encodeEnvelope } from '../store/mvcc/index.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const put = (key: string): Uint8Array => encodeEnvelope({ command: { op: 'put', request: { key: bytes(key), value: bytes('v') } } });

/** A log store whose sync writes take `delayMs` longer (changeable while it runs), counting the writes done. */
class SlowLogStore extends LogStore {
  delayMs = 0;
  saves = 0;
  /** How much longer each compaction takes, ms. */
  compactDelayMs = 0;
  /** Compactions under way. */
  compacting = 0;
  override async save(update: LogUpdate): Promise<void> {
    if (this.delayMs > 0) await sleep(this.delayMs);
    await super.save(update);
    this.saves++;
  }
  override async compact(target: Parameters<LogStore['compact']>[0]): Promise<void> {
    this.compacting++;
    try {
      if (this.compactDelayMs > 0) await sleep(this.compactDelayMs);
      await super.compact(target);
    } finally {
      this.compacting--;
    }
  }
}

async function cluster(t: Test, options: { snapshotEveryEntries?: number; snapshotEveryBytes?: number; compactDelayMs?: number } = {}) {
  const ids = [1, 2, 3];
  const nodes = new Map<number, RaftNode>();
  const stores = new Map<number, SlowLogStore>();
  const fatal: Error[] = [];
  /** Members whose messages, both ways, are dropped. */
  const isolated = new Set<number>();
  const cleanups: Array<() => Promise<void>> = [];
  for (const id of ids) {
    const dir = mkdtempSync(join(tmpdir(), `keel-node-${id}-`));
    const db = new Level<Uint8Array, Uint8Array>(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    const kv = new MvccStore(db);
    await kv.open();
    const logStore = new SlowLogStore({ dir, db });
    logStore.compactDelayMs = options.compactDelayMs ?? 0;
    stores.set(id, logStore);
    const deliver = (messages: Message[]): void => {
      for (const m of messages) {
        if (isolated.has(m.from) || isolated.has(m.to)) continue;
        setImmediate(() => nodes.get(m.to)?.receive([m]));
      }
    };
    const node = new RaftNode({ id, conf: { voters: ids, learners: [] }, logStore, stateMachine: kv, transport: { send: deliver }, snapshotEveryEntries: options.snapshotEveryEntries, snapshotEveryBytes: options.snapshotEveryBytes, onFatal: (error) => fatal.push(error) });
    nodes.set(id, node);
    cleanups.push(async () => {
      await node.stop();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    });
  }
  for (const node of nodes.values()) await node.start();
  t.teardown(async () => {
    for (const cleanup of cleanups) await cleanup();
  });
  const leaderId = await nodes.get(1)!.waitForLeader(10_000);
  t.ok(leaderId > 0, `a leader (${leaderId})`);
  await nodes.get(leaderId)!.propose(put('warm'), 5000);
  return { nodes, stores, leaderId, fatal, isolated, followers: ids.filter((id) => id !== leaderId) };
}

/** Resolves with the leader's completed saves at the moment `write` resolves. */
function savesWhenDone(write: Promise<unknown>, store: SlowLogStore): Promise<number> {
  return write.then(() => store.saves);
}

t.test('an entry committed before the next Ready is applied while that Ready is written', async (t) => {
  const { nodes, stores, leaderId, fatal } = await cluster(t);
  const leader = nodes.get(leaderId)!;
  const disk = stores.get(leaderId)!;
  disk.delayMs = 300; // the followers acknowledge long before the leader's own write ends
  const before = disk.saves;
  const x = savesWhenDone(leader.propose(put('x'), 10_000), disk);
  await sleep(100); // during x's write: y goes into the next Ready, with x committed
  const y = savesWhenDone(leader.propose(put('y'), 10_000), disk);
  t.equal((await x) - before, 1, "x is answered after its own write, during y's");
  t.equal((await y) - before, 2);
  t.same(fatal, []);
});

/**
 * Gives the log of `slow(members)` 3 s writes, longer than any election timeout, writes once
 * through the leader, and checks that it led throughout: no member left its term.
 */
async function writeThroughSlowDisks(t: Test, slow: (c: { leaderId: number; followers: number[] }) => number[], timeoutMs: number, why: string): Promise<void> {
  const { nodes, stores, leaderId, followers, fatal } = await cluster(t);
  const leader = nodes.get(leaderId)!;
  const term = leader.term;
  for (const id of slow({ leaderId, followers })) stores.get(id)!.delayMs = 3_000;
  await leader.propose(put('slow'), timeoutMs);
  t.equal(leader.leader, leaderId, why);
  for (const node of nodes.values()) t.equal(node.term, term, `member ${node.id} is still in term ${term}`);
  t.same(fatal, []);
}

t.test('a leader whose write takes longer than an election timeout keeps heartbeating and keeps leading', async (t) => {
  // longer than the longest election timeout (2 s)
  await writeThroughSlowDisks(t, ({ leaderId }) => [leaderId], 10_000, 'no follower took the slow write for a dead leader');
});

t.test('followers whose writes take longer than an election timeout still answer heartbeats, so the leader keeps leading', async (t) => {
  // CheckQuorum looks every election timeout (1 s)
  await writeThroughSlowDisks(t, ({ followers }) => followers, 15_000, 'the leader did not step down');
});

t.test('an acknowledgement that arrives during a write applies entries already on disk at once', async (t) => {
  const { nodes, stores, leaderId, followers, fatal } = await cluster(t);
  const leader = nodes.get(leaderId)!;
  const disk = stores.get(leaderId)!;
  disk.delayMs = 200;
  for (const id of followers) stores.get(id)!.delayMs = 400;
  const before = disk.saves;
  // x: the leader's write ends at ~200 ms, the followers' at ~400 ms. y's write runs from ~300
  // to ~500 ms, so the acknowledgements of x arrive in the middle of it.
  const x = savesWhenDone(leader.propose(put('x'), 10_000), disk);
  await sleep(300);
  const y = savesWhenDone(leader.propose(put('y'), 10_000), disk);
  t.equal((await x) - before, 1, "x is answered during y's write, not after it");
  t.ok((await y) - before >= 2);
  t.same(fatal, []);
});

t.test('writes commit and are answered while a log compaction is under way on every member', async (t) => {
  const { nodes, stores, leaderId, fatal } = await cluster(t, { snapshotEveryEntries: 10, compactDelayMs: 3000 });
  const leader = nodes.get(leaderId)!;
  const disk = stores.get(leaderId)!;
  let written = 0;
  while (disk.compacting === 0 && written < 100) await leader.propose(put(`a${written++}`), 10_000);
  t.equal(disk.compacting, 1, `the leader compacts after ${written} writes`);
  for (let i = 0; i < 5; i++) await leader.propose(put(`b${i}`), 10_000);
  t.equal(disk.compacting, 1, 'five more writes were answered before the compaction ended');
  while (disk.compacting > 0) await sleep(50);
  t.ok(leader.snapshotIndex >= 10, `the log is compacted (snapshot index ${leader.snapshotIndex})`);
  await leader.propose(put('after'), 10_000);
  t.same(fatal, []);
});

t.test('a read index asked of a leader that is cut off is asked again of the new leader', async (t) => {
  const { nodes, leaderId, followers, isolated, fatal } = await cluster(t);
  const reader = nodes.get(followers[0])!;
  await nodes.get(leaderId)!.propose(put('before'), 5000);
  isolated.add(leaderId); // the request below goes to the old leader and is lost with it
  const read = reader.readIndex(15_000);
  const outcome = await read.then(() => 'served', (error: Error) => `failed: ${error.message}`);
  t.equal(outcome, 'served', 'served once a new leader answers, long before the read times out');
  t.not(reader.leader, leaderId, `a new leader (${reader.leader})`);
  t.same(fatal, []);
});

t.test('large entries compact the log by their bytes, long before the entry count', async (t) => {
  const { nodes, leaderId, fatal } = await cluster(t, { snapshotEveryBytes: 256 << 10 });
  const leader = nodes.get(leaderId)!;
  const big = (key: string): Uint8Array => encodeEnvelope({ command: { op: 'put', request: { key: bytes(key), value: new Uint8Array(32 << 10) } } });
  for (let i = 0; i < 24; i++) await leader.propose(big(`big${i}`), 10_000);
  await waitUntil(() => [...nodes.values()].every((node) => node.snapshotIndex > 0));
  const snapshots = [...nodes.values()].map((node) => node.snapshotIndex);
  t.ok(snapshots.every((index) => index >= 8 && index < 24), `every member compacted after about 8 entries of 32 KiB (${snapshots.join(', ')})`);
  t.ok(leader.status().firstIndex > 4, `the in-memory log starts at ${leader.status().firstIndex}`);
  t.same(fatal, []);
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await sleep(20);
  }
}
