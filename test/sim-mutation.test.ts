// The simulator must catch a broken Raft. With the core's test-only switch
// `unsafeCommitPreviousTermByCount` (a leader commits entries of earlier terms by counting
// replicas: the bug of the Raft paper's Figure 8), a fixed Figure 8 schedule over a bounded set
// of seeds must turn up a violation; with the switch off the same runs must be clean.
import t from 'tap';
import { figure8Options, figure8Schedule, runSchedule, type SimResult } from '../lab/sim/index.ts';

const seeds = Array.from({ length: 20 }, (_, i) => i + 1);

function runFigure8(seed: number, unsafe: boolean, splitAtMs?: number): SimResult {
  return runSchedule(seed, figure8Schedule(splitAtMs), { ...figure8Options(unsafe), keepTrace: false });
}

t.test('Figure 8 with the unsafe commit rule: the checker finds the lost entry', async (t) => {
  const caught = seeds.filter((seed) => runFigure8(seed, true).violationCount > 0);
  t.comment(`violations with the unsafe rule in ${caught.length} of ${seeds.length} seeds`);
  t.ok(caught.length >= seeds.length / 2, `the schedule provokes Figure 8 reliably (${caught.length}/${seeds.length})`);
  const first = runFigure8(caught[0] ?? 1, true);
  t.match(first.violations[0], /leader completeness: n\d leads term \d+ but entry \d+ \(term \d+, applied by n\d\) is missing/, 'the first violation is a new leader without an applied entry');
  const replay = `npm run sim -- --schedule figure8 --unsafe-commit --steps 3000 --seed ${first.seed}`;
  t.comment(`replay: ${replay}`);
});

t.test('Figure 8 with the unsafe rule keeps running into State Machine Safety', async (t) => {
  const seed = seeds.find((s) => runFigure8(s, true).violationCount > 0) ?? 1;
  const result = runSchedule(seed, figure8Schedule(), { ...figure8Options(true), keepTrace: false, stopOnViolation: false });
  t.match(result.violations.join('\n'), /state machine safety: n\d applied \d+ term \d+ but n\d applies term \d+/, 'two members apply different entries at one index');
});

t.test('the same schedules with the correct commit rule: no violation, and liveness holds', async (t) => {
  for (const seed of seeds) {
    const result = runFigure8(seed, false);
    t.same(result.violations, [], `seed ${seed}`);
    t.ok(result.stats.livenessChecked, `seed ${seed}: the run reached the liveness deadline`);
  }
});

t.test('the schedule does what it says: the old leader piles up entries, the new one dies', async (t) => {
  const result = runSchedule(1, figure8Schedule(), { ...figure8Options(false), keepTrace: true });
  const trace = result.trace.join('\n');
  t.match(trace, /fault minority-leader .*\(\{\d\} \| rest\)/);
  t.match(trace, /trigger crash-next-leader fires at n\d \(after-persist\)/);
  t.match(trace, /trigger crash-leader-on-commit fires at n\d \(after-apply\)/);
  t.ok(result.stats.appliedMax > 600, `more than one append message worth of entries committed (${result.stats.appliedMax})`);
});
