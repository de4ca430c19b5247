// The `keel` command as a user runs it: a child process through bin/keel.js.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';
import { selectSuites } from '../bench/index.ts';

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
  for (const command of ['up', 'master', 'status', 'lab', 'bench', 'help']) t.match(run.stdout, new RegExp(`^  ${command}\\b`, 'm'));
});

t.test('keel help <command> shows that command', async (t) => {
  const run = keel('help', 'lab');
  t.equal(run.status, 0);
  t.match(run.stdout, /Usage: keel lab sim/);
});

t.test('keel bench lists the suites; an unknown suite or --no-fsync where it does not apply is a usage error', async (t) => {
  const help = keel('bench', '--help');
  t.equal(help.status, 0);
  t.match(help.stdout, /keel bench \[suite \.\.\.\|all\] \[--quick\] \[--no-fsync\]/);
  for (const suite of ['raft-core', 'kv', 'paced', 'compare']) t.match(help.stdout, new RegExp(`^  ${suite}\\b`, 'm'));
  const unknown = keel('bench', 'nope');
  t.equal(unknown.status, 2);
  t.match(unknown.stderr, /unknown suite nope/);
  const noFsync = keel('bench', 'kv', '--no-fsync');
  t.equal(noFsync.status, 2);
  t.match(noFsync.stderr, /--no-fsync applies to compare only/);
});

t.test('keel bench with no suite runs the comparison with etcd; all runs every suite', async (t) => {
  t.same(selectSuites([], false), ['compare']);
  t.same(selectSuites([], true), ['compare'], 'with --no-fsync too');
  t.same(selectSuites(['all'], false), ['raft-core', 'kv', 'paced', 'compare']);
  t.same(selectSuites(['kv', 'raft-core'], false), ['kv', 'raft-core']);
  t.match(selectSuites(['all'], true), /--no-fsync applies to compare only/);
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

t.test('keel up starts three masters, reports the leader, and stops them on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-up-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const basePort = testBasePort(40);
  const child = spawn(process.execPath, [join(root, 'bin/keel.js'), 'up', '--dir', dir, '--base-port', String(basePort)], { cwd: root });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  await waitFor('the leader table', async () => (/running; Ctrl-C stops the cluster/.test(stdout) ? true : undefined), 60_000);
  t.match(stdout, /^ID\s+ROLE\s+TERM\s+LEADER/m, 'a status table');
  t.equal(stdout.match(/ leader /g)?.length, 1, 'exactly one leader');
  const cluster = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { members: Array<{ id: number; apiUrl: string; pid: number }> };
  t.same(cluster.members.map((m) => m.apiUrl), [1, 2, 3].map((i) => `http://127.0.0.1:${basePort + i}`));
  for (const id of [1, 2, 3]) t.ok(existsSync(join(dir, `m${id}.json`)), `m${id}.json written`);
  const status = keel('status', '--dir', dir);
  t.equal(status.status, 0, status.stderr);
  t.equal(status.stdout.trim().split('\n').length, 4, 'keel status: a header and three masters');
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.equal(await exit, 0);
  t.match(stdout, /keel up: stopped/);
  for (const member of cluster.members) t.throws(() => process.kill(member.pid, 0), 'master stopped');
});

t.test('keel status without a cluster says how to start one (exit 2)', async (t) => {
  const run = keel('status', '--dir', join(tmpdir(), 'keel-no-such-dir'));
  t.equal(run.status, 2);
  t.match(run.stderr, /no cluster in .*keel up --dir/);
});

t.test('keel master with a bad config names the problem (exit 2)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-cfg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ id: 1, clusterId: 'c', secret: 's', dataDir: dir, peerAddress: 'nope', apiAddress: '127.0.0.1:1', members: [] }));
  const run = keel('master', '--config', join(dir, 'bad.json'));
  t.equal(run.status, 2);
  t.match(run.stderr, /config .*bad.json: peerAddress must be HOST:PORT, not "nope"/);
});
