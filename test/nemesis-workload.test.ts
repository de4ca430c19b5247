// The nemesis workload and its history: outcome rules, the line format, and real clients against
// three masters, one of them paused mid-run.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessCluster, testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';
import { check, keelModel, loadHistory, type History, type KeelInput, type KeelOutput } from '../lab/lincheck/index.ts';
import { HistoryWriter, historyLineProblem, readHistory, type HistoryOp } from '../lab/nemesis/history.ts';
import { Workload, unansweredOutcome, writeOutcome } from '../lab/nemesis/workload.ts';

const dir = mkdtempSync(join(tmpdir(), 'keel-history-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('a write is fail only when it certainly did not take effect', async (t) => {
  t.equal(writeOutcome(400, 'KEEL_BAD_REQUEST'), 'fail');
  t.equal(writeOutcome(429, 'KEEL_TOO_MANY_PENDING'), 'fail', 'refused before it was proposed');
  t.equal(writeOutcome(503, 'KEEL_NO_LEADER'), 'fail', 'no leader to forward to');
  t.equal(writeOutcome(503, 'KEEL_PROPOSAL_DROPPED'), 'fail', 'replaced by another leader');
  t.equal(writeOutcome(503, 'KEEL_LEADER_UNREACHABLE'), 'info', 'the forward may have reached the leader');
  t.equal(writeOutcome(504, 'KEEL_TIMEOUT'), 'info');
  t.equal(writeOutcome(500, 'KEEL_INTERNAL'), 'info');
  t.equal(unansweredOutcome('ECONNREFUSED'), 'fail', 'never sent');
  t.equal(unansweredOutcome('UND_ERR_HEADERS_TIMEOUT'), 'info');
  t.equal(unansweredOutcome('ECONNRESET'), 'info');
});

t.test('history lines are checked field by field, and are what `keel lab check` reads', async (t) => {
  const ok: HistoryOp = { process: 0, type: 'ok', call: 1, return: 2, op: 'cas', input: { key: 'r', expected: null, value: '0-1' }, output: { succeeded: true }, member: 1 };
  const { output: _, ...okFields } = ok;
  const info: HistoryOp = { ...okFields, type: 'info', return: null, error: 'KEEL_TIMEOUT' };
  t.equal(historyLineProblem(ok), null);
  t.equal(historyLineProblem(info), null);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ ...ok, op: 'scan' }, /no operation "scan"/],
    [{ ...ok, type: 'maybe' }, /type "maybe" is unknown/],
    [{ ...ok, return: 0.5 }, /return is not a time at or after call/],
    [{ ...info, return: 3 }, /an info operation has a return time/],
    [{ ...ok, type: 'fail', error: 'X' }, /a fail operation has an output/],
    [{ ...okFields, type: 'fail' }, /a fail operation has no error code/],
    [{ ...ok, error: 'X' }, /an ok operation has an error code/],
    [{ ...ok, input: { key: 'r', value: '1' } }, /input.expected must be a string or null/],
    [{ ...ok, output: { succeeded: 'yes' } }, /output.succeeded must be true or false/],
    [{ ...ok, op: 'put', input: { key: 'r' } }, /input.value must be a string/],
    [{ ...ok, op: 'get', input: {}, output: { value: null } }, /input.key must be a string/],
    [{ ...ok, process: -1 }, /process/],
  ];
  for (const [line, problem] of bad) t.match(historyLineProblem(line), problem, JSON.stringify(line));

  const text = [ok, info].map((op) => JSON.stringify(op)).join('\n');
  const loaded = loadHistory(text);
  t.equal(loaded.format, 'keel', 'detected as keel JSON lines');
  t.equal(loaded.model.name, 'keel');
  t.same(loaded.history.map((op) => [op.process, op.call, op.return, op.input, op.output]), [
    [0, 1, 2, { op: 'cas', key: 'r', expected: null, value: '0-1' }, { succeeded: true }],
    [0, 1, Infinity, { op: 'cas', key: 'r', expected: null, value: '0-1' }, undefined],
  ]);
});

