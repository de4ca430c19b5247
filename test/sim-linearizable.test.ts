// Property: under any fault schedule fast-check can come up with, what the simulated kv clients
// saw is linearizable: their gets (ReadIndex, at leaders and followers), puts, deletes and
// compare-and-swaps, with call and return in virtual time, checked with lab/lincheck's keel
// model at the end of each run; the Raft safety checks run too. A verdict of `unknown` (the
// check ran out of time) is not a failure; the count is printed.
// A failure prints the fast-check seed, the shrunk schedule and the command that replays it.
// SIM_FC_SEED=<n> replays a fast-check run; SIM_LIN_RUNS=<n> changes the run count.
import t, { type Test } from 'tap';
import {
  checkClients, clientHistory, runSchedule, seededRun, type ClientOp, type FaultSchedule, type Outcome, type SimResult,
} from '../lab/sim/index.ts';
import type { KeelInput, KeelOutput } from '../lab/lincheck/index.ts';
import { checkSchedules, fcSeedOf } from './support/sim-schedules.ts';

const horizonMs = 1000;
/** Faults end by horizon + window + down (at most 1600 ms more); then 1000 ms to commit. */
const steps = horizonMs + 1600 + 1000 + 100;
const clients = 5;

function runOf(seed: number, nodes: number, schedule: FaultSchedule): SimResult {
  // The options the CLI uses for a seed, so the printed command replays this exact run.
  const { options } = seededRun(seed, nodes, steps);
  return runSchedule(seed, schedule, { ...options, keepTrace: false, clients });
}

function replayCommand(seed: number, nodes: number, schedule: FaultSchedule): string {
  return `npm run sim -- --seed ${seed} --nodes ${nodes} --steps ${steps} --clients ${clients} --schedule '${JSON.stringify(schedule)}'`;
}

function checkHistories(t: Test, nodes: number, numRuns: number): void {
  const fcSeed = fcSeedOf(nodes);
  t.comment(`fast-check seed ${fcSeed} (${nodes} members, ${numRuns} runs): SIM_FC_SEED=${fcSeed} replays it`);
  const totals = { ops: 0, checked: 0, indeterminate: 0, unknown: 0 };
  const failure = checkSchedules({
    fcSeed, numRuns, nodes, horizonMs,
    run: (seed, schedule) => {
      const result = runOf(seed, nodes, schedule);
      const report = result.clients!;
      totals.ops += report.ops;
      totals.checked += report.checked;
      totals.indeterminate += report.indeterminate;
      if (report.verdict === 'unknown') totals.unknown += 1;
      if (result.violations.length > 0) throw new Error(result.violations.join('\n'));
    },
    violationsOf: (seed, schedule) => runOf(seed, nodes, schedule).violations,
    replayCommand: (seed, schedule) => replayCommand(seed, nodes, schedule),
  });
  t.comment(`client operations ${totals.ops}, checked ${totals.checked}, indeterminate ${totals.indeterminate}; unknown verdicts ${totals.unknown}`);
  if (failure !== null) t.fail(`a fault schedule gives a history that is not linearizable:\n${failure}`);
  else t.pass(`${numRuns} random fault schedules, every history linearizable (or unknown: ${totals.unknown})`);
  t.ok(totals.checked > numRuns * 100, 'the clients got real work done');
}

/** A client operation as the simulator records it; `at` is [callAt, returnAt], in ms too. */
function op(client: number, id: string, input: KeelInput, at: [number, number], outcome: Outcome): ClientOp {
  const [call, ret] = at;
  const returnAt = outcome.kind === 'indeterminate' ? Infinity : ret;
  return { client, request: { id, input }, member: 1, callMs: call, returnMs: returnAt, callAt: call, returnAt, outcome };
}

t.test('what the check sees: failed operations and indeterminate reads are left out', async (t) => {
  const ok = (output: KeelOutput): Outcome => ({ kind: 'ok', output });
  const ops = [
    op(1, 'c1.1', { op: 'put', key: 'x0', value: 'c1.1' }, [1, 2], ok({ prevValue: null })),
    op(2, 'c2.1', { op: 'put', key: 'x0', value: 'c2.1' }, [3, 4], { kind: 'fail', why: 'KEEL_NOT_LEADER', leaderHint: 1 }),
    op(2, 'c2.2', { op: 'put', key: 'x0', value: 'c2.2' }, [5, 0], { kind: 'indeterminate', why: 'member crashed' }),
    op(3, 'c3.1', { op: 'get', key: 'x0' }, [6, 0], { kind: 'indeterminate', why: 'no answer' }),
    op(3, 'c3.2', { op: 'get', key: 'x0' }, [7, 8], ok({ value: 'c2.2' })),
  ];
  const { history } = clientHistory(ops);
  t.same(history.map((h) => [h.call, h.return]), [[1, 2], [5, Infinity], [7, 8]]);
  t.equal(checkClients(3, ops, 1000).verdict, 'linearizable', 'the indeterminate put may have taken effect');
  const stale = [...ops, op(1, 'c1.2', { op: 'get', key: 'x0' }, [9, 10], ok({ value: 'c1.1' }))];
  const report = checkClients(3, stale, 1000);
  t.equal(report.verdict, 'not-linearizable', 'a read of the older value after the newer one was read');
  t.match(report.violation, /^linearizability: key "x0": c1\.2 at n1 \(t=0000009\.\.t=0000010\) get "x0" -> "c1\.1" fits no linearization/);
  const failedWriteSeen = [ops[0], ops[1], op(3, 'c3.3', { op: 'get', key: 'x0' }, [11, 12], ok({ value: 'c2.1' }))];
  t.equal(checkClients(3, failedWriteSeen, 1000).verdict, 'not-linearizable', 'a write that certainly failed must never be read');
});

t.test('a run with kv clients replays exactly from its seed', async (t) => {
  const { schedule, options } = seededRun(21, 3, 2000);
  const trace = (): string => runSchedule(21, schedule, { ...options, clients: 5, traceMessages: true }).trace.join('\n');
  const first = trace();
  t.match(first, /c\d\.\d+ <- n\d: ok /);
  t.equal(trace(), first, 'identical traces, client operations and all');
});

const runs = Number(process.env.SIM_LIN_RUNS ?? 0);

t.test('3 members: every client history is linearizable under random faults', async (t) => {
  checkHistories(t, 3, runs > 0 ? runs : 500);
});

t.test('5 members: every client history is linearizable under random faults', async (t) => {
  checkHistories(t, 5, runs > 0 ? runs : 300);
});
