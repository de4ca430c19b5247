// `keel kv` as a user runs it: a child process through bin/keel.js, against three real masters.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessCluster, testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function keel(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return keelIn(root, ...args);
}

function keelIn(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, 'bin/keel.js'), ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

t.test('bad usage exits 2 and says what is wrong', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['kv', 'frob'], /unknown subcommand: frob/],
    [['kv', 'lease', 'frob', '1'], /unknown subcommand: lease frob \(known: grant, revoke, keepalive, ttl\)/],
    [['kv', 'get'], /missing arguments: expected KEY, got none/],
    [['kv', 'put', 'a'], /missing arguments: expected KEY VALUE/],
    [['kv', 'get', 'a', 'b', '--endpoints', 'http://127.0.0.1:1'], /too many arguments/],
    [['kv', 'get', 'a', '--bogus'], /unknown flag --bogus/],
    [['kv', 'range', 'a', '--limit', 'ten', '--endpoints', 'http://127.0.0.1:1'], /--limit must be a positive integer, not "ten"/],
    [['kv', 'lease', 'grant', '-1', '--endpoints', 'http://127.0.0.1:1'], /TTL must be a positive integer/],
    [['kv', 'get', 'a', '--endpoints', 'localhost:2379'], /is not a URL like http/],
    [['kv', 'get', 'a', '--dir', join(tmpdir(), 'keel-no-such-dir')], /no cluster in .*keel up --dir/],
    [['kv', 'txn', join(tmpdir(), 'keel-no-such-file.json'), '--endpoints', 'http://127.0.0.1:1'], /cannot read/],
  ];
  for (const [args, message] of cases) {
    const run = keel(...args);
    t.equal(run.status, 2, `${args.join(' ')}: exit 2`);
    t.match(run.stderr, message, args.join(' '));
  }
});

t.test('keel kv --help and keel help kv describe every subcommand', async (t) => {
  for (const args of [['kv', '--help'], ['help', 'kv']]) {
    const run = keel(...args);
    t.equal(run.status, 0, args.join(' '));
    for (const sub of ['get KEY', 'put KEY VALUE', 'del KEY', 'range PREFIX', 'txn FILE.json', 'watch KEY', 'lease grant TTL', 'lease revoke ID', 'lease keepalive ID']) {
      t.match(run.stdout, `keel kv ${sub}`, `${args.join(' ')}: ${sub}`);
    }
  }
  t.match(keel('--help').stdout, /^  kv\b/m, 'listed by keel --help');
  const watch = keel('kv', 'watch', '--help');
  t.equal(watch.status, 0);
  t.match(watch.stdout, /usage: keel kv watch KEY/, 'a subcommand\'s --help is its own');
  t.notMatch(watch.stdout, /lease grant/);
});

t.test('no master answering is exit 1 with KEEL_UNAVAILABLE', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-kv-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A cluster file naming a port nothing listens on (port 1 needs root to bind).
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ clusterId: 'x', members: [{ id: 1, apiUrl: 'http://127.0.0.1:1', pid: 0, config: '' }] }));
  const started = Date.now();
  const run = keel('kv', 'put', 'a', '1', '--dir', dir, '--timeout', '1000');
  t.equal(run.status, 1);
  t.match(run.stderr, /^keel kv put: KEEL_UNAVAILABLE: put "a": no master could serve it/);
  t.match(run.stderr, /ECONNREFUSED/);
  t.ok(Date.now() - started < 30_000, '--timeout bounds the wait');
});

