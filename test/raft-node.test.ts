// The driver on a real LevelDB, as one single-member cluster: writes are acknowledged only once
// synced and applied, proposals made during a write share the next one, and a failed write
// stops the node without acknowledging anything.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { LogStore } from '../raft/log-store.ts';
import { emptyMessage } from '../raft/core/index.ts';
import { RaftNode, type StateMachine } from '../raft/node.ts';
import { MvccStore, encodeEnvelope } from '../store/mvcc/index.ts';
import { singleNode } from './support/single-node.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const put = (key: string, value: string): Uint8Array => encodeEnvelope({ command: { op: 'put', request: { key: bytes(key), value: bytes(value) } } });



t.test('messages that arrive before start() has recovered the log are dropped, not a crash', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-node-'));
  const db = new Level<Uint8Array, Uint8Array>(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  const kv = new MvccStore(db);
  await kv.open();
  const node = new RaftNode({
    id: 1,
    conf: { voters: [1], learners: [] },
    logStore: new LogStore({ dir, db }),
    stateMachine: kv,
    transport: { send: () => {} },
    tickMs: 10,
    onFatal: (error) => t.fail(error.message),
  });
  t.teardown(async () => {
    await node.stop();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // The transport listens before the node starts: a peer's heartbeat or a lost connection can come first.
  t.doesNotThrow(() => node.receive([emptyMessage('heartbeat', 2, 1, 7)]), 'a message before start');
  t.doesNotThrow(() => node.reportUnreachable(2), 'an unreachable peer before start');
  await t.rejects(node.propose(put('a', '1'), 1000), { code: 'KEEL_NOT_STARTED' }, 'a proposal before start fails with a clear code');
  await node.start();
  await node.waitForLeader(5000);
  t.equal(node.term, 1, 'the dropped heartbeat of term 7 was never stepped');
  t.same(await node.propose(put('a', '1'), 5000), { revision: 1 }, 'and the node works once started');
});

t.test('a write resolves with its result once applied; a ReadIndex read sees it', async (t) => {
  const { node, kv } = await singleNode(t);
  t.equal(node.leader, 1);
  const result = await node.propose(put('a', '1'), 5000);
  t.same(result, { revision: 1 });
  await node.readIndex(5000);
  t.same((await kv.range({ key: bytes('a') })).kvs.map((kv) => kv.value), [bytes('1')]);
  const del = await node.propose(encodeEnvelope({ command: { op: 'delete-range', request: { key: bytes('a') } } }), 5000);
  t.match(del, { revision: 2, deleted: 1 });
});

t.test('proposals made while a write is in flight share the next write (group commit)', async (t) => {
  const { node, syncs } = await singleNode(t, 20);
  syncs.length = 0;
  const writes = Array.from({ length: 200 }, (_, i) => node.propose(put(`k${i}`, 'v'), 10_000));
  await Promise.all(writes);
  const entries = syncs.reduce((a, b) => a + b, 0);
  t.ok(entries >= 200, `all 200 entries were synced (${entries})`);
  t.ok(syncs.length <= 10, `in ${syncs.length} sync writes, not 200`);
});

t.test('a failed write stops the node: nothing is acknowledged and onFatal is called once', async (t) => {
  const { node, db, fatal } = await singleNode(t);
  await db.close();
  const write = node.propose(put('lost', 'x'), 5000);
  // Whichever write fails first (the log's or the state machine's), the node stops on it.
  const stopped = { code: /^KEEL_(STORAGE_WRITE|APPLY_FAILED)$/ };
  await t.rejects(write, stopped);
  t.equal(fatal.length, 1);
  t.match(fatal[0], stopped);
  await t.rejects(node.propose(bytes('x'), 1000), stopped, 'and refuses everything after');
  await t.rejects(node.readIndex(1000), stopped);
});

t.test('batches committed while the state machine is busy are applied together, in order, in one call', async (t) => {
  const calls: string[][] = [];
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { node, kv } = await singleNode(t, 0, (kv) => {
    const sm: StateMachine = {
      appliedIndex: () => kv.appliedIndex(),
      apply: async (entries) => {
        const writes = entries.filter((e) => e.kind === 'normal' && e.data.length > 0).map((e) => String(e.index));
        if (writes.length > 0) calls.push(writes);
        if (writes.length > 0 && calls.length === 1) await gate; // the first write holds the stage
        return kv.apply(entries);
      },
      snapshot: () => kv.snapshot(),
      restoreOps: (data, meta) => kv.restoreOps(data, meta),
      restored: (meta) => kv.restored(meta),
    };
    return sm;
  });
  await node.readIndex(5000); // the no-op is applied
  const first = node.propose(put('a', '1'), 5000);
  while (calls.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
  const later = [];
  for (const key of ['b', 'c', 'd']) {
    later.push(node.propose(put(key, '1'), 5000));
    await new Promise((resolve) => setTimeout(resolve, 30)); // each its own Ready, committed while 'a' applies
  }
  release();
  await Promise.all([first, ...later]);
  t.equal(calls.length, 2, `one apply for the three queued batches: ${JSON.stringify(calls)}`);
  t.equal(calls[1]?.length, 3, 'b, c and d together');
  t.same(calls[1], [...(calls[1] ?? [])].sort((x, y) => Number(x) - Number(y)), 'in log order');
  await node.readIndex(5000);
  t.same((await kv.range({ key: bytes('a'), rangeEnd: bytes('e') })).kvs.map((e) => new TextDecoder().decode(e.key)), ['a', 'b', 'c', 'd']);
});

t.test("a write is answered once its result is final, before the state machine's write lands; reads wait for that write", async (t) => {
  let release = (): void => {};
  let holding = false;
  const { node } = await singleNode(t, 0, () => ({
    appliedIndex: async () => 0,
    apply: async (entries, answer) => {
      const results = entries.map((e) => `result ${e.index}`);
      answer?.(results);
      if (holding) await new Promise<void>((resolve) => (release = resolve)); // the write has not landed
      return results;
    },
    snapshot: async () => new Uint8Array(0),
    restoreOps: async () => [],
    restored: () => {},
  }));
  await node.readIndex(5000);
  holding = true;
  const settled = (p: Promise<unknown>): Promise<boolean> => Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 100))]);
  const result = await Promise.race([node.propose(bytes('x'), 5000), new Promise((resolve) => setTimeout(() => resolve('not answered'), 2000))]);
  t.match(result, /^result \d+$/, 'the proposer has its result while the write is held');
  const index = Number(String(result).split(' ')[1]);
  t.ok(node.appliedIndex < index, `the applied index (${node.appliedIndex}) has not moved to ${index}`);
  const read = node.readIndex(5000);
  const ownWrites = node.answeredApplied();
  t.notOk(await settled(read), 'a linearizable read waits for the write');
  t.notOk(await settled(ownWrites), "so does a serializable read that must see this member's answers");
  release();
  t.ok(await settled(read), 'then both go on');
  t.ok(await settled(ownWrites));
  t.equal(node.appliedIndex, index);
  t.ok(await settled(node.answeredApplied()), 'nothing answered beyond applied: at once');
});
