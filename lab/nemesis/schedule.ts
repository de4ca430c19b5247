// The nemesis schedule: from a seed and the fault kinds asked for, a deterministic list of timed
// faults (lab/nemesis/faults.ts), one at a time with quiet gaps between them; and the runner that
// plays it against a ProcessCluster and its proxy, writes each fault's start and end and every
// leader or term change it observes to the event log (lab/nemesis/events.ts), and at the end
// heals everything and waits for the cluster to be healthy.
//
// The schedule replays exactly from its seed. At run time, 'leader' resolves to the leader the
// runner last saw and 'follower' to one drawn from a PRNG forked from the same seed: a run
// replays the same faults at the same times, on whichever members lead in that run.
import { assert, Prng } from '../../raft/core/index.ts';
import { waitFor, type ProcessCluster } from '../cluster/process-cluster.ts';
import type { EventLog } from './events.ts';
import { drawFault, needsProxy, startFault, type FaultKind, type ScheduledFault, type StartedFault } from './faults.ts';
import { StatusObserver } from './observer.ts';

/** How long a fault lasts, ms: drawn in [min, max). */
export const faultMsMin = 1_000;
export const faultMsMax = 3_000;
/** The quiet time before each fault, ms: drawn in [min, max). */
export const quietMsMin = 500;
export const quietMsMax = 2_000;

export interface ScheduleShape {
  seed: number;
  /** The kinds to draw from, each equally likely. */
  kinds: FaultKind[];
  /** Every fault ends by then, ms after the start. */
  durationMs: number;
}

export function makeSchedule(shape: ScheduleShape): ScheduledFault[] {
  assert(shape.kinds.length > 0, 'a schedule needs at least one fault kind');
  const prng = new Prng(shape.seed);
  const schedule: ScheduledFault[] = [];
  let atMs = prng.range(quietMsMin, quietMsMax);
  for (;;) {
    const durationMs = prng.range(faultMsMin, faultMsMax);
    if (atMs + durationMs > shape.durationMs) return schedule;
    const fault = drawFault(prng, shape.kinds[prng.int(shape.kinds.length)]);
    schedule.push({ id: schedule.length, atMs, durationMs, fault });
    atMs += durationMs + prng.range(quietMsMin, quietMsMax);
  }
}

export interface RunOptions {
  cluster: ProcessCluster;
  /** Its shape is recorded with the run; the faults are made from it. */
  shape: ScheduleShape;
  events: EventLog;
  /** How long the healed cluster may take to become healthy, ms. Default 30,000. */
  healthyTimeoutMs?: number;
}

export interface RunResult {
  schedule: ScheduledFault[];
  /** Distinct (leader, term) pairs some member reported. */
  leaderTerms: number;
  /** From the heal to a healthy cluster, ms. */
  healMs: number;
}

/**
 * Plays the schedule of `shape` from the event log's origin on; always heals everything at the
 * end (after a failure too) and waits for every member to follow one leader and catch up.
 */
export async function runSchedule(options: RunOptions): Promise<RunResult> {
  const { cluster, shape, events } = options;
  const schedule = makeSchedule(shape);
  assert(cluster.proxy !== null || !shape.kinds.some(needsProxy), `faults ${shape.kinds.join(',')} need a cluster made with a proxy`);
  events.append({ type: 'run', seed: shape.seed, kinds: shape.kinds, durationMs: shape.durationMs, schedule });
  const observer = new StatusObserver(new Map(cluster.configs.map((c) => [c.id, cluster.url(c.id)])), events);
  const leaderTerms = new Set<string>();
  const track = setInterval(() => {
    for (const c of cluster.configs) {
      const view = observer.latest(c.id);
      if (view !== null && view.leader !== 0) leaderTerms.add(`${view.leader}@${view.term}`);
    }
  }, 100);
  observer.start();
  const env = { cluster, leader: () => observer.leader(), prng: new Prng(shape.seed).fork() };
  let active: { scheduled: ScheduledFault; started: StartedFault } | null = null;
  try {
    for (const scheduled of schedule) {
      await sleepUntil(events, scheduled.atMs);
      const started = await startFault(env, scheduled.fault);
      active = { scheduled, started };
      events.append({ type: 'fault-start', id: scheduled.id, fault: scheduled.fault, members: started.members, ...(started.note ? { note: started.note } : {}) });
      await sleepUntil(events, scheduled.atMs + scheduled.durationMs);
      await started.end();
      active = null;
      events.append({ type: 'fault-end', id: scheduled.id, fault: scheduled.fault, members: started.members });
    }
    await sleepUntil(events, shape.durationMs);
  } finally {
    if (active !== null) {
      await active.started.end();
      events.append({ type: 'fault-end', id: active.scheduled.id, fault: active.scheduled.fault, members: active.started.members });
    }
    const healedAt = events.now();
    healAll(cluster);
    events.append({ type: 'heal-all' });
    try {
      const healthy = await waitHealthy(cluster, options.healthyTimeoutMs ?? 30_000);
      events.append({ type: 'healthy', ...healthy });
      return { schedule, leaderTerms: leaderTerms.size, healMs: events.now() - healedAt };
    } finally {
      clearInterval(track);
      await observer.stop();
    }
  }
}

/** No cut, latency or drop on any link; every member running, continued, with a fast disk. */
export function healAll(cluster: ProcessCluster): void {
  cluster.proxy?.healAll();
  for (const { id } of cluster.configs) {
    cluster.setSyncDelay(id, 0);
    cluster.resume(id);
    if (!cluster.running(id)) cluster.start(id);
  }
}

/**
 * Waits until every member answers and follows one leader in one term, and each has applied at
 * least what the leader had committed when they first all agreed (so a member that was down has
 * caught up to the end of the faults, even while a workload goes on).
 */
export async function waitHealthy(cluster: ProcessCluster, timeoutMs: number): Promise<{ leader: number; term: number; appliedIndex: number }> {
  let target: { leader: number; term: number; commitIndex: number } | null = null;
  return waitFor(
    'every member to follow one leader and catch up',
    async () => {
      const statuses = await Promise.all(cluster.configs.map((c) => cluster.status(c.id)));
      const leaders = new Set(statuses.map((s) => `${s.leader}@${s.term}`));
      const leading = statuses.find((s) => s.role === 'leader');
      if (leaders.size !== 1 || leading === undefined) {
        target = null;
        return undefined;
      }
      if (target === null || target.leader !== leading.id || target.term !== leading.term) {
        target = { leader: leading.id as number, term: leading.term as number, commitIndex: leading.commitIndex as number };
        return undefined;
      }
      const applied = Math.min(...statuses.map((s) => s.appliedIndex as number));
      return applied >= target.commitIndex ? { leader: target.leader, term: target.term, appliedIndex: applied } : undefined;
    },
    timeoutMs,
  );
}

async function sleepUntil(events: EventLog, atMs: number): Promise<void> {
  const waitMs = atMs - events.now();
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
}
