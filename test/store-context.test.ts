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

/** A store whose revision moves only when the test applies a batch. */
function fakeStore() {
  const listeners: Array<(events: unknown[], revision: number) => void> = [];
  const store = {
    currentRevision: 3,
    onApplied: (listener: (events: unknown[], revision: number) => void) => {
      listeners.push(listener);
      return () => undefined;
    },
  };
  const apply = (revision: number): void => {
    store.currentRevision = revision;
    for (const listener of listeners) listener([], revision);
  };
  return { store: store as unknown as MvccStore, apply };
}

const settledWithin = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

t.test("a serializable read waits until this member's answered writes are applied; a linearizable one asks ReadIndex", async (t) => {
  const { node, calls, release } = fakeNode();
  const ctx = storeContext({
    config: { id: 1, clusterId: 'c', members: [] } as unknown as MasterConfig,
    node,
    store: fakeStore().store,
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

t.test('a write this member forwarded and answered holds its serializable reads and new watches until its state has that revision', async (t) => {
  const { node, release } = fakeNode();
  release();
  const { store, apply } = fakeStore();
  const ctx = storeContext({
    config: { id: 1, clusterId: 'c', members: [] } as unknown as MasterConfig,
    node: { ...node, answeredApplied: async () => undefined } as unknown as RaftNode,
    store,
    leases: {} as LeaseClock,
    leaderWaitMs: 100,
    requestTimeoutMs: 300,
    dbSize: async () => 0,
    version: 'test',
  });
  t.ok(await settledWithin(ctx.readBarrier('serializable'), 50), 'nothing answered ahead of the state: no wait');
  ctx.forwardedAnswer(5);
  ctx.forwardedAnswer(4); // an older answer arriving later changes nothing
  const read = ctx.readBarrier('serializable');
  const watch = ctx.ownWritesVisible();
  apply(4);
  t.notOk(await settledWithin(Promise.all([read, watch]), 50), 'held while the state is behind revision 5');
  apply(5);
  t.ok(await settledWithin(Promise.all([read, watch]), 50), 'released once revision 5 is applied');
  ctx.forwardedAnswer(9);
  await t.rejects(ctx.readBarrier('serializable'), { code: 'KEEL_TIMEOUT' }, 'a member that cannot catch up fails the read at the request timeout');
});
