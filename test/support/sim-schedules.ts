// The fast-check runner the simulator's property tests share: random (simulator seed, fault
// schedule) pairs, and on a failure the shrunk pair described with the fast-check seed, the
// violations and the command that replays it.
import fc from 'fast-check';
import { faultScheduleArbitrary, type FaultSchedule } from '../../lab/sim/index.ts';

export interface ScheduleCheck {
  /** The fast-check seed (SIM_FC_SEED replays it). */
  fcSeed: number;
  numRuns: number;
  nodes: number;
  /** Faults start within this many ms. */
  horizonMs: number;
  /** One run; throws when the property does not hold. */
  run: (seed: number, schedule: FaultSchedule) => void;
  /** The violations of one run, for the failure's description. */
  violationsOf: (seed: number, schedule: FaultSchedule) => string[];
  replayCommand: (seed: number, schedule: FaultSchedule) => string;
}

/** The fast-check seed of a run: SIM_FC_SEED, or one drawn from the clock. */
export function fcSeedOf(nodes: number): number {
  return Number(process.env.SIM_FC_SEED ?? (Date.now() ^ (nodes * 7919)) >>> 0);
}

/** Runs the property; returns the description of its shrunk counterexample, or null when it held. */
export function checkSchedules(check: ScheduleCheck): string | null {
  const { fcSeed, numRuns, nodes } = check;
  const property = fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), faultScheduleArbitrary({ nodes, horizonMs: check.horizonMs }), check.run);
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
        `violations: ${check.violationsOf(seed, schedule).join(' | ')}`,
        `replay: ${check.replayCommand(seed, schedule)}`,
      ].join('\n');
    },
  });
  return failure;
}
