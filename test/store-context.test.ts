// The store context's read barriers: what a read waits for before it reads this member's copy.
import t from 'tap';
import type { RaftNode } from '../raft/node.ts';
import { storeContext } from '../store/store-context.ts';
import type { MasterConfig } from '../store/server.ts';
import type { MvccStore } from '../store/mvcc/index.ts';
import type { LeaseClock } from '../store/api/context.ts';

function fakeNode() {
  const calls: string[] = [];
  let release = (): void => {};
  const node = {
    leader: 1,
    term: 1,
    waitForLeader: async () => 1,
    setTurnHook: () => {},
    readIndex: async () => void calls.push('readIndex'),
    answeredApplied: () => {
      calls.push('answeredApplied');
      return new Promise<void>((resolve) => (release = resolve));
    },
  };
  return { node: node as unknown as RaftNode, calls, release: () => release() };
}

const settledWithin = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

t.test("a serializable read waits until this member's answered writes are applied; a linearizable one asks ReadIndex", async (t) => {
  const { node, calls, release } = fakeNode();
  const ctx = storeContext({
    config: { id: 1, clusterId: 'c', members: [] } as unknown as MasterConfig,
    node,
    store: {} as MvccStore,
    leases: {} as LeaseClock,
    leaderWaitMs: 100,
    requestTimeoutMs: 1000,
    dbSize: async () => 0,
    version: 'test',
  });
  const serializable = ctx.readBarrier('serializable');
  t.notOk(await settledWithin(serializable, 50), 'held while an answered write has not landed');
  release();
  t.ok(await settledWithin(serializable, 50), 'then it reads');
  await ctx.readBarrier('linearizable');
  t.same(calls, ['answeredApplied', 'readIndex']);
});
