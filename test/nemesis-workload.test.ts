// The nemesis workload and its history: outcome rules, the line format, and real clients against
// three masters, one of them paused mid-run.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessCluster, testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';
import { HistoryWriter, historyLineProblem, readHistory, type CasInput, type HistoryOp } from '../lab/nemesis/history.ts';
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

t.test('history lines are checked field by field', async (t) => {
  const ok: HistoryOp = { process: 0, call: 1, return: 2, op: 'cas', key: 'r', input: { from: null, to: '0-1' }, output: true, outcome: 'ok', member: 1 };
  t.equal(historyLineProblem(ok), null);
  t.equal(historyLineProblem({ ...ok, outcome: 'info', return: null, output: null, error: 'KEEL_TIMEOUT' }), null);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ ...ok, op: 'scan' }, /op "scan" is unknown/],
    [{ ...ok, outcome: 'maybe' }, /outcome "maybe" is unknown/],
    [{ ...ok, return: 0.5 }, /return is not a time at or after call/],
    [{ ...ok, outcome: 'info', output: null, error: 'X' }, /an info operation has a return time/],
    [{ ...ok, outcome: 'fail', error: 'X' }, /a fail operation has an output/],
    [{ ...ok, outcome: 'fail', output: null }, /a fail operation has no error code/],
    [{ ...ok, input: { to: 1 } }, /cas input is not/],
    [{ ...ok, op: 'write', input: null }, /write input is not a string/],
    [{ ...ok, process: -1 }, /process/],
  ];
  for (const [line, problem] of bad) t.match(historyLineProblem(line), problem, JSON.stringify(line));
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
    const info = async (): Promise<true | undefined> => (readHistory(file).some((op) => op.member === id && op.outcome === 'info') ? true : undefined);
    await waitFor(`an info write to the paused member ${id}`, info, 30_000).finally(() => cluster.resume(id));
    return history.now();
  };
  workload.start();
  await waitFor('some operations through every master', async () => {
    const ops = readHistory(file);
    return [1, 2, 3].every((m) => ops.some((op) => op.member === m && op.outcome === 'ok')) ? true : undefined;
  });
  // A follower: the others' writes still reach the leader. Client c sticks to member c + 1.
  const paused = [1, 2, 3].find((id) => id !== leader)!;
  const resumedAt = await pauseUntilInfo(paused);
  await waitFor(`member ${paused} to answer again`, async () => (readHistory(file).some((op) => op.member === paused && op.outcome === 'ok' && op.call > resumedAt) ? true : undefined));
  const stats = await workload.stop();
  t.comment(`register: ${JSON.stringify(stats)}`);

  const ops = readHistory(file); // throws on a malformed line
  t.equal(ops.length, stats.operations, 'one line per operation');
  const unanswered = ops.filter((op) => op.outcome !== 'ok');
  t.ok(unanswered.length > 0, 'operations sent to the paused master got no answer');
  t.ok(unanswered.every((op) => op.member === paused && op.error === 'UND_ERR_HEADERS_TIMEOUT'), 'only those: the others answered everything');
  t.ok(unanswered.every((op) => (op.op === 'read' ? op.outcome === 'fail' : op.outcome === 'info')), 'reads among them are fail, writes and swaps info');
  t.ok(['read', 'write', 'cas'].every((name) => ops.some((op) => op.op === name && op.outcome === 'ok')), 'reads, writes and swaps succeed');

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
  const written = new Set(ops.flatMap((op) => (op.op === 'write' ? [op.input as string] : op.op === 'cas' ? [(op.input as CasInput).to] : [])));
  const strays = ops.filter((op) => op.op === 'read' && op.outcome === 'ok' && op.output !== null && !written.has(op.output as string));
  t.same(strays, [], 'every value read was written');
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
    return ['get', 'put', 'cas', 'delete'].every((name) => ops.some((op) => op.op === name && op.outcome === 'ok')) ? true : undefined;
  });
  const stats = await workload.stop();
  t.comment(`multi-key: ${JSON.stringify(stats)}`);
  const ops = readHistory(file);
  t.equal(stats.info, 0, 'no faults: nothing indeterminate');
  t.ok(ops.every((op) => /^key-[0-2]$/.test(op.key)), 'three keys');
  t.ok(ops.some((op) => op.op === 'cas' && op.output === true), 'some swaps succeed');
});
