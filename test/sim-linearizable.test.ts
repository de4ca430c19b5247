// Property: under any fault schedule fast-check can come up with, what the simulated kv clients
// saw is linearizable: their gets (ReadIndex, at leaders and followers), puts, deletes and
// compare-and-swaps, with call and return in virtual time, checked with lab/lincheck's keel
// model at the end of each run; the Raft safety checks run too. A verdict of `unknown` (the
// check ran out of time) is not a failure; the count is printed.
// A failure prints the fast-check seed, the shrunk schedule and the command that replays it.
// SIM_FC_SEED=<n> replays a fast-check run; SIM_LIN_RUNS=<n> changes the run count.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { faultScheduleArbitrary, runSchedule, seededRun, type FaultSchedule, type SimResult } from '../lab/sim/index.ts';

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
  const fcSeed = Number(process.env.SIM_FC_SEED ?? (Date.now() ^ (nodes * 7919)) >>> 0);
  t.comment(`fast-check seed ${fcSeed} (${nodes} members, ${numRuns} runs): SIM_FC_SEED=${fcSeed} replays it`);
  const totals = { ops: 0, checked: 0, indeterminate: 0, unknown: 0 };
  const property = fc.property(
    fc.integer({ min: 0, max: 0xffff_ffff }),
    faultScheduleArbitrary({ nodes, horizonMs }),
    (seed, schedule) => {
      const result = runOf(seed, nodes, schedule);
      const report = result.clients!;
      totals.ops += report.ops;
      totals.checked += report.checked;
      totals.indeterminate += report.indeterminate;
      if (report.verdict === 'unknown') totals.unknown += 1;
      if (result.violations.length > 0) throw new Error(result.violations.join('\n'));
    },
  );
  let failure: string | null = null;
  fc.assert(property, {
    seed: fcSeed,
    numRuns,
    reporter: (details) => {
      if (!details.failed || details.counterexample === null) return;
      const [seed, schedule] = details.counterexample;
      failure = [
        `fast-check seed ${fcSeed}, path ${details.counterexamplePath ?? ''}, after ${details.numRuns} runs and ${details.numShrinks} shrinks`,
        `simulator seed ${seed}, ${nodes} members, shrunk schedule: ${JSON.stringify(schedule)}`,
        `violations: ${runOf(seed, nodes, schedule).violations.join(' | ')}`,
        `replay: ${replayCommand(seed, nodes, schedule)}`,
      ].join('\n');
    },
  });
  t.comment(`client operations ${totals.ops}, checked ${totals.checked}, indeterminate ${totals.indeterminate}; unknown verdicts ${totals.unknown}`);
  if (failure !== null) t.fail(`a fault schedule gives a history that is not linearizable:\n${failure}`);
  else t.pass(`${numRuns} random fault schedules, every history linearizable (or unknown: ${totals.unknown})`);
  t.ok(totals.checked > numRuns * 100, 'the clients got real work done');
}

const runs = Number(process.env.SIM_LIN_RUNS ?? 0);

t.test('3 members: every client history is linearizable under random faults', async (t) => {
  checkHistories(t, 3, runs > 0 ? runs : 500);
});

t.test('5 members: every client history is linearizable under random faults', async (t) => {
  checkHistories(t, 5, runs > 0 ? runs : 300);
});
