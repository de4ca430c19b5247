// The `keel` command as a user runs it: a child process through bin/keel.js.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function keel(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, 'bin/keel.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

t.test('keel --help lists the commands', async (t) => {
  const run = keel('--help');
  t.equal(run.status, 0);
  t.match(run.stdout, /Usage: keel <command>/);
  for (const command of ['up', 'lab', 'help']) t.match(run.stdout, new RegExp(`^  ${command}\\b`, 'm'));
});

t.test('keel help <command> shows that command', async (t) => {
  const run = keel('help', 'lab');
  t.equal(run.status, 0);
  t.match(run.stdout, /Usage: keel lab sim/);
});

t.test('an unknown command is a usage error (exit 2)', async (t) => {
  const run = keel('frobnicate');
  t.equal(run.status, 2);
  t.match(run.stderr, /unknown command: frobnicate/);
  t.equal(run.stdout, '');
});

t.test('keel lab sim replays a run exactly from its seed', async (t) => {
  const first = keel('lab', 'sim', '--seed', '1', '--steps', '200');
  const second = keel('lab', 'sim', '--seed', '1', '--steps', '200');
  t.equal(first.status, 0, first.stderr);
  t.equal(second.status, 0, second.stderr);
  t.equal(first.stdout, second.stdout, 'identical traces');
  t.match(first.stdout, /violations: 0\n$/, 'the trace ends with its verdict');
});

t.test('keel up says the master is not built yet and runs the demo cluster', async (t) => {
  const run = keel('up');
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout.split('\n')[0], /^keel up: the master process is not built yet; running the simulator's demo cluster/);
  t.match(run.stdout, /violations: 0\n$/);
});
