// Property: under any fault schedule fast-check can come up with, the simulated cluster keeps
// every Raft safety property, and once the faults heal it elects a leader and commits.
// A failure prints the fast-check seed, the shrunk schedule and the command that replays it.
// SIM_FC_SEED=<n> replays a fast-check run; SIM_FC_RUNS=<n> changes the run count.
import t, { type Test } from 'tap';
import { runSchedule, seededRun, type FaultSchedule } from '../lab/sim/index.ts';
import { checkSchedules, fcSeedOf } from './support/sim-schedules.ts';

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
  const fcSeed = fcSeedOf(nodes);
  t.comment(`fast-check seed ${fcSeed} (${nodes} members, ${numRuns} runs): SIM_FC_SEED=${fcSeed} replays it`);
  const failure = checkSchedules({
    fcSeed, numRuns, nodes, horizonMs,
    run: (seed, schedule) => {
      const violations = violationsOf(seed, nodes, schedule);
      if (violations.length > 0) throw new Error(violations.join('\n'));
    },
    violationsOf: (seed, schedule) => violationsOf(seed, nodes, schedule),
    replayCommand: (seed, schedule) => replayCommand(seed, nodes, schedule),
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
