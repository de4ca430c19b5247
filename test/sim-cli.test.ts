// `keel lab sim` and the soak, driven in-process: output, exit codes, flag errors, replay.
import t from 'tap';
import { runSimCommand } from '../lab/sim/index.ts';
import { runSoakCommand } from '../lab/sim/soak.ts';
import { capture } from './support/capture.ts';

t.test('a run prints its trace and ends with the violation count', async (t) => {
  const run = await capture(() => runSimCommand(['--seed', '3', '--steps', '1500', '--nodes', '5']));
  t.equal(run.code, 0);
  t.match(run.out, /^t=0000000 run seed=3 nodes=5 steps=1500/);
  t.match(run.out, /\nsummary: seed=3 nodes=5 /);
  t.match(run.out, /\nviolations: 0$/);
  const again = await capture(() => runSimCommand(['--seed=3', '--steps=1500', '--nodes=5']));
  t.equal(again.out, run.out, 'the same flags replay byte for byte');
});

t.test('--quiet prints only the schedule, the summary and the verdict', async (t) => {
  const run = await capture(() => runSimCommand(['--seed', '3', '--steps', '1500', '--quiet']));
  const lines = run.out.split('\n');
  t.equal(lines.length, 3);
  t.match(lines[0], /^schedule: \[/);
  t.match(lines[1], /^summary: /);
  t.equal(lines[2], 'violations: 0');
});

t.test('the Figure 8 schedule with the unsafe commit rule: violations and exit 1', async (t) => {
  const run = await capture(() => runSimCommand(['--schedule', 'figure8', '--unsafe-commit', '--quiet']));
  t.equal(run.code, 1);
  t.match(run.out, /violation: t=\d+ leader completeness/);
  t.match(run.out, /\nviolations: [1-9]\d*$/);
  const safe = await capture(() => runSimCommand(['--schedule', 'figure8', '--quiet']));
  t.equal(safe.code, 0);
  t.match(safe.out, /\nviolations: 0$/);
});

t.test('--apply-lag-ms and --unsafe-reads-before-apply: the lag shows in the summary, and the bug is caught', async (t) => {
  const args = ['--seed', '1', '--steps', '2500', '--apply-lag-ms', '20', '--quiet'];
  const unsafe = await capture(() => runSimCommand([...args, '--unsafe-reads-before-apply']));
  t.equal(unsafe.code, 1);
  t.match(unsafe.out, / apply-lag<=20ms /);
  t.match(unsafe.out, /\nclients: clients=5 .*linearizability=not-linearizable/);
  t.match(unsafe.out, /violation: t=\d+ linearizability: key "x\d": c\d+\.\d+ at n\d .* get /);
  const safe = await capture(() => runSimCommand([...args, '--linearizable']));
  t.equal(safe.code, 0);
  t.match(safe.out, /linearizability=linearizable/);
  const none = await capture(() => runSimCommand(['--seed', '1', '--steps', '1500', '--apply-lag-ms', '0', '--quiet']));
  t.match(none.out, / apply-lag<=0ms /);
  const bad = await capture(() => runSimCommand(['--apply-lag-ms', 'soon']));
  t.equal(bad.code, 2);
  t.match(bad.err, /--apply-lag-ms must be a whole number, got "soon"/);
  const noClients = await capture(() => runSimCommand(['--unsafe-reads-before-apply', '--clients', '0']));
  t.equal(noClients.code, 2);
  t.match(noClients.err, /--unsafe-reads-before-apply needs kv clients/);
});

t.test('a schedule printed on a schedule: line replays', async (t) => {
  const first = await capture(() => runSimCommand(['--seed', '9', '--steps', '2000', '--quiet']));
  const schedule = /^schedule: (.*)$/m.exec(first.out)?.[1] ?? '';
  const again = await capture(() => runSimCommand(['--seed', '9', '--steps', '2000', '--quiet', '--schedule', schedule]));
  t.equal(again.out, first.out);
});

t.test('--help explains every flag', async (t) => {
  const run = await capture(() => runSimCommand(['--help']));
  t.equal(run.code, 0);
  for (const flag of ['--seed', '--steps', '--nodes', '--schedule', '--unsafe-commit', '--clients', '--linearizable', '--unsafe-stale-reads', '--messages', '--quiet', '--help']) {
    t.match(run.out, flag);
  }
});

t.test('bad flags: a clear error and exit 2', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--bogus'], /unknown option: --bogus/],
    [['--seed'], /--seed needs a value/],
    [['--seed', 'abc'], /--seed must be a whole number/],
    [['--steps', '0'], /--steps must be in 1\.\./],
    [['--nodes', '4'], /--nodes must be 3 or 5/],
    [['--nodes', '7'], /--nodes must be in 3\.\.5/],
    [['--schedule', '{not json'], /--schedule must be seeded, none, figure8 or a JSON array/],
    [['--schedule', '[{"kind":"nope","at":1}]'], /kind must be one of/],
    [['--schedule', 'figure8', '--nodes', '5'], /figure8 runs on 3 members/],
    [['--clients', 'x'], /--clients must be a whole number/],
    [['--clients', '65'], /--clients must be in 0\.\.64/],
    [['--clients', '0', '--unsafe-stale-reads'], /--unsafe-stale-reads needs kv clients/],
  ];
  for (const [argv, message] of cases) {
    const run = await capture(() => runSimCommand(argv));
    t.equal(run.code, 2, argv.join(' '));
    t.match(run.err, message, argv.join(' '));
    t.equal(run.out, '', 'nothing on stdout');
  }
});

