// `keel kv` as a user runs it: a child process through bin/keel.js, against three real masters.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function keel(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, 'bin/keel.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
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
  for (const args of [['kv', '--help'], ['help', 'kv'], ['kv', 'watch', '--help']]) {
    const run = keel(...args);
    t.equal(run.status, 0, args.join(' '));
    for (const sub of ['get KEY', 'put KEY VALUE', 'del KEY', 'range PREFIX', 'txn FILE.json', 'watch KEY', 'lease grant TTL', 'lease revoke ID', 'lease keepalive ID']) {
      t.match(run.stdout, `keel kv ${sub}`, `${args.join(' ')}: ${sub}`);
    }
  }
  t.match(keel('--help').stdout, /^  kv\b/m, 'listed by keel --help');
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

void spawn;
