// The simulator's checker, fed hand-made bad histories: each Raft safety property it claims to
// check must be caught, and a clean history must pass.
import t from 'tap';
import { Checker, type LogView } from '../lab/sim/index.ts';
import type { Entry } from '../raft/core/index.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const entry = (index: number, term: number, data = `v${index}`): Entry => ({ index, term, kind: 'normal', data: bytes(data) });

/** A persisted log given as the terms of entries 1..n (after an optional snapshot). */
function logOf(terms: number[], snapshotIndex = 0): LogView {
  return {
    snapshotIndex,
    lastIndex: terms.length,
    termAt: (index) => (index === 0 ? 0 : index <= terms.length && index > snapshotIndex - 1 ? terms[index - 1] : undefined),
  };
}

t.test('a clean history has no violations', async (t) => {
  const c = new Checker();
  c.observeLeader(10, 1, 1, logOf([]));
  c.observePersist(11, 1, [entry(1, 1), entry(2, 1)], logOf([]), 1, 0);
  c.observePersist(12, 2, [entry(1, 1)], logOf([]), 0, 0);
  c.observePersist(13, 2, [entry(2, 1)], logOf([1]), 0, 0);
  c.observeApply(14, 1, entry(1, 1), 111);
  c.observeApply(15, 2, entry(1, 1), 111);
  c.observeLeader(20, 2, 2, logOf([1, 1]));
  c.afterStep(30);
  t.same(c.violations, []);
  t.equal(c.violationCount, 0);
});

t.test('election safety: two leaders in one term', async (t) => {
  const c = new Checker();
  c.observeLeader(10, 1, 3, logOf([]));
  c.observeLeader(11, 1, 3, logOf([]));
  t.equal(c.violationCount, 0, 'the same leader seen twice is fine');
  c.observeLeader(12, 2, 3, logOf([]));
  t.equal(c.violationCount, 1);
  t.match(c.violations[0], /election safety: n1 and n2 are both leaders of term 3/);
});

t.test('leader append-only: a leader rewrites its own log', async (t) => {
  const c = new Checker();
  c.observePersist(10, 1, [entry(3, 2)], logOf([1, 1, 1, 1]), 0, 0);
  t.equal(c.violationCount, 0, 'a follower may truncate uncommitted entries');
  c.observePersist(11, 2, [entry(4, 2)], logOf([1, 1, 1, 1]), 2, 0);
  t.equal(c.violationCount, 1);
  t.match(c.violations[0], /leader append-only: n2, leader of term 2, rewrites its log from 4/);
});

t.test('a committed entry overwritten on a follower', async (t) => {
  const c = new Checker();
  c.observePersist(10, 3, [entry(2, 5)], logOf([1, 1, 1]), 0, 2);
  t.match(c.violations.join('\n'), /committed entry overwritten: n3 replaces 2 term 1 \(commit 2\)/);
});

t.test('log matching: one (index, term), two commands', async (t) => {
  const c = new Checker();
  c.observePersist(10, 1, [entry(1, 1, 'x=1')], logOf([]), 1, 0);
  c.observePersist(11, 2, [entry(1, 1, 'x=2')], logOf([]), 0, 0);
  t.equal(c.violationCount, 1);
  t.match(c.violations[0], /log matching: entry 1 term 1 differs between n1 and n2/);
});

t.test('log matching: one (index, term), two different predecessors', async (t) => {
  const c = new Checker();
  c.observePersist(10, 1, [entry(3, 3)], logOf([1, 1]), 0, 0);
  c.observePersist(11, 2, [entry(3, 3)], logOf([1, 2]), 0, 0);
  t.equal(c.violationCount, 1);
  t.match(c.violations[0], /entry 3 term 3 follows term 1 on n1 but term 2 on n2/);
});

t.test('log matching: an unknown predecessor (compacted) is not a disagreement', async (t) => {
  const c = new Checker();
  c.observePersist(10, 1, [entry(5, 2)], logOf([1, 1, 1, 1], 5), 0, 0);
  c.observePersist(11, 2, [entry(5, 2)], logOf([1, 1, 1, 2]), 0, 0);
  t.equal(c.violationCount, 0);
});

t.test('leader completeness: a new leader lacks an applied entry', async (t) => {
  const c = new Checker();
  c.observeApply(10, 1, entry(1, 1), 1);
  c.observeApply(11, 1, entry(2, 2), 2);
  c.observeLeader(20, 2, 3, logOf([1, 2]));
  t.equal(c.violationCount, 0, 'a leader with every applied entry');
  c.observeLeader(30, 3, 4, logOf([1, 3]));
  t.match(c.violations.join('\n'), /leader completeness: n3 leads term 4 but entry 2 \(term 2, applied by n1\) is missing: it has term 3 there/);
  c.observeLeader(40, 1, 5, logOf([1]));
  t.match(c.violations.join('\n'), /entry 2 .* is missing: it lacks it/);
});

t.test('leader completeness: entries covered by the leader snapshot are not required in its log', async (t) => {
  const c = new Checker();
  c.observeApply(10, 1, entry(1, 1), 1);
  c.observeApply(11, 1, entry(2, 1), 2);
  c.observeLeader(20, 2, 2, logOf([1, 1, 1], 2));
  t.equal(c.violationCount, 0);
});

t.test('state machine safety: two members apply different entries at one index', async (t) => {
  const c = new Checker();
  c.observeApply(10, 1, entry(1, 1, 'a=1'), 7);
  c.observeApply(11, 2, entry(1, 2, 'a=1'), 7);
  t.match(c.violations.join('\n'), /state machine safety: n1 applied 1 term 1 but n2 applies term 2/);
  const d = new Checker();
  d.observeApply(10, 1, entry(1, 1, 'a=1'), 7);
  d.observeApply(11, 2, entry(1, 1, 'a=2'), 7);
  t.match(d.violations.join('\n'), /applies term 1 with other data/);
});

t.test('state machine safety: images that differ at one index (a bad snapshot)', async (t) => {
  const c = new Checker();
  c.observeApply(10, 1, entry(1, 1), 100);
  c.observeSnapshotInstall(11, 2, 1, 200, false);
  t.match(c.violations.join('\n'), /state machine safety: n2's state at 1 differs from n1's/);
});

t.test('apply order: a member skips an index', async (t) => {
  const c = new Checker();
  c.observeStart(1, 0);
  c.observeApply(10, 1, entry(2, 1), 1);
  t.match(c.violations.join('\n'), /apply order: n1 applies 2 after 0/);
});

t.test('liveness: nothing committed by the deadline after the heal', async (t) => {
  const c = new Checker();
  c.expectLiveness(1000, 2000);
  c.afterStep(1999);
  t.equal(c.violationCount, 0, 'not yet');
  c.afterStep(2000);
  t.match(c.violations.join('\n'), /liveness: no proposal committed within 1000 ms after the faults healed/);
  c.afterStep(2001);
  t.equal(c.violationCount, 1, 'reported once');
  const ok = new Checker();
  ok.expectLiveness(1000, 2000);
  ok.observeProgress();
  ok.afterStep(5000);
  t.equal(ok.violationCount, 0);
});
