// Property: under any fault schedule fast-check can come up with, the simulated cluster keeps
// every Raft safety property, and once the faults heal it elects a leader and commits.
// A failure prints the fast-check seed, the shrunk schedule and the command that replays it.
// SIM_FC_SEED=<n> replays a fast-check run; SIM_FC_RUNS=<n> changes the run count.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { faultScheduleArbitrary, runSchedule, seededRun, type FaultSchedule } from '../lab/sim/index.ts';

const horizonMs = 1000;
/** Faults end by horizon + window + down (at most 1600 ms more); then 1000 ms to commit. */
const steps = horizonMs + 1600 + 1000 + 100;

function violationsOf(seed: number, nodes: number, schedule: FaultSchedule): string[] {
  // The same options the CLI uses for a seed, so the printed command replays this exact run.
  const { options } = seededRun(seed, nodes, steps);
  return runSchedule(seed, schedule, { ...options, keepTrace: false }).violations;
}

function replayCommand(seed: number, nodes: number, schedule: FaultSchedule): string {
  return `npm run sim -- --seed ${seed} --nodes ${nodes} --steps ${steps} --schedule '${JSON.stringify(schedule)}'`;
}

function checkCluster(t: Test, nodes: number, numRuns: number): void {
  const fcSeed = Number(process.env.SIM_FC_SEED ?? (Date.now() ^ (nodes * 7919)) >>> 0);
  t.comment(`fast-check seed ${fcSeed} (${nodes} members, ${numRuns} runs): SIM_FC_SEED=${fcSeed} replays it`);
  const property = fc.property(
    fc.integer({ min: 0, max: 0xffff_ffff }),
    faultScheduleArbitrary({ nodes, horizonMs }),
    (seed, schedule) => {
      const violations = violationsOf(seed, nodes, schedule);
      if (violations.length > 0) throw new Error(violations.join('\n'));
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
        `violations: ${violationsOf(seed, nodes, schedule).join(' | ')}`,
        `replay: ${replayCommand(seed, nodes, schedule)}`,
      ].join('\n');
    },
  });
  if (failure !== null) t.fail(`a fault schedule breaks the cluster:\n${failure}`);
  else t.pass(`${numRuns} random fault schedules, no violation`);
}

const runs = Number(process.env.SIM_FC_RUNS ?? 0);

t.test('3 members keep Raft safety and liveness under random faults', async (t) => {
  checkCluster(t, 3, runs > 0 ? runs : 500);
});

t.test('5 members keep Raft safety and liveness under random faults', async (t) => {
  checkCluster(t, 5, runs > 0 ? runs : 300);
});
