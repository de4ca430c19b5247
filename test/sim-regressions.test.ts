// Runs that once broke the core, kept as regressions.
//
// The snapshot a restarted leader did not have: before raft/core's Ready.snapshotWanted, a
// member restarted from a compacted log (or one that had installed its leader's snapshot) had
// no snapshot to send and, on becoming leader with a lagging follower, failed the assertion
// "the log is compacted past N but there is no snapshot". Soak seeds 169 (3 members), 2490,
// 672, 1578 (5 members), 5682 and 6020 (3 members) hit it; the fixed schedule below provokes it
// on purpose: n3 is cut off, n1 and n2 compact their logs and both restart, then n3 returns.
import t from 'tap';
import { runSchedule, seededRun, type FaultSchedule } from '../lab/sim/index.ts';

const restartedLeaderMustSnapshot: FaultSchedule = [
  { kind: 'split', at: 300, side: [3], durationMs: 1200 },
  { kind: 'snapshot', at: 600, node: 1 },
  { kind: 'snapshot', at: 600, node: 2 },
  { kind: 'crash', at: 700, node: 1, downMs: 20 },
  { kind: 'crash', at: 900, node: 2, downMs: 20 },
];

t.test('a restarted leader with a compacted log catches a laggard up by snapshot', async (t) => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const result = runSchedule(seed, restartedLeaderMustSnapshot, { nodes: 3, steps: 3000, snapshotEveryApplied: 0 });
    const trace = result.trace.join('\n');
    t.same(result.violations, [], `seed ${seed}: no violation`);
    t.match(trace, /snapshot \d+ \(wanted by the core\)/, `seed ${seed}: the core asked for a snapshot`);
    t.match(trace, /n3 install snapshot/, `seed ${seed}: n3 was caught up by snapshot`);
  }
});

t.test('the soak seeds that hit it stay clean', async (t) => {
  for (const [seed, nodes] of [[169, 3], [2490, 5], [672, 5], [1578, 5], [5682, 3], [6020, 3]]) {
    const { schedule, options } = seededRun(seed, nodes, 4000);
    t.same(runSchedule(seed, schedule, { ...options, keepTrace: false }).violations, [], `seed ${seed}, ${nodes} members`);
  }
});