t.test('--linearizable: kv clients, their operations in the trace, a clients line with the verdict', async (t) => {
  const run = await capture(() => runSimCommand(['--seed', '7', '--steps', '1500', '--linearizable']));
  t.equal(run.code, 0);
  t.match(run.out, /\nt=\d{7} c\d\.1 -> n\d: /, 'a call in the trace');
  t.match(run.out, /\nt=\d{7} c\d\.\d+ <- n\d: ok get "x\d" -> /, 'an answered read in the trace');
  const lines = run.out.split('\n');
  t.match(lines.at(-2), /^clients: clients=5 ops=\d+ ok=\d+ failed=\d+ indeterminate=\d+ checked=\d+ linearizability=linearizable$/);
  t.equal(lines.at(-1), 'violations: 0');
  const again = await capture(() => runSimCommand(['--seed', '7', '--steps', '1500', '--clients', '5']));
  t.equal(again.out, run.out, '--clients 5 is the same run, byte for byte');
  const quiet = await capture(() => runSimCommand(['--seed', '7', '--steps', '1500', '--linearizable', '--quiet']));
  t.equal(quiet.out.split('\n').length, 4, 'schedule, summary, clients, verdict');
});

t.test('--unsafe-stale-reads: the stale reads are caught, violation and exit 1', async (t) => {
  const run = await capture(() => runSimCommand(['--seed', '7', '--steps', '1500', '--unsafe-stale-reads', '--quiet']));
  t.equal(run.code, 1);
  t.match(run.out, /\nclients: clients=5 .* linearizability=not-linearizable\n/);
  t.match(run.out, /\nviolation: t=\d{7} linearizability: key "x\d": c\d+\.\d+ at n\d .* get /);
  t.match(run.out, /\nviolations: 1$/);
});

t.test('the soak: totals, and a bad flag', async (t) => {
  const run = await capture(() => runSoakCommand(['--runs', '6', '--every', '3', '--steps', '1500']));
  t.equal(run.code, 0, run.out);
  t.match(run.out, /progress: runs=3 /);
  t.match(run.out, /totals: schedules=6 steps=\d+ violating-runs=0 violations=0/);
  const lin = await capture(() => runSoakCommand(['--runs', '2', '--steps', '1500', '--clients', '3']));
  t.equal(lin.code, 0, lin.out);
  t.match(lin.out, /totals: schedules=2 .* client-ops=\d+ lincheck-unknown=0$/);
  const bad = await capture(() => runSoakCommand(['--runs', 'many']));
  t.equal(bad.code, 2);
  t.match(bad.err, /--runs must be a whole number/);
});
