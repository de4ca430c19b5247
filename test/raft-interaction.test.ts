// Runs every script in test/interaction/testdata/ and compares its trace with a tap snapshot.
// Regenerate with `npx tap --snapshot test/raft-interaction.test.ts`, then read the diff: a
// regenerated snapshot is a decision. The snapshot alone could hide a bug, so every script
// also states its key facts with assert-* commands (any failure fails the test), and the
// checks below restate some of them from the outside.
import t, { type Test } from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InteractionEnv } from './interaction/env.ts';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'interaction', 'testdata');

type Check = (t: Test, env: InteractionEnv, trace: string) => void;

/** How many append rejections each follower sent (the cost of finding the match point). */
function rejectsBySender(env: InteractionEnv): Map<number, number> {
  const counts = new Map<number, number>();
  for (const m of env.delivered) {
    if (m.type === 'append-resp' && m.reject) counts.set(m.from, (counts.get(m.from) ?? 0) + 1);
  }
  return counts;
}

const checks: Record<string, Check> = {
  election(t, env) {
    t.equal(env.status(1).role, 'leader');
    for (const id of [1, 2, 3]) t.same(env.applied(id), ['x'], `${id} applied x`);
  },
  prevote(t, env) {
    // Nobody's term moved past the one node 1 was elected in.
    for (const id of [1, 2, 3]) t.equal(env.status(id).term, 1, `${id} still in term 1`);
    t.equal(env.status(1).role, 'leader');
  },
  'prevote-off'(t, env) {
    t.ok(env.status(1).term > 1, 'without PreVote the rejoining node forced a new term');
  },
  'check-quorum'(t, env) {
    t.equal(env.status(2).role, 'leader');
    t.same(env.applied(1), ['kept'], 'the partitioned leader\'s proposal never applied');
  },
  'figure-7'(t, env) {
    const leaderLog = env.status(1).lastIndex;
    for (let id = 2; id <= 7; id++) t.equal(env.status(id).lastIndex, leaderLog, `follower ${id} matches the leader's log`);
    // Without fast backtracking (f) alone would take 7 rejections (indices 4..10 conflict).
    const rejects = rejectsBySender(env);
    t.same([...rejects.keys()].sort(), [2, 3, 6, 7], 'a, b, e and f lacked entries or conflicted; c and d matched at once');
    for (const [id, count] of rejects) t.equal(count, 1, `follower ${id} found the match point after ${count} rejection`);
  },
  'figure-8'(t, env, trace) {
    t.match(trace, /assert-status 1 commit=1\n\s+ok: 1 commit=1/, 'the old-term entry on a majority stayed uncommitted');
    t.equal(env.status(5).role, 'leader');
    t.same(env.applied(2), [], 'no entry of term 2 was ever applied');
  },
  'figure-8-commit'(t, env) {
    t.equal(env.status(2).role, 'leader');
    t.equal(env.status(5).lastIndex, env.status(2).lastIndex);
  },
  'leadership-transfer'(t, env) {
    t.equal(env.status(3).role, 'leader');
    t.same(env.applied(3), ['a', 'b', 'c', 'd', 'e']);
  },
  'restart-compacted-leader'(t, env) {
    t.equal(env.status(1).role, 'leader');
    t.same(env.applied(3), ['a'], 'the follower was caught up with a snapshot made on request');
  },
  'prevote-vote-respects-lease'(t, env) {
    t.equal(env.status(1).role, 'leader');
    t.equal(env.status(1).term, 1);
  },
  'joiner-learns-membership'(t, env) {
    t.same(env.status(4).conf, { voters: [1, 2, 3, 4], learners: [] });
    t.not(env.status(4).role, 'leader');
  },
  snapshot(t, env) {
    t.same(env.applied(3), ['a', 'b', 'c', 'd']);
    t.equal(env.status(3).firstIndex, 6, '3 holds the log after the snapshot only');
  },
  membership(t, env) {
    t.same(env.status(2).conf, { voters: [2, 4], learners: [] });
    t.same(env.applied(4), ['a', 'b', 'c']);
  },
};

const scripts = readdirSync(testdata)
  .filter((name) => name.endsWith('.txt'))
  .sort();

t.test('every script has its own checks', async (t) => {
  t.same(scripts.map((s) => s.replace(/\.txt$/, '')).sort(), Object.keys(checks).sort());
});

for (const file of scripts) {
  const name = file.replace(/\.txt$/, '');
  t.test(name, async (t) => {
    const env = new InteractionEnv();
    const trace = env.run(readFileSync(join(testdata, file), 'utf8'));
    t.same(env.failures, [], 'every assert-* held and the core never failed');
    t.ok(env.assertions > 0, 'the script asserts something');
    checks[name]?.(t, env, trace);
    t.matchSnapshot(trace, 'trace');
  });
}
