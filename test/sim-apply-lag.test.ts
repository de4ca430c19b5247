// The simulator must see a read served before the member applied up to its read index. keel's
// driver applies committed entries beside its Ready loop, so a member may know a read index it
// has not applied yet; the read must wait. With an apply lag the simulator models that gap, and
// its test-only switch `unsafeReadsBeforeApply` (serve a read as soon as its index is known)
// must be caught in most seeded runs; without the switch, in none. Without the lag (entries
// applied inside their Ready) the same bug hides in most runs: the lag is what exposes it.
import t from 'tap';
import { runSchedule, seededRun, type SimResult } from '../lab/sim/index.ts';

const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
const steps = 2500;
const lagMs = 20;

function run(seed: number, applyLagMsMax: number, readsBeforeApply: boolean): SimResult {
  const { schedule, options } = seededRun(seed, 3, steps);
  return runSchedule(seed, schedule, { ...options, clients: 5, keepTrace: false, applyLagMsMax, unsafeReadsBeforeApply: readsBeforeApply });
}

const notLinearizable = (result: SimResult): boolean => result.clients?.verdict === 'not-linearizable';

t.test('reads served before the apply reaches their read index: the checker finds a stale read', async (t) => {
  const caught = seeds.map((seed) => run(seed, lagMs, true)).filter(notLinearizable);
  t.comment(`not linearizable in ${caught.length} of ${seeds.length} seeds`);
  t.ok(caught.length > seeds.length / 2, `caught in most seeds (${caught.length}/${seeds.length})`);
  const first = caught[0];
  if (first === undefined) return;
  t.match(first.violations[0], /linearizability: key "x\d": c\d+\.\d+ at n\d \(t=\d{7}\.\.t=\d{7}\) get "x\d" -> \S+ fits no linearization/, 'the violation is a read');
  t.comment(`replay: npm run sim -- --seed ${first.seed} --steps ${steps} --apply-lag-ms ${lagMs} --unsafe-reads-before-apply --quiet`);
});

t.test('the same runs with reads waiting for the apply: every history is linearizable', async (t) => {
  for (const seed of seeds) {
    const result = run(seed, lagMs, false);
    t.same(result.violations, [], `seed ${seed}: no violation`);
    t.equal(result.clients?.verdict, 'linearizable', `seed ${seed}: linearizable (${result.clients?.checked} operations checked)`);
    t.equal(result.stats.applyLagMsMax, lagMs);
  }
});

t.test('without the lag the same bug mostly hides: the lag is what makes it visible', async (t) => {
  const caught = seeds.map((seed) => run(seed, 0, true)).filter(notLinearizable).length;
  t.comment(`not linearizable in ${caught} of ${seeds.length} seeds without a lag`);
  t.ok(caught < seeds.length / 2, `the bug hides in most runs without a lag (${caught} caught)`);
});

t.test('a seed names its apply lag: half the seeded runs apply beside the Ready loop, 10-40 ms behind', async (t) => {
  const lags = Array.from({ length: 200 }, (_, i) => seededRun(i + 1, 3, steps).options.applyLagMsMax ?? 0);
  const lagged = lags.filter((lag) => lag > 0);
  t.ok(lagged.length > 60 && lagged.length < 140, `about half lag (${lagged.length}/200)`);
  t.ok(lagged.every((lag) => lag >= 10 && lag <= 40), 'each lag in 10..40 ms');
  t.equal(seededRun(7, 3, steps).options.applyLagMsMax, seededRun(7, 3, steps).options.applyLagMsMax, 'the same seed, the same lag');
});
