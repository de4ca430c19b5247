// The log store against a plain in-memory model: random sequences of saves (appends, conflicting
// appends, snapshots, state-machine ops), compactions and reopens must recover exactly the
// model's hard state, snapshot, entries and state-machine keys. Commands are generated as
// abstract choices and made valid against the model when they run, the way a correct driver
// would issue them. A failure prints the seed and path; FC_SEED=<seed> replays it.
import t from 'tap';
import fc from 'fast-check';
import { deepStrictEqual } from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { LogStore } from '../raft/log-store.ts';
import type { Entry, HardState, SnapshotMeta } from '../raft/core/index.ts';

type Db = Level<Uint8Array, Uint8Array>;

interface Model {
  hardState: HardState;
  snapshot: SnapshotMeta | null;
  entries: Entry[];
  /** State-machine key byte (0x10 + k) -> value byte. */
  stateMachine: Map<number, number>;
  /** Makes each written entry's data distinct, so a lost overwrite shows. */
  serial: number;
}

const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const stateMachineOp = fc.record({ key: fc.nat(3), value: fc.option(fc.nat(255), { nil: null }) });
const command = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), at: fraction, count: fc.nat(5), newTerm: fc.boolean(), vote: fc.nat(3), commit: fraction, ops: fc.array(stateMachineOp, { maxLength: 2 }) }),
  fc.record({ kind: fc.constant('snapshot' as const), at: fc.nat(6), count: fc.nat(3), voters: fc.subarray([1, 2, 3, 4]) }),
  fc.record({ kind: fc.constant('compact' as const), at: fraction, withMeta: fc.boolean() }),
  fc.record({ kind: fc.constant('reopen' as const) }),
);
type Command = typeof command extends fc.Arbitrary<infer C> ? C : never;

const lastOf = (m: Model): number => m.entries.at(-1)?.index ?? m.snapshot?.index ?? 0;
const snapshotIndexOf = (m: Model): number => m.snapshot?.index ?? 0;
const pick = (lo: number, hi: number, at: number): number => lo + Math.floor(at * (hi - lo + 1));

function newEntries(m: Model, from: number, count: number, term: number): Entry[] {
  return Array.from({ length: count }, (_, i) => {
    m.serial += 1;
    const data = new TextEncoder().encode(`${from + i}/${term}/${m.serial}`);
    return (m.serial % 5 === 0)
      ? { index: from + i, term, kind: 'conf' as const, data, change: { type: 'add-learner' as const, node: m.serial } }
      : { index: from + i, term, kind: 'normal' as const, data };
  });
}

/** An append as a follower or leader makes it: never below the commit index, never leaving a gap. */
async function append(store: LogStore, m: Model, c: Extract<Command, { kind: 'append' }>): Promise<void> {
  const old = m.hardState;
  const term = c.newTerm ? old.term + 1 : old.term;
  const vote = c.newTerm || old.vote === 0 ? c.vote : old.vote;
  const from = pick(Math.max(old.commit, snapshotIndexOf(m)) + 1, lastOf(m) + 1, c.at);
  const entries = newEntries(m, from, c.count, term);
  if (entries.length > 0) m.entries = [...m.entries.filter((e) => e.index < from), ...entries];
  const hardState = { term, vote, commit: pick(old.commit, lastOf(m), c.commit) };
  const ops = c.ops.map(({ key, value }) => {
    if (value === null) m.stateMachine.delete(key);
    else m.stateMachine.set(key, value);
    const raw = Uint8Array.of(0x10 + key);
    return value === null ? { type: 'del' as const, key: raw } : { type: 'put' as const, key: raw, value: Uint8Array.of(value) };
  });
  m.hardState = hardState;
  await store.save({ hardState, entries, snapshot: null, ops });
}

/** A snapshot received from the leader, at or after the commit index, behind or beyond the log. */
async function installSnapshot(store: LogStore, m: Model, c: Extract<Command, { kind: 'snapshot' }>): Promise<void> {
  const lo = Math.max(m.hardState.commit, snapshotIndexOf(m), 1);
  const index = lo + c.at;
  const term = m.hardState.term;
  const snapshot = { index, term, conf: { voters: c.voters, learners: [] } };
  const entries = newEntries(m, index + 1, c.count, term);
  const hardState = { ...m.hardState, commit: index };
  Object.assign(m, { snapshot, entries, hardState });
  await store.save({ hardState, entries, snapshot });
}

/** A local snapshot at or below the commit index then compaction, or compaction alone. */
async function compact(store: LogStore, m: Model, c: Extract<Command, { kind: 'compact' }>): Promise<void> {
  const snapshotIndex = snapshotIndexOf(m);
  if (!c.withMeta) return store.compact(pick(0, snapshotIndex, c.at));
  const applied = Math.min(m.hardState.commit, lastOf(m));
  if (applied <= snapshotIndex) return;
  const index = pick(snapshotIndex + 1, applied, c.at);
  const term = m.entries.find((e) => e.index === index)!.term;
  m.snapshot = { index, term, conf: { voters: [1, 2, 3], learners: [index % 4] } };
  m.entries = m.entries.filter((e) => e.index > index);
  await store.compact(m.snapshot);
}

async function openDb(dir: string): Promise<Db> {
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  return db;
}

/** Closes the db, opens it again and checks the recovered log and state machine against the model. */
async function reopenAndCheck(dir: string, db: Db, m: Model, previous: LogStore): Promise<{ db: Db; store: LogStore }> {
  await previous.settled();
  await db.close();
  const again = await openDb(dir);
  const store = new LogStore({ dir, db: again });
  deepStrictEqual(await store.load(), { hardState: m.hardState, snapshot: m.snapshot, entries: m.entries });
  deepStrictEqual(store.bounds(), { first: snapshotIndexOf(m) + 1, last: lastOf(m) });
  const stored = await again.iterator({ gte: Uint8Array.of(0x10) }).all();
  deepStrictEqual(new Map(stored.map(([key, value]) => [key[0] - 0x10, value[0]])), m.stateMachine);
  return { db: again, store };
}

async function run(commands: Command[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'keel-log-store-prop-'));
  let db = await openDb(dir);
  try {
    let store = new LogStore({ dir, db });
    await store.load();
    const m: Model = { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [], stateMachine: new Map(), serial: 0 };
    for (const c of commands) {
      if (c.kind === 'append') await append(store, m, c);
      if (c.kind === 'snapshot') await installSnapshot(store, m, c);
      if (c.kind === 'compact') await compact(store, m, c);
      if (c.kind === 'reopen') ({ db, store } = await reopenAndCheck(dir, db, m, store));
      deepStrictEqual(store.bounds(), { first: snapshotIndexOf(m) + 1, last: lastOf(m) });
    }
    ({ db } = await reopenAndCheck(dir, db, m, store));
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

t.test('random saves, compactions and reopens recover what an in-memory model holds', async (t) => {
  const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
  await fc.assert(fc.asyncProperty(fc.array(command, { maxLength: 30 }), run), { numRuns: 80, ...seed });
  t.pass('80 runs agree with the model');
});
