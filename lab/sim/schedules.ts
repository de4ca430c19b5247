// Named schedules and the seeded run that the CLI and the soak share: a seed alone names the
// schedule and the options, so `--seed N` replays what the soak ran as seed N.

import { Prng } from '../../raft/core/index.ts';
import { randomSchedule, type FaultSchedule } from './faults.ts';
import type { SimOptions } from './options.ts';

/** Faults of a seeded run start within this share of its steps, so most runs reach the liveness check. */
const horizonShare = 0.25;

export interface SeededRun {
  schedule: FaultSchedule;
  options: SimOptions;
}

/** The schedule and options a seed names (for `--seed N --steps M --nodes K` and the soak). */
export function seededRun(seed: number, nodes: number, steps: number): SeededRun {
  const prng = new Prng((seed ^ 0x5eed_f00d) >>> 0);
  const horizonMs = Math.max(1, Math.floor(steps * horizonShare));
  const schedule = randomSchedule(prng, { nodes, horizonMs });
  const options: SimOptions = {
    nodes,
    steps,
    extendForLiveness: false,
    leaderMessagesEarly: prng.chance(0.5),
    // Half the runs apply beside the Ready loop, as keel does under load (8-40 ms behind).
    applyLagMsMax: prng.chance(0.5) ? prng.range(10, 41) : 0,
    // Half the runs write a burst of new entries in several Readies (one to four entries each).
    readyEntriesBytesMax: prng.chance(0.5) ? prng.range(1, 33) : undefined,
  };
  return { schedule, options };
}

/**
 * The Raft paper's Figure 8 on three members, made reliable with crash triggers:
 * 1. the leader L1 of term t is cut off alone while a burst of proposals piles up in its log
 *    (more than one append message holds), none of which can commit;
 * 2. the other two elect L2 in term t+1, which dies right after writing its no-op (at index
 *    c+1, term t+1) and before sending it;
 * 3. the split heals; only L1 can win now (its log is the longest of term t): term t+2. Its
 *    first append to the last member S carries only the oldest batch of term-t entries;
 * 4. the first time L1's commit index moves, L1 dies after applying, before sending, and L2
 *    restarts. With the correct commit rule that moment comes only once L1's no-op is on S,
 *    and S then outvotes L2. With `unsafeCommitPreviousTermByCount`, S's answer to the first
 *    batch commits the term-t entries by count, L1 applies them and dies, and L2 (log ending
 *    in term t+1) wins S's vote and leads without those applied entries: Leader Completeness
 *    and then State Machine Safety are violated.
 */
export function figure8Schedule(splitAtMs = 400): FaultSchedule {
  const at = splitAtMs;
  return [
    { kind: 'minority-leader', at, durationMs: 300 },
    { kind: 'burst', at, perTick: 80, bytes: 64, durationMs: 150 },
    { kind: 'crash-next-leader', at, point: 'after-persist', windowMs: 300, downMs: 1000 },
    { kind: 'crash-leader-on-commit', at: at + 250, point: 'after-apply', windowMs: 600, downMs: 300, restartOthers: true },
  ];
}

/** Options for the Figure 8 schedule: three members, replication messages after the leader's write. */
export function figure8Options(unsafe: boolean): SimOptions {
  return {
    nodes: 3,
    steps: 3000,
    unsafeCommitPreviousTermByCount: unsafe,
    leaderMessagesEarly: false,
    snapshotEveryApplied: 0,
  };
}
