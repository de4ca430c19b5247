// RaftLog against a plain array of entries: the clever offset-and-stable bookkeeping must agree
// with the simple model under random appends, conflicts, commits and compactions.
import t from 'tap';
import fc from 'fast-check';
import { RaftLog } from '../raft/core/log.ts';
import type { Entry } from '../raft/core/index.ts';

const entry = (index: number, term: number): Entry => ({ index, term, kind: 'normal', data: new Uint8Array([index & 0xff]) });

t.test('maybeAppend truncates at the first conflict and keeps a matching prefix', async (t) => {
  const log = new RaftLog(0, 0, [entry(1, 1), entry(2, 1), entry(3, 2)], 1, 0);
  t.equal(log.maybeAppend(1, 1, 3, [entry(2, 1), entry(3, 3), entry(4, 3)]), 4);
  t.same(log.slice(1, 5, 10, Infinity)!.map((e) => e.term), [1, 1, 3, 3]);
  t.equal(log.stableIndex, 2, 'the replaced entries are no longer stable');
  t.equal(log.committed, 3);
  t.equal(log.maybeAppend(4, 2, 4, []), null, 'a mismatched previous entry is refused');
  t.equal(log.maybeAppend(9, 3, 4, []), null, 'an append past the end is refused');
});

t.test('maybeAppend never truncates on entries it already has', async (t) => {
  const log = new RaftLog(0, 0, [entry(1, 1), entry(2, 1), entry(3, 1)], 0, 0);
  t.equal(log.maybeAppend(0, 0, 0, [entry(1, 1)]), 1, 'a stale, shorter append');
  t.equal(log.lastIndex(), 3, 'keeps the entries after it');
});

t.test('truncating a committed entry is an assertion failure', async (t) => {
  const log = new RaftLog(0, 0, [entry(1, 1), entry(2, 1)], 2, 0);
  t.throws(() => log.maybeAppend(1, 1, 2, [entry(2, 2)]), { name: 'AssertionError' });
});

t.test('findConflictByTerm skips whole terms (fast backtracking)', async (t) => {
  // terms: 1 1 1 4 4 5 5 6 6 6 (the Raft paper's figure 7, leader's log)
  const terms = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const log = new RaftLog(0, 0, terms.map((term, i) => entry(i + 1, term)), 0, 0);
  t.equal(log.findConflictByTerm(10, 3), 3, 'a follower whose last term is 3 matches at most at 3');
  t.equal(log.findConflictByTerm(10, 5), 7);
  t.equal(log.findConflictByTerm(5, 6), 5, 'never beyond the index asked');
  t.equal(log.findConflictByTerm(10, 0), 0);
});

t.test('slice honours the count and byte bounds and always returns one entry', async (t) => {
  const big = (index: number): Entry => ({ index, term: 1, kind: 'normal', data: new Uint8Array(100) });
  const log = new RaftLog(0, 0, [big(1), big(2), big(3), big(4)], 0, 0);
  t.equal(log.slice(1, 5, 2, Infinity)!.length, 2);
  t.equal(log.slice(1, 5, 10, 250)!.length, 2);
  t.equal(log.slice(1, 5, 10, 10)!.length, 1, 'one oversized entry still goes');
});

t.test('compaction keeps the term of the compaction point', async (t) => {
  const log = new RaftLog(0, 0, [entry(1, 1), entry(2, 2), entry(3, 2)], 3, 3);
  log.compact(2);
  t.equal(log.firstIndex(), 3);
  t.equal(log.term(2), 2);
  t.equal(log.term(1), null, 'compacted');
  t.equal(log.slice(2, 4, 10, Infinity), null, 'a slice from a compacted index is refused');
  t.same(log.slice(3, 4, 10, Infinity)!.map((e) => e.index), [3]);
});

// The model: a plain array, index i at position i - 1, and a stable length.
type Op =
  | { kind: 'append'; prev: number; prevTermFromModel: boolean; terms: number[] }
  | { kind: 'stable' }
  | { kind: 'commit'; index: number };

/** A previous term that no entry has (terms grow along the model's log, so 9 could be real). */
const mismatch = -1;

t.test('property: RaftLog agrees with a plain array model', async (t) => {
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('append' as const), prev: fc.nat(12), prevTermFromModel: fc.boolean(), terms: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 5 }) }),
    fc.record({ kind: fc.constant('stable' as const) }),
    fc.record({ kind: fc.constant('commit' as const), index: fc.nat(12) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const log = new RaftLog(0, 0, [], 0, 0);
      let model: number[] = []; // terms
      let stable = 0;
      let committed = 0;
      for (const o of ops) {
        if (o.kind === 'stable') {
          if (model.length > 0) log.stableTo(model.length, model[model.length - 1]);
          stable = model.length;
        } else if (o.kind === 'commit') {
          const index = Math.min(o.index, model.length);
          log.commitTo(index);
          committed = Math.max(committed, index);
        } else {
          const prevTerm = o.prevTermFromModel && o.prev <= model.length ? (o.prev === 0 ? 0 : model[o.prev - 1]) : mismatch;
          // Terms must not decrease along a log, and new terms never rewrite committed entries.
          const base = Math.max(prevTerm === mismatch ? 0 : prevTerm, ...model.slice(0, committed), 0);
          const terms = o.terms.map((x) => base + x);
          for (let i = 1; i < terms.length; i++) terms[i] = Math.max(terms[i], terms[i - 1]);
          const matches = prevTerm !== mismatch && o.prev <= model.length && (o.prev === 0 ? prevTerm === 0 : model[o.prev - 1] === prevTerm);
          const entries = terms.map((term, i) => entry(o.prev + 1 + i, term));
          const conflictsCommitted = matches && entries.some((e) => e.index <= committed && model[e.index - 1] !== e.term);
          if (conflictsCommitted) continue; // a real leader never sends this
          const result = log.maybeAppend(o.prev, prevTerm, 0, entries);
          if (!matches) {
            if (result !== null) return false;
            continue;
          }
          if (result !== o.prev + entries.length) return false;
          for (const e of entries) {
            if (model[e.index - 1] !== e.term) {
              model = model.slice(0, e.index - 1);
              stable = Math.min(stable, e.index - 1);
              model.push(e.term);
            }
          }
        }
        const got = log.slice(1, log.lastIndex() + 1, 1000, Infinity)!.map((e) => e.term);
        if (JSON.stringify(got) !== JSON.stringify(model)) return false;
        if (log.stableIndex !== stable || log.committed !== committed) return false;
        if (log.unstableEntries().length !== model.length - stable) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass('RaftLog matched the model');
});
