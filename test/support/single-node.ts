// A real RaftNode as a one-member cluster on a LevelDB in a temp dir, with the MVCC store as its
// state machine (or a wrapper of it), torn down with the test.
import type { Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { LogStore } from '../../raft/log-store.ts';
import { RaftNode, type StateMachine } from '../../raft/node.ts';
import { MvccStore } from '../../store/mvcc/index.ts';

export async function singleNode(t: Test, syncDelayMs = 0, wrap: (kv: MvccStore) => StateMachine = (kv) => kv) {
  const dir = mkdtempSync(join(tmpdir(), 'keel-node-'));
  const db = new Level<Uint8Array, Uint8Array>(join(dir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  const fatal: Error[] = [];
  const syncs: number[] = [];
  const kv = new MvccStore(db);
  await kv.open();
  const node = new RaftNode({
    id: 1,
    conf: { voters: [1], learners: [] },
    logStore: new LogStore({ dir, db, syncDelayMs }),
    stateMachine: wrap(kv),
    transport: { send: () => {} },
    tickMs: 10,
    onFatal: (error) => fatal.push(error),
    observe: { fsync: (_ms, entries) => syncs.push(entries) },
  });
  await node.start();
  t.teardown(async () => {
    await node.stop();
    if (db.status === 'open') await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await node.waitForLeader(5000);
  return { node, kv, db, fatal, syncs };
}
