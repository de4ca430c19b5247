// Failover: a writer at 16 clients keeps writing while the leader is SIGKILLed (then restarted),
// paused (SIGSTOP, then SIGCONT) or partitioned from its peers (then healed). From the writer's
// timeline of successful writes come two figures per trial: the longest gap with no successful
// write, and the time from the fault to the first write answered in a later term than the
// fault's (the first write the new leader accepted).
import { setTimeout as sleep } from 'node:timers/promises';
import { nowMs, type LoadSpec, type WriteTimeline } from '../load-generator.ts';
import { startWriter } from './generator.ts';
import { smallValueBytes, type Fault, type Plan } from './plan.ts';
import type { System, SystemName } from './systems.ts';

export interface FailoverTrial {
  system: SystemName;
  fault: Fault;
  trial: number;
  leaderBefore: number;
  termBefore: number;
  leaderAfter: number;
  termAfter: number;
  /** Longest time with no successful write, from the writer's start to its stop, ms. */
  longestGapMs: number;
  /** From the fault to the first write answered in a term above termBefore, ms; null if none came. */
  firstNewTermWriteMs: number | null;
  /** From the fault to the end of the fault (restart, SIGCONT, heal), ms. */
  faultMs: number;
  writes: number;
  errorsTotal: number;
  errors: Record<string, number>;
}

/** The longest interval between consecutive writes in [from, to] (the ends count as writes' edges), ms. */
export function longestGapMs(atMs: number[], from: number, to: number): number {
  let longest = 0;
  let previous = from;
  for (const at of atMs) {
    if (at < from || at > to) continue;
    longest = Math.max(longest, at - previous);
    previous = at;
  }
  return Math.max(longest, to - previous);
}

/** From `faultAtMs` to the first write answered after it in a term above `termBefore`, ms; null if none. */
export function firstNewTermWriteMs(timeline: WriteTimeline, faultAtMs: number, termBefore: number): number | null {
  for (let i = 0; i < timeline.atMs.length; i++) {
    if (timeline.atMs[i] > faultAtMs && timeline.term[i] > termBefore) return timeline.atMs[i] - faultAtMs;
  }
  return null;
}

/** Median (the mean of the two middle values for an even count) and max; null when empty. */
export function medianMax(values: number[]): { median: number; max: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, max: sorted[sorted.length - 1] };
}

/** Waits until the members other than `down` agree on a leader other than it. */
async function newLeaderWithout(system: System, down: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const { id } = await system.leader(1_000);
      if (id !== down) return;
    } catch {
      // no agreement yet
    }
    await sleep(50);
  }
  throw new Error(`${system.name}: no new leader within ${timeoutMs} ms of losing member ${down}`);
}

/** Applies the fault to the leader and lifts it; resolves when it is lifted. */
async function applyFault(system: System, fault: Fault, leader: number, plan: Plan): Promise<void> {
  if (fault === 'kill') {
    await system.kill(leader);
    await newLeaderWithout(system, leader, 30_000);
    system.restart(leader);
  } else if (fault === 'pause') {
    system.pause(leader);
    await sleep(plan.pauseMs);
    system.resume(leader);
  } else {
    system.proxies!.isolate(leader);
    await sleep(plan.partitionMs);
    system.proxies!.heal();
  }
}

export async function runTrial(system: System, fault: Fault, trial: number, plan: Plan): Promise<FailoverTrial> {
  if (fault === 'partition' && system.proxies === null) throw new Error('a partition needs the peer proxies (proxied: true)');
  const before = await system.leader();
  const spec: LoadSpec = {
    url: system.url(before.id),
    urls: system.ids.map((id) => system.url(id)),
    protocol: 'v3',
    mode: 'failover',
    concurrency: plan.writerConcurrency,
    warmupMs: 0,
    durationMs: 120_000,
    keyspace: plan.keyspace,
    valueBytes: smallValueBytes,
    timeoutMs: plan.writerTimeoutMs,
    seed: trial * 31 + fault.length,
  };
  const writer = startWriter(spec);
  await writer.started;
  const startAt = nowMs();
  await sleep(plan.preFaultMs);
  const faultAt = nowMs();
  let faultError: unknown = null;
  try {
    await applyFault(system, fault, before.id, plan);
  } catch (error) {
    faultError = error;
    // Lift whatever is left of the fault, so the next step finds a whole cluster.
    if (fault === 'kill' && !system.running(before.id)) system.restart(before.id);
    if (fault === 'pause' && system.running(before.id)) system.resume(before.id);
    if (fault === 'partition') system.proxies!.heal();
  }
  const faultEnd = nowMs();
  const after = await system.leader(30_000).catch(() => null);
  await sleep(plan.settleMs);
  const stopAt = nowMs();
  const load = await writer.stop(); // stopped whatever happened, or it would outlive the suite
  if (faultError !== null) throw faultError;
  const timeline = load.timeline ?? { atMs: [], term: [] };
  return {
    system: system.name,
    fault,
    trial,
    leaderBefore: before.id,
    termBefore: before.term,
    leaderAfter: after?.id ?? 0,
    termAfter: after?.term ?? 0,
    longestGapMs: longestGapMs(timeline.atMs, startAt, stopAt),
    firstNewTermWriteMs: firstNewTermWriteMs(timeline, faultAt, before.term),
    faultMs: faultEnd - faultAt,
    writes: load.ops,
    errorsTotal: load.errorsTotal,
    errors: load.errors,
  };
}