t.test('against three real masters', async (t) => {
  const cluster = new ProcessCluster({ basePort: testBasePort(80) });
  t.teardown(() => cluster.destroy());
  await cluster.startAll();
  // A working directory with ./.keel/cluster.json, as `keel up` leaves it.
  const cwd = mkdtempSync(join(tmpdir(), 'keel-kv-cwd-'));
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  mkdirSync(join(cwd, '.keel'));
  const members = cluster.configs.map((c) => ({ id: c.id, apiUrl: cluster.url(c.id), pid: cluster.pid(c.id), config: cluster.configFile(c.id) }));
  writeFileSync(join(cwd, '.keel', 'cluster.json'), JSON.stringify({ clusterId: 'test', members }));
  const kv = (...args: string[]) => keelIn(cwd, 'kv', ...args);
  const leader = await cluster.leader();
  const follower = cluster.configs.map((c) => c.id).find((id) => id !== leader)!;
  const endpoints = ['--endpoints', cluster.url(follower)];

  t.test('put, get, range, del', async (t) => {
    const put = kv('put', 'cli/a', 'hello world');
    t.equal(put.status, 0, put.stderr);
    t.match(put.stdout, /^OK revision \d+\n$/);
    t.equal(kv('put', 'cli/b', '2', ...endpoints).status, 0, 'through one follower alone');
    const get = kv('get', 'cli/a');
    t.same([get.status, get.stdout], [0, 'hello world\n']);
    t.same(JSON.parse(kv('get', 'cli/a', '--json', '--serializable').stdout), { key: 'cli/a', value: 'hello world', createRevision: Number(/\d+/.exec(put.stdout)![0]), modRevision: Number(/\d+/.exec(put.stdout)![0]), version: 1, lease: 0 });
    const range = kv('range', 'cli/');
    t.same([range.status, range.stdout], [0, 'cli/a\thello world\ncli/b\t2\n']);
    const limited = kv('range', 'cli/', '--limit', '1', '--keys-only');
    t.same([limited.stdout, limited.stderr], ['cli/a\n', 'keel kv range: 2 keys matched, 1 shown (--limit)\n']);
    t.equal(kv('range', '', '--count').stdout, '2\n', "'' ranges over every key");
    const del = kv('del', 'cli/', '--prefix');
    t.match(del.stdout, /^deleted 2 revision \d+\n$/);
    const missing = kv('get', 'cli/a');
    t.equal(missing.status, 1);
    t.match(missing.stderr, /^keel kv get: KEEL_KEY_NOT_FOUND: /);
  });

  t.test('txn from a file, and a server error with its code', async (t) => {
    const file = join(cwd, 'txn.json');
    writeFileSync(file, JSON.stringify({ compare: [{ key: 'cli/t', target: 'version', result: 'equal', number: 0 }], success: [{ put: { key: 'cli/t', value: 'v' } }], failure: [{ range: { key: 'cli/t' } }] }));
    const first = kv('txn', file);
    t.equal(first.status, 0, first.stderr);
    t.match(JSON.parse(first.stdout), { succeeded: true, responses: [{ put: {} }] });
    const second = JSON.parse(kv('txn', file).stdout) as { succeeded: boolean; responses: Array<{ range: { kvs: Array<{ value: string }> } }> };
    t.equal(second.succeeded, false);
    t.equal(second.responses[0].range.kvs[0].value, 'v');
    writeFileSync(file, JSON.stringify({ compare: [{ key: 'cli/t', target: 'nonsense', result: 'equal' }] }));
    const bad = kv('txn', file);
    t.equal(bad.status, 1);
    t.match(bad.stderr, /^keel kv txn: KEEL_BAD_REQUEST: txn: compare\[0\]\.target must be one of/);
  });

  t.test('leases', async (t) => {
    const grant = kv('lease', 'grant', '60');
    t.equal(grant.status, 0, grant.stderr);
    const id = /^lease (\d+) granted with TTL 60s\n$/.exec(grant.stdout)?.[1];
    t.ok(id, grant.stdout);
    t.equal(kv('put', 'cli/l', 'v', '--lease', id!).status, 0);
    t.match(kv('lease', 'keepalive', id!).stdout, new RegExp(`^lease ${id} kept alive with TTL 60s\n$`));
    t.match(kv('lease', 'ttl', id!, '--keys').stdout, new RegExp(`^lease ${id} TTL \\d+s of 60s keys: cli/l\n$`));
    t.match(kv('lease', 'revoke', id!).stdout, new RegExp(`^lease ${id} revoked revision \\d+\n$`));
    t.equal(kv('get', 'cli/l').status, 1, 'the key went with its lease');
    const gone = kv('lease', 'keepalive', id!);
    t.equal(gone.status, 1);
    t.match(gone.stderr, /KEEL_LEASE_NOT_FOUND/);
  });

  t.test('watch prints each change until Ctrl-C', async (t) => {
    const from = Number(/\d+/.exec(kv('put', 'cli/w/0', 'zero').stdout)![0]);
    const child = spawn(process.execPath, [join(root, 'bin/keel.js'), 'kv', 'watch', 'cli/w/', '--prefix', '--rev', String(from)], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor('the first event', async () => (stdout.includes('\n') ? true : undefined), 60_000);
    kv('put', 'cli/w/1', 'one');
    kv('del', 'cli/w/0');
    kv('put', 'cli/other', 'not watched');
    await waitFor('three events', async () => (stdout.split('\n').length > 3 ? true : undefined), 30_000);
    child.kill('SIGINT');
    t.equal(await exit, 0, stderr);
    const lines = stdout.trim().split('\n');
    t.equal(lines.length, 3, stdout);
    t.match(lines[0], new RegExp(`^put cli/w/0 zero rev=${from}$`));
    t.match(lines[1], /^put cli\/w\/1 one rev=\d+$/);
    t.match(lines[2], /^delete cli\/w\/0 rev=\d+$/);
  });
});
