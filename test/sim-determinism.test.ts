// The simulator replays a run exactly from its seed: same seed and schedule, same trace, byte
// for byte; another seed, another run.
import t from 'tap';
import { runSchedule, seededRun, type FaultSchedule } from '../lab/sim/index.ts';

function traceOf(seed: number, nodes: number, steps: number, schedule?: FaultSchedule): string {
  const run = seededRun(seed, nodes, steps);
  const result = runSchedule(seed, schedule ?? run.schedule, { ...run.options, traceMessages: true });
  return result.trace.join('\n');
}

t.test('the same seed gives the same trace, messages and all', async (t) => {
  for (const [seed, nodes] of [[7, 3], [11, 5], [12345, 3]]) {
    const first = traceOf(seed, nodes, 2500);
    const second = traceOf(seed, nodes, 2500);
    t.ok(first.length > 10_000, `seed ${seed}: a real trace (${first.length} bytes)`);
    t.equal(first, second, `seed ${seed}, ${nodes} members: identical traces`);
  }
});

t.test('a schedule with every kind of fault replays exactly', async (t) => {
  const schedule: FaultSchedule = [
    { kind: 'member-cycle', at: 150 },
    { kind: 'lossy', at: 200, dropPercent: 20, dupPercent: 20, delayMaxMs: 40, durationMs: 300 },
    { kind: 'crash', at: 300, node: 'leader', downMs: 200 },
    { kind: 'one-way', at: 350, node: 2, direction: 'in', durationMs: 100 },
    { kind: 'bridge', at: 600, bridge: 3, durationMs: 200 },
    { kind: 'snapshot', at: 650, node: 'leader' },
    { kind: 'transfer', at: 700, to: 1 },
    { kind: 'crash-next-leader', at: 800, point: 'before-persist', windowMs: 300, downMs: 100 },
    { kind: 'crash-leader-on-commit', at: 900, point: 'after-apply', windowMs: 300, downMs: 100, restartOthers: true },
    { kind: 'minority-leader', at: 1300, durationMs: 200 },
    { kind: 'burst', at: 1300, perTick: 10, bytes: 100, durationMs: 100 },
    { kind: 'split', at: 1600, side: [1, 2], durationMs: 150 },
    { kind: 'campaign', at: 1800, node: 4 },
  ];
  const first = traceOf(3, 5, 4000, schedule);
  t.equal(first, traceOf(3, 5, 4000, schedule));
  t.match(first, /heal: every member up/);
  t.match(first, /trigger crash-next-leader fires/);
});

t.test('different seeds give different runs', async (t) => {
  const traces = new Set([1, 2, 3, 4].map((seed) => traceOf(seed, 3, 1500, [])));
  t.equal(traces.size, 4, 'four seeds, four traces, even with no faults');
});

t.test('the trace holds no wall-clock time', async (t) => {
  const trace = traceOf(5, 3, 1000);
  t.notMatch(trace, /\d{4}-\d\d-\d\dT/, 'no ISO dates');
  const unstamped = trace.split('\n').filter((line) => !/^(t=\d{7} |violation: )/.test(line));
  t.same(unstamped, [], 'every line is stamped with virtual time');
});