t.test('real clients record well-formed histories; a paused follower leaves info writes and failed reads', async (t) => {
  const cluster = new ProcessCluster({ basePort: testBasePort(40) });
  t.teardown(() => cluster.destroy());
  await cluster.startAll();
  const urls = [1, 2, 3].map((id) => cluster.url(id));
  const file = join(dir, 'register.jsonl');
  const history = new HistoryWriter(file);
  const workload = new Workload({ urls, kind: 'register', seed: 7, history, clients: 3, requestTimeoutMs: 1500 });
  const leader = await cluster.leader();
  const pauseUntilInfo = async (id: number): Promise<number> => {
    cluster.pause(id);
    const info = async (): Promise<true | undefined> => (readHistory(file).some((op) => op.member === id && op.type === 'info') ? true : undefined);
    await waitFor(`an info write to the paused member ${id}`, info, 30_000).finally(() => cluster.resume(id));
    return history.now();
  };
  workload.start();
  await waitFor('some operations through every master', async () => {
    const ops = readHistory(file);
    return [1, 2, 3].every((m) => ops.some((op) => op.member === m && op.type === 'ok')) ? true : undefined;
  });
  // A follower: the others' writes still reach the leader. Client c sticks to member c + 1.
  const paused = [1, 2, 3].find((id) => id !== leader)!;
  const resumedAt = await pauseUntilInfo(paused);
  await waitFor(`member ${paused} to answer again`, async () => (readHistory(file).some((op) => op.member === paused && op.type === 'ok' && op.call > resumedAt) ? true : undefined));
  const stats = await workload.stop();
  t.comment(`register: ${JSON.stringify(stats)}`);

  const ops = readHistory(file); // throws on a malformed line
  t.equal(ops.length, stats.operations, 'one line per operation');
  const unanswered = ops.filter((op) => op.type !== 'ok');
  t.ok(unanswered.length > 0, 'operations sent to the paused master got no answer');
  t.ok(unanswered.every((op) => op.member === paused && op.error === 'UND_ERR_HEADERS_TIMEOUT'), 'only those: the others answered everything');
  t.ok(unanswered.every((op) => (op.op === 'get' ? op.type === 'fail' : op.type === 'info')), 'reads among them are fail, writes and swaps info');
  t.ok(['get', 'put', 'cas'].every((name) => ops.some((op) => op.op === name && op.type === 'ok')), 'reads, writes and swaps succeed');

  // A process has one operation open at a time; after an info it is never used again.
  const byProcess = new Map<number, HistoryOp[]>();
  for (const op of ops) byProcess.set(op.process, [...(byProcess.get(op.process) ?? []), op]);
  for (const [process, list] of byProcess) {
    list.sort((a, b) => a.call - b.call);
    const overlapping = list.some((op, i) => i > 0 && (list[i - 1].return === null || list[i - 1].return! > op.call));
    t.notOk(overlapping, `process ${process} never has two operations open at once`);
  }
  t.ok(byProcess.size > 3, 'a client that saw an info went on as a new process');

  // Reads return nothing but what some write or swap wrote.
  const written = new Set(ops.flatMap((op) => (op.op === 'put' || op.op === 'cas' ? [(op.input as { value: string }).value] : [])));
  const strays = ops.filter((op) => op.op === 'get' && op.type === 'ok' && op.output!.value !== null && !written.has(op.output!.value!));
  t.same(strays, [], 'every value read was written');
  const verdict = check(keelModel, loadHistory(readFileSync(file, 'utf8')).history as History<KeelInput, KeelOutput>, { timeoutMs: 30_000 }).verdict;
  t.equal(verdict, 'linearizable', 'linearizable, the paused member included');
});

t.test('the multi-key workload gets, puts, swaps and deletes', async (t) => {
  const cluster = new ProcessCluster({ basePort: testBasePort(60) });
  t.teardown(() => cluster.destroy());
  await cluster.startAll();
  const file = join(dir, 'multi-key.jsonl');
  const workload = new Workload({ urls: [1, 2, 3].map((id) => cluster.url(id)), kind: 'multi-key', seed: 3, history: new HistoryWriter(file), clients: 3, keys: 3 });
  workload.start();
  await waitFor('every kind of operation to succeed', async () => {
    const ops = readHistory(file);
    const failedSwap = ops.some((op) => op.op === 'cas' && op.output?.succeeded === false);
    return failedSwap && ['get', 'put', 'cas', 'delete'].every((name) => ops.some((op) => op.op === name && op.type === 'ok')) ? true : undefined;
  });
  const stats = await workload.stop();
  t.comment(`multi-key: ${JSON.stringify(stats)}`);
  const ops = readHistory(file);
  t.equal(stats.info, 0, 'no faults: nothing indeterminate');
  t.ok(ops.every((op) => /^key-[0-2]$/.test(op.input.key)), 'three keys');
  t.ok(ops.some((op) => op.op === 'cas' && op.output?.succeeded === true), 'some swaps succeed');
  t.ok(ops.some((op) => op.op === 'cas' && op.output?.succeeded === false && op.output.current !== undefined), 'a failed swap reads what the key holds');
  const verdict = check(keelModel, loadHistory(readFileSync(file, 'utf8')).history as History<KeelInput, KeelOutput>, { timeoutMs: 30_000 }).verdict;
  t.equal(verdict, 'linearizable', 'the checker reads the history as it is, and finds it linearizable');
});
