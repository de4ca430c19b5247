// The MVCC store against a plain in-memory model (test/mvcc-model.ts): random batches of puts
// (with leases), deletes (single keys and ranges), txns with compares, compactions, lease grants,
// revokes and expiries, exactly-once envelopes (retries, out-of-order seqs, a tiny window and
// client table), reads at random past revisions, history queries, reopens of the LevelDB, and
// snapshot -> restore into a fresh LevelDB (whole or chunked). Every answer, every event delivered
// by onApplied, the revisions and the leases must equal the model's. Commands are abstract
// choices made concrete against the model when they run. A failure prints the seed and path;
// FC_SEED=<seed> FC_PATH=<path> replays it.
import t from 'tap';
import fc from 'fast-check';
import { deepStrictEqual, AssertionError } from 'node:assert/strict';
import { Harness } from './mvcc-harness.ts';
import { Model, toBytes } from './mvcc-model.ts';
import type { Command, Compare, Envelope, KeyRange, RangeRequest, RequestOp, RevisionEvent } from '../store/mvcc/index.ts';
import { encodeEnvelope, encodeEnvelopeBatch, prefixEnd } from '../store/mvcc/index.ts';
import type { Entry } from '../raft/core/index.ts';

const dedupWindow = 3;
const dedupClientsMax = 2;
const keys = ['', '\0', 'a', 'a\0', 'a\0\0', 'ab', 'b', 'b/1', 'b/2', 'c', '\xff', '\xff\xff'];

// Not fc.double: it draws floats uniformly over their bit patterns, i.e. almost always near 0.
const fraction = fc.nat(9_999).map((n) => n / 10_000);
const pick = (lo: number, hi: number, at: number): number => lo + Math.floor(at * (hi - lo + 1));
const keyIndex = fc.nat(keys.length - 1);
const range = fc.record({ k: keyIndex, kind: fc.constantFrom('single', 'single', 'between', 'from', 'prefix'), e: keyIndex });
const leaseChoice = fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.nat(3).map((n) => n + 1));
const put = fc.record({ kind: fc.constant('put' as const), k: keyIndex, v: fc.nat(3), lease: leaseChoice, prevKv: fc.boolean() });
const del = fc.record({ kind: fc.constant('del' as const), range, prevKv: fc.boolean() });
const read = fc.record({ kind: fc.constant('range' as const), range, at: fraction, past: fc.boolean(), limit: fc.nat(3), countOnly: fc.boolean(), keysOnly: fc.boolean() });
const compare = fc.record({ range, target: fc.constantFrom('value', 'version', 'create', 'mod', 'lease'), result: fc.constantFrom('equal', 'not-equal', 'less', 'greater'), n: fc.nat(6), v: fc.nat(3) });
const op = fc.oneof(put, del, read);
const command = fc.oneof(
  { weight: 6, arbitrary: put },
  { weight: 2, arbitrary: del },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('txn' as const), compare: fc.array(compare, { maxLength: 2 }), success: fc.array(op, { maxLength: 3 }), failure: fc.array(op, { maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), at: fraction, future: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('grant' as const), id: fc.option(fc.nat(4), { nil: 0 }), ttl: fc.nat(60) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), which: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), which: fc.array(fc.nat(3), { maxLength: 3 }) }) },
);
const envelope = fc.record({ command, dedup: fc.option(fc.record({ client: fc.nat(2), seq: fc.nat(8) }), { freq: 3 }) });
const step = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('apply' as const), envelopes: fc.array(envelope, { minLength: 1, maxLength: 4 }), asBatch: fc.boolean() }) },
  // A leader reads ahead what a proposed command's apply will read; the read lands whenever it
  // lands, before, between or after later batches, and must never change an answer.
  // `hold`: its read runs now but answers only at a later release, after batches that may
  // write the same keys: a stale read must not get into the cache.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('read-ahead' as const), commands: fc.array(command, { minLength: 1, maxLength: 3 }), hold: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const) }) },
  { weight: 3, arbitrary: read },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('history' as const), range, from: fraction, span: fc.nat(6), limit: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const), chunked: fc.boolean(), chunkBytes: fc.integer({ min: 32, max: 2048 }) }) },
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;
type AbstractCommand = typeof command extends fc.Arbitrary<infer C> ? C : never;
type AbstractOp = typeof op extends fc.Arbitrary<infer O> ? O : never;
type AbstractRange = typeof range extends fc.Arbitrary<infer R> ? R : never;

