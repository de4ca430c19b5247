// Every history of the shared corpus (../shared/linearizability-corpus, with Porcupine's
// verdicts in EXPECTED.tsv) gets its expected verdict. A missing corpus fails the test: a
// checker that was never run against known answers has not been tested.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../lab/lincheck/index.ts';
import { corpusDirDefault, readCorpus } from '../lab/lincheck/corpus.ts';
import { loadHistory } from '../lab/lincheck/formats/index.ts';

/** Generous: on a loaded 2-core machine the slowest file takes well under a second. */
const timeoutMs = 60_000;
/** What the corpus's README promises, so a truncated copy cannot pass. */
const verdictsPerFolder = { jepsen: { linearizable: 23, 'not-linearizable': 79 }, kv: { linearizable: 3, 'not-linearizable': 3 } };

t.test('the corpus is where the repository expects it', async (t) => {
  if (!existsSync(join(corpusDirDefault, 'EXPECTED.tsv'))) {
    t.fail(`the linearizability corpus is missing: expected ${corpusDirDefault}/EXPECTED.tsv (the shared folder next to the repository)`);
    return;
  }
  const entries = readCorpus();
  const counts: Record<string, Record<string, number>> = {};
  for (const e of entries) {
    const folder = e.file.split('/')[0];
    counts[folder] ??= {};
    counts[folder][e.expected] = (counts[folder][e.expected] ?? 0) + 1;
  }
  t.same(counts, verdictsPerFolder);
});

t.test('every history in EXPECTED.tsv gets its verdict', { skip: !existsSync(join(corpusDirDefault, 'EXPECTED.tsv')) && 'no corpus (failed above)' }, async (t) => {
  for (const entry of readCorpus()) {
    const { model, history } = loadHistory(readFileSync(join(corpusDirDefault, entry.file), 'utf8'));
    t.equal(model.name, entry.model === 'etcd-register' ? 'register' : entry.model, `${entry.file}: model`);
    const result = check(model, history, { timeoutMs });
    t.equal(result.verdict, entry.expected, `${entry.file}: ${result.verdict} in ${result.elapsedMs.toFixed(1)} ms`);
    if (result.verdict === 'not-linearizable') t.ok(result.violation !== null && result.violation.prefix.length < history.length, `${entry.file}: a violation report`);
  }
});

t.test('jepsen/etcd_095.log is empty: an empty history, linearizable', { skip: !existsSync(join(corpusDirDefault, 'EXPECTED.tsv')) && 'no corpus (failed above)' }, async (t) => {
  const { model, history } = loadHistory(readFileSync(join(corpusDirDefault, 'jepsen/etcd_095.log'), 'utf8'));
  t.equal(history.length, 0);
  t.equal(check(model, history).verdict, 'linearizable');
});

t.test('kv/c50-bad.txt stops at its first violating key instead of hanging on a hard one', { skip: !existsSync(join(corpusDirDefault, 'EXPECTED.tsv')) && 'no corpus (failed above)' }, async (t) => {
  const { model, history } = loadHistory(readFileSync(join(corpusDirDefault, 'kv/c50-bad.txt'), 'utf8'));
  const result = check(model, history, { timeoutMs });
  t.equal(result.verdict, 'not-linearizable');
  t.ok(result.partitions.some((p) => p.verdict === 'unknown'), 'other keys were left unfinished');
  t.equal(result.partitions.find((p) => p.key === result.violation?.key)?.verdict, 'not-linearizable');
});
