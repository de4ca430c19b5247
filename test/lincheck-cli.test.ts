// `keel lab check` driven in-process on corpus files and a keel JSON-lines history: the
// printed report and the three exit codes (0 linearizable, 1 not, 2 no answer).
import t from 'tap';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheckCommand } from '../lab/lincheck/cli.ts';
import { corpusDirDefault } from '../lab/lincheck/corpus.ts';
import { capture } from './support/capture.ts';

const corpus = (file: string) => join(corpusDirDefault, file);

t.test('the corpus is there', async (t) => {
  t.ok(existsSync(corpus('EXPECTED.tsv')), `the linearizability corpus is missing: expected ${corpusDirDefault}`);
});

t.test('exit 0: a linearizable history, with its partitions', async (t) => {
  const run = await capture(() => runCheckCommand([corpus('kv/c01-ok.txt')]));
  t.equal(run.code, 0, run.err);
  t.match(run.out, /^format: porcupine-kv, model: kv, operations: 58 \(0 indeterminate; 0 failed, left out\)$/m);
  t.match(run.out, /^partitions: 10$/m);
  t.match(run.out, /^ {2}"5" +10 +0 {2}linearizable$/m);
  t.match(run.out, /\nverdict: linearizable$/);
  t.equal(run.err, '');
});

t.test('exit 1: a violation names the key, the culprit and the longest prefix', async (t) => {
  const run = await capture(() => runCheckCommand([corpus('jepsen/etcd_000.log'), '--format', 'jepsen', '--model=register']));
  t.equal(run.code, 1, run.err);
  t.match(run.out, /^format: jepsen, model: register, operations: 85 \(16 indeterminate; 0 failed, left out\)$/m);
  t.match(run.out, /^verdict: not-linearizable$/m);
  t.match(run.out, /^violation: key -$/m);
  t.match(run.out, /^ {2}cannot place: line \d+, process \d+: read -> \d+ \(called at \d+, returned at \d+\)$/m);
  t.match(run.out, /^ {2}longest linearizable prefix: \d+ of 85 operations, leaving the state at \d+$/m);
  const kv = await capture(() => runCheckCommand([corpus('kv/c50-bad.txt')]));
  t.equal(kv.code, 1);
  t.match(kv.out, /^violation: key "\d"$/m);
});

t.test('exit 2: the time limit runs out', async (t) => {
  const run = await capture(() => runCheckCommand([corpus('jepsen/etcd_002.log'), '--timeout', '0']));
  t.equal(run.code, 2);
  t.match(run.out, /^verdict: unknown \(the time limit of 0 s ran out; --timeout S gives the search more\)$/m);
});

t.test('exit 2: a history that cannot be read, or bad usage', async (t) => {
  const cases: [string[], RegExp][] = [
    [[], /which history\?/],
    [[corpus('jepsen/etcd_000.log'), corpus('jepsen/etcd_001.log')], /one history at a time/],
    [[corpus('nope.log')], /cannot read .*nope\.log/],
    [[corpus('kv/c01-ok.txt'), '--format', 'keel'], /line 1: not JSON/],
    [[corpus('kv/c01-ok.txt'), '--model', 'register'], /cannot be checked with the register model/],
    [[corpus('README.md')], /unknown history format/],
    [['x', '--format', 'csv'], /--format must be one of jepsen, porcupine-kv, keel/],
    [['x', '--model', 'queue'], /--model must be one of register, kv, keel/],
    [['x', '--timeout', '-1'], /--timeout must be a number of seconds/],
    [['x', '--timeout'], /--timeout needs a value/],
    [['x', '--bogus'], /unknown option: --bogus/],
  ];
  for (const [argv, message] of cases) {
    const run = await capture(() => runCheckCommand(argv));
    t.equal(run.code, 2, argv.join(' '));
    t.match(run.err, message, argv.join(' '));
    t.equal(run.out, '', 'nothing on stdout');
  }
});

t.test('a keel JSON-lines history, as the README shows it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'keel-lincheck-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'history.jsonl');
  const lines = [
    '{"process":1,"type":"ok","call":0,"return":10,"op":"put","input":{"key":"a","value":"1"},"output":{}}',
    '{"process":2,"type":"info","call":12,"return":null,"op":"cas","input":{"key":"a","expected":"1","value":"2"}}',
    '{"process":1,"type":"ok","call":20,"return":30,"op":"get","input":{"key":"a"},"output":{"value":"2"}}',
    '{"process":1,"type":"ok","call":40,"return":50,"op":"get","input":{"key":"a"},"output":{"value":"1"}}',
  ];
  writeFileSync(file, lines.slice(0, 3).join('\n') + '\n');
  const ok = await capture(() => runCheckCommand([file]));
  t.equal(ok.code, 0, ok.err);
  t.match(ok.out, /format: keel, model: keel, operations: 3 \(1 indeterminate; 0 failed, left out\)/);
  writeFileSync(file, lines.join('\n') + '\n');
  const bad = await capture(() => runCheckCommand([file]));
  t.equal(bad.code, 1);
  t.match(bad.out, /cannot place: line 4, process 1: get "a" -> "1" \(called at 40, returned at 50\)/);
  t.match(bad.out, /longest linearizable prefix: 3 of 4 operations, leaving the state at "2"/);
});

t.test('--help explains every option and the exit codes', async (t) => {
  const run = await capture(() => runCheckCommand(['--help']));
  t.equal(run.code, 0);
  for (const text of ['--format', '--model', '--timeout', 'jepsen', 'porcupine-kv', 'keel', 'register', 'kv', 'exit code: 0 linearizable, 1 not linearizable, 2 unknown']) {
    t.match(run.out, text);
  }
});
