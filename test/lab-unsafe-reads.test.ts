// The checker against a deliberately broken read path. With the test hook
// KEEL_TEST_UNSAFE_FOLLOWER_READS=1 a follower serves linearizable reads from its own state,
// without ReadIndex. Cut that follower off from its peers while clients read from it and write
// through the leader: its reads go stale, and lab/lincheck must say the history is not
// linearizable. The same run with the hook off is linearizable (the cut-off follower's reads
// then fail instead: no ReadIndex without the leader).
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessCluster, testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';
import { check, keelModel, loadHistory, type CheckResult, type History, type KeelInput, type KeelOutput } from '../lab/lincheck/index.ts';
import { EventLog, HistoryWriter, readEvents, readHistory, StatusObserver, Workload, type HistoryOp } from '../lab/nemesis/index.ts';
import { renderReport } from '../lab/run/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'keel-unsafe-reads-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** How long the follower is cut off, ms: several election timeouts, many writes on the majority side. */
const isolatedMs = 4_000;

interface Outcome {
  result: CheckResult<KeelInput, KeelOutput>;
  ops: HistoryOp[];
  follower: number;
  isolatedFrom: number;
  isolatedTo: number;
  log: string;
  /** report.html of the run, as `keel lab run` would write it. */
  report: string;
}

async function isolatedFollowerRun(name: string, offset: number, unsafe: boolean): Promise<Outcome> {
  const cluster = new ProcessCluster({ basePort: testBasePort(offset), proxy: { seed: offset } });
  try {
    await cluster.startAll(unsafe ? { KEEL_TEST_UNSAFE_FOLLOWER_READS: '1' } : {});
    const leader = await cluster.leader();
    const follower = [1, 2, 3].find((id) => id !== leader)!;
    const file = join(dir, `${name}.jsonl`);
    const history = new HistoryWriter(file);
    const events = new EventLog(join(dir, `${name}-events.jsonl`), history.originMs);
    const observer = new StatusObserver(new Map(cluster.configs.map((c) => [c.id, cluster.url(c.id)])), events);
    observer.start();
    // Clients 0 and 2 read and write through the follower, 1 and 3 through the leader.
    const workload = new Workload({ urls: [cluster.url(follower), cluster.url(leader)], members: [follower, leader], kind: 'register', seed: 11, history, clients: 4, requestTimeoutMs: 2_000, thinkMs: 5 });
    workload.start();
    const okThrough = (member: number, after: number) => async (): Promise<true | undefined> => (readHistory(file).some((op) => op.member === member && op.type === 'ok' && op.call > after) ? true : undefined);
    await waitFor('operations through the follower and the leader', async () => ((await okThrough(follower, 0)()) && (await okThrough(leader, 0)()) ? true : undefined));
    const fault = { kind: 'partition', shape: 'isolate', node: follower } as const;
    const isolatedFrom = history.now();
    cluster.proxy!.isolate(follower);
    events.append({ type: 'fault-start', id: 0, fault, members: [follower] });
    await new Promise((resolve) => setTimeout(resolve, isolatedMs));
    cluster.proxy!.healAll();
    events.append({ type: 'fault-end', id: 0, fault, members: [follower] });
    const isolatedTo = history.now();
    await waitFor(`member ${follower} to answer again`, okThrough(follower, isolatedTo + 500));
    await workload.stop();
    await observer.stop();
    const loaded = loadHistory(readFileSync(file, 'utf8'));
    const result = check(keelModel, loaded.history as History<KeelInput, KeelOutput>, { timeoutMs: 30_000 });
    const ops = readHistory(file);
    const run = { seed: 11, kinds: ['partition' as const], durationMs: isolatedTo, clients: 4, workload: 'register' as const, command: `the ${name} run of test/lab-unsafe-reads.test.ts`, startedAt: new Date().toISOString(), checkTimeoutMs: 30_000 };
    const report = renderReport({ run, ops, events: readEvents(events.file), check: result, error: null, files: [] });
    return { result, ops, follower, isolatedFrom, isolatedTo, log: cluster.log(follower), report };
  } finally {
    await cluster.destroy();
  }
}

function describe(o: Outcome): string {
  const reads = o.ops.filter((op) => op.op === 'get' && op.member === o.follower && op.call >= o.isolatedFrom && op.call < o.isolatedTo);
  const answered = reads.filter((op) => op.type === 'ok').length;
  return `${o.ops.length} operations; ${reads.length} reads sent to the cut-off follower ${o.follower}, ${answered} answered; verdict ${o.result.verdict} after ${o.result.elapsedMs.toFixed(0)} ms`;
}

t.test('follower reads without ReadIndex go stale under a partition, and the checker catches it', async (t) => {
  const o = await isolatedFollowerRun('unsafe', 0, true);
  t.comment(describe(o));
  t.match(o.log, /UNSAFE: as a follower this master serves linearizable reads from its own state WITHOUT ReadIndex/, 'the master says so loudly');
  t.ok(o.ops.some((op) => op.op === 'get' && op.member === o.follower && op.type === 'ok' && op.call > o.isolatedFrom + 1_000 && op.return! < o.isolatedTo), 'the cut-off follower kept answering reads');
  t.equal(o.result.verdict, 'not-linearizable', 'the checker catches the stale reads');
  const violation = o.result.violation!;
  t.equal(violation.culprit.input.op, 'get', `the operation that cannot be placed is a read: ${keelModel.describeOperation(violation.culprit.input, violation.culprit.output)}`);
  t.match(o.report, /class="verdict bad">NOT linearizable</, 'the report says so');
  t.match(o.report, /<p class="explain">A stale read: /, 'and explains it');
  t.match(o.report, new RegExp(`partition: isolate m${o.follower}<`), 'the partition is on the timeline');
});

t.test('the same run with ReadIndex is linearizable', async (t) => {
  const o = await isolatedFollowerRun('safe', 20, false);
  t.comment(describe(o));
  t.notMatch(o.log, /UNSAFE/, 'no test hook');
  t.ok(o.ops.some((op) => op.op === 'get' && op.member === o.follower && op.type === 'fail' && op.call > o.isolatedFrom && op.call < o.isolatedTo), 'reads at the cut-off follower failed');
  t.equal(o.result.verdict, 'linearizable');
});