function keyRange(r: AbstractRange): KeyRange {
  const key = toBytes(keys[r.k]);
  switch (r.kind) {
    case 'single': return { key };
    case 'between': return { key, rangeEnd: toBytes(keys[r.e]) };
    case 'from': return { key, rangeEnd: Uint8Array.of(0) };
    default: return { key, rangeEnd: prefixEnd(key) };
  }
}

function leaseOf(model: Model, choice: number): number {
  if (choice === 0) return 0;
  return model.leaseList()[choice - 1]?.id ?? 999;
}

function rangeRequest(model: Model, r: Extract<AbstractOp, { kind: 'range' }>): RangeRequest {
  const revision = r.past ? pick(0, model.revision + 1, r.at) : 0;
  return { ...keyRange(r.range), revision, limit: r.limit, countOnly: r.countOnly, keysOnly: r.keysOnly };
}

function requestOp(model: Model, o: AbstractOp): RequestOp {
  switch (o.kind) {
    case 'put': return { put: { key: toBytes(keys[o.k]), value: toBytes(`v${o.v}`), lease: leaseOf(model, o.lease), prevKv: o.prevKv } };
    case 'del': return { deleteRange: { ...keyRange(o.range), prevKv: o.prevKv } };
    case 'range': return { range: rangeRequest(model, o) };
  }
}

function concrete(model: Model, c: AbstractCommand): Command {
  switch (c.kind) {
    case 'put': return { op: 'put', request: (requestOp(model, c) as { put: any }).put };
    case 'del': return { op: 'delete-range', request: (requestOp(model, c) as { deleteRange: any }).deleteRange };
    case 'txn': {
      const compares: Compare[] = c.compare.map((x) => ({ ...keyRange(x.range), target: x.target, result: x.result, number: x.n, value: toBytes(`v${x.v}`) }));
      return { op: 'txn', request: { compare: compares, success: c.success.map((o) => requestOp(model, o)), failure: c.failure.map((o) => requestOp(model, o)) } };
    }
    case 'compact': return { op: 'compact', request: { revision: c.future ? model.revision + 1 : pick(0, model.revision, c.at) } };
    case 'grant': return { op: 'lease-grant', request: { ttl: c.ttl, id: c.id } };
    case 'revoke': return { op: 'lease-revoke', request: { id: leaseOf(model, c.which + 1) } };
    case 'expire': return { op: 'lease-expire', ids: c.which.map((w) => leaseOf(model, w + 1)) };
  }
}

/** deepStrictEqual, with bytes shown as latin1 text on a failure (a Uint8Array view prints its whole buffer otherwise). */
function same(actual: unknown, expected: unknown, what: string): void {
  try {
    deepStrictEqual(actual, expected);
  } catch (error) {
    const show = (v: unknown) => JSON.stringify(v, (_, x) => (x instanceof Uint8Array ? `<${Buffer.from(x).toString('latin1')}>` : x));
    throw new AssertionError({ message: `${what}\nactual:   ${show(actual)}\nexpected: ${show(expected)}` });
  }
}

const norm = (r: any): any => (r && typeof r === 'object' && 'error' in r ? { error: { code: r.error.code } } : r);
const codeOf = (e: any) => ({ error: { code: e.code } });

class Run {
  h!: Harness;
  model = new Model(dedupWindow, dedupClientsMax);
  seen: RevisionEvent[] = [];
  #off: (() => void) | null = null;
  /** Answers of read-ahead reads held back (a 'read-ahead' step with hold), released by 'release'. */
  #held: Array<() => void> = [];
  #holding = false;
  #patched = new WeakSet<object>();

