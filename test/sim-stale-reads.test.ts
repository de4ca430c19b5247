// The linearizability check must catch a broken read path. With the simulator's test-only
// switch `unsafeFollowerLocalReads` (a member that does not lead serves a kv client's read from
// its own state machine at once, without ReadIndex), a partition schedule over a bounded set of
// seeds must turn up a history that is not linearizable in most of them; with the switch off,
// in none.
import t from 'tap';
import { runSchedule, seededRun, type FaultSchedule, type SimOptions, type SimResult } from '../lab/sim/index.ts';

const seeds = Array.from({ length: 20 }, (_, i) => i + 1);

/** A follower cut off while the others write on; then the leader itself cut off with a minority. */
const partitions: FaultSchedule = [
  { kind: 'split', at: 400, side: [3], durationMs: 600 },
  { kind: 'minority-leader', at: 1400, durationMs: 500 },
];

const steps = 2500;

/** The options the CLI uses for a seed, so the printed command replays the run. */
function optionsOf(seed: number, staleReads: boolean): SimOptions {
  return { ...seededRun(seed, 3, steps).options, clients: 5, unsafeFollowerLocalReads: staleReads };
}

function run(seed: number, staleReads: boolean): SimResult {
  return runSchedule(seed, partitions, { ...optionsOf(seed, staleReads), keepTrace: false });
}

t.test('followers serving reads without ReadIndex: the checker finds a stale read', async (t) => {
  const results = seeds.map((seed) => run(seed, true));
  const caught = results.filter((result) => result.clients?.verdict === 'not-linearizable');
  t.comment(`not linearizable in ${caught.length} of ${seeds.length} seeds`);
  t.ok(caught.length > seeds.length / 2, `caught in most seeds (${caught.length}/${seeds.length})`);
  const first = caught[0];
  t.ok(first !== undefined, 'at least one seed is caught');
  if (first === undefined) return;
  t.equal(first.violationCount, 1, 'the verdict is reported as a violation');
  t.match(first.violations[0], /^t=\d{7} linearizability: key "x\d": c\d+\.\d+ at n\d \(t=\d{7}\.\.t=\d{7}\) get "x\d" -> \S+ fits no linearization/, 'it names the key and the read no order can place');
  t.comment(`replay: npm run sim -- --seed ${first.seed} --steps ${steps} --unsafe-stale-reads --schedule '${JSON.stringify(partitions)}' --quiet`);
});

t.test('the same runs with ReadIndex: every history is linearizable', async (t) => {
  for (const seed of seeds) {
    const result = run(seed, false);
    t.same(result.violations, [], `seed ${seed}: no violation`);
    t.equal(result.clients?.verdict, 'linearizable', `seed ${seed}: linearizable (${result.clients?.checked} operations checked)`);
  }
});

t.test('the schedule does what it says: two partitions, and the clients get answers throughout', async (t) => {
  const result = runSchedule(1, partitions, optionsOf(1, false));
  const trace = result.trace.join('\n');
  t.match(trace, /fault split side=3 .*\(\{3\} \| rest\)/);
  t.match(trace, /fault minority-leader .*\(\{\d\} \| rest\)/);
  t.ok(result.clients !== null && result.clients.ok > 500, `the clients got answers (${result.clients?.ok})`);
  const reads = trace.split('\n').filter((line) => / c\d+\.\d+ <- n\d: ok get /.test(line)).length;
  t.ok(reads > 100, `reads were answered (${reads})`);
});