  /** Makes getMany calls on `db` made while #holding run at once but answer only when released. */
  #holdReads(db: Harness['db']): void {
    if (this.#patched.has(db)) return;
    this.#patched.add(db);
    const getMany = db.getMany.bind(db) as (keys: Uint8Array[]) => Promise<Array<Uint8Array | undefined>>;
    (db as unknown as { getMany: typeof getMany }).getMany = (keys) => {
      const read = getMany(keys);
      if (!this.#holding) return read;
      return new Promise((resolve, reject) => this.#held.push(() => void read.then(resolve, reject)));
    };
  }

  async start(): Promise<void> {
    this.#adopt(await Harness.create({ dedupWindow, dedupClientsMax }));
  }

  #adopt(h: Harness): void {
    this.#off?.();
    this.h = h;
    this.#off = h.store.onApplied((events, revision) => {
      same(revision, this.h.store.currentRevision, 'revision');
      this.seen.push(...events);
    });
  }

  async step(s: Step): Promise<void> {
    const { model } = this;
    switch (s.kind) {
      case 'apply': {
        const entries: Entry[] = [];
        const expected: unknown[] = [];
        const members: Uint8Array[] = [];
        for (const e of s.envelopes) {
          const c = concrete(model, e.command);
          // In one batch entry (store/proposal-batcher.ts), as a leader proposes writes without a client id.
          const dedup = s.asBatch ? null : e.dedup;
          const env: Envelope = dedup ? { clientId: `c${dedup.client}`, seq: dedup.seq, command: c } : { command: c };
          if (s.asBatch) members.push(encodeEnvelope(env));
          else entries.push(this.h.entry(env));
          expected.push(norm(model.envelope(env.clientId, env.seq, c)));
        }
        if (s.asBatch) {
          this.h.index += 1;
          entries.push({ term: 1, index: this.h.index, kind: 'normal', data: encodeEnvelopeBatch(members) });
        }
        const before = this.seen.length;
        const answers = await this.h.store.apply(entries);
        const results = s.asBatch ? (answers[0] as unknown[]) : answers;
        same(results.map(norm), expected, 'results.map(norm)');
        same(this.h.store.currentRevision, model.revision, 'this.h.store.currentRevision');
        same(this.h.store.compactRevision, model.compact, 'this.h.store.compactRevision');
        same(this.h.store.leases(), model.leaseList(), 'this.h.store.leases()');
        same(this.seen.length, model.events.length, 'every event delivered once');
        same(this.seen.slice(before), model.eventsOut(before), 'onApplied events');
        return;
      }
      case 'read-ahead': {
        this.#holding = s.hold;
        this.#holdReads(this.h.db);
        for (const c of s.commands) this.h.store.readAhead({ command: concrete(model, c) });
        await new Promise((resolve) => setImmediate(resolve)); // the turn's read is issued
        this.#holding = false;
        return;
      }
      case 'release': {
        for (const release of this.#held.splice(0)) release();
        await new Promise((resolve) => setImmediate(resolve));
        return;
      }
      case 'range': {
        const request = rangeRequest(model, s);
        const got = await this.h.store.range(request).catch(codeOf);
        same(got, model.range(request), s.kind);
        return;
      }
      case 'history': {
        const r = keyRange(s.range);
        const from = pick(0, model.revision + 1, s.from);
        const to = s.span === 0 ? 0 : from + s.span - 1;
        const got = await this.h.store.history(r, from, to, s.limit).catch(codeOf);
        same(got, model.history(r, from, to, s.limit), s.kind);
        return;
      }
      case 'reopen': {
        await this.h.reopen();
        this.#adopt(this.h);
        same(await this.h.store.appliedIndex(), this.h.index, 'await this.h.store.appliedIndex()');
        return;
      }
      case 'restore': {
        const fresh = await Harness.create({ dedupWindow, dedupClientsMax });
        const meta = { index: this.h.index, term: 1, conf: { voters: [1], learners: [] } };
        if (s.chunked) {
          await fresh.store.restoreFromChunks(this.h.store.snapshotChunks(s.chunkBytes), meta);
        } else {
          await fresh.db.batch(await fresh.store.restoreOps(await this.h.store.snapshot(), meta));
          fresh.store.restored(meta);
        }
        fresh.index = this.h.index;
        await this.h.destroy();
        this.#adopt(fresh);
        same(await fresh.store.appliedIndex(), meta.index, 'await fresh.store.appliedIndex()');
        same(fresh.store.currentRevision, model.revision, 'fresh.store.currentRevision');
        same(fresh.store.leases(), model.leaseList(), 'fresh.store.leases()');
        return;
      }
    }
  }

  async stop(): Promise<void> {
    this.#off?.();
    await this.h.destroy();
  }
}

t.test('the MVCC store equals the in-memory model under random commands, reopens and restores', async (t) => {
  const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
  const started = Date.now();
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), async (steps) => {
      runs++;
      const run = new Run();
      await run.start();
      try {
        for (const s of steps) await run.step(s);
      } finally {
        await run.stop();
      }
    }),
    { seed, path: process.env.FC_PATH, numRuns: Number(process.env.FC_RUNS ?? 250), endOnFailure: false },
  ).catch((error: Error) => {
    t.comment(`replay with FC_SEED=${seed}`);
    throw error;
  });
  t.pass(`${runs} runs in ${Date.now() - started} ms (seed ${seed})`);
});
