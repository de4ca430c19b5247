// The fault schedule: a list of timed faults, plain JSON so a failing one can be printed and
// replayed. Two generators make them: a fast-check arbitrary (property tests shrink it) and a
// seeded one (the CLI and the soak derive a schedule from the run's seed alone).

import fc from 'fast-check';
import type { Prng } from '../../raft/core/index.ts';

/** Where in the Ready loop a member dies. */
export type CrashPoint =
  /** The Ready is lost: nothing persisted, sent or applied. */
  | 'before-persist'
  /** Persisted, but nothing sent or applied. */
  | 'after-persist'
  /** Persisted and applied, but the messages never left (the sockets died with the process). */
  | 'after-apply';

export const crashPoints: readonly CrashPoint[] = ['before-persist', 'after-persist', 'after-apply'];

/** A member id, or the member that leads when the fault starts. */
export type NodeRef = number | 'leader';

export type Fault =
  /** Crash a member now; it restarts from its disk after `downMs`. */
  | { kind: 'crash'; at: number; node: NodeRef; downMs: number }
  /** `side` and the other members cannot reach each other (both directions). */
  | { kind: 'split'; at: number; side: number[]; durationMs: number }
  /** One member cannot send (`out`) or cannot receive (`in`). */
  | { kind: 'one-way'; at: number; node: NodeRef; direction: 'in' | 'out'; durationMs: number }
  /** The leader and a minority of followers are cut off from the majority. */
  | { kind: 'minority-leader'; at: number; durationMs: number }
  /** Everyone but `bridge` splits into two halves; `bridge` still talks to both. */
  | { kind: 'bridge'; at: number; bridge: number; durationMs: number }
  /** Messages are dropped and duplicated with these percentages and delayed up to `delayMaxMs`. */
  | { kind: 'lossy'; at: number; dropPercent: number; dupPercent: number; delayMaxMs: number; durationMs: number }
  /** The client proposes `perTick` commands of `bytes` bytes each tick. */
  | { kind: 'burst'; at: number; perTick: number; bytes: number; durationMs: number }
  /** The leader is asked to hand over to `to`. */
  | { kind: 'transfer'; at: number; to: number }
  /** `node` starts an election now. */
  | { kind: 'campaign'; at: number; node: number }
  /** `node` snapshots its state machine and compacts its whole log now. */
  | { kind: 'snapshot'; at: number; node: NodeRef }
  /** The next member to become leader within `windowMs` dies at `point` of that Ready. */
  | { kind: 'crash-next-leader'; at: number; point: CrashPoint; windowMs: number; downMs: number }
  /**
   * The next leader whose commit index moves within `windowMs` dies at `point` of that Ready;
   * with `restartOthers` every member already down restarts at that moment.
   */
  | { kind: 'crash-leader-on-commit'; at: number; point: CrashPoint; windowMs: number; downMs: number; restartOthers: boolean }
  /** Membership: add a spare member as a learner, promote it to voter, then remove it. */
  | { kind: 'member-cycle'; at: number };

export type FaultSchedule = Fault[];

/** The time by which every fault is over (crashed members restart then at the latest). */
export function faultsEndMs(schedule: FaultSchedule): number {
  let end = 0;
  for (const fault of schedule) end = Math.max(end, faultEndMs(fault));
  return end;
}

function faultEndMs(fault: Fault): number {
  switch (fault.kind) {
    case 'crash':
      return fault.at + fault.downMs;
    case 'crash-next-leader':
    case 'crash-leader-on-commit':
      return fault.at + fault.windowMs + fault.downMs;
    case 'split':
    case 'one-way':
    case 'minority-leader':
    case 'bridge':
    case 'lossy':
    case 'burst':
      return fault.at + fault.durationMs;
    default:
      return fault.at;
  }
}

export function describeFault(fault: Fault): string {
  const { kind, at, ...rest } = fault;
  void at;
  const fields = Object.entries(rest).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`);
  return [kind, ...fields].join(' ');
}

export interface ScheduleShape {
  /** Members in the cluster (3 or 5). */
  nodes: number;
  /** Faults start before this virtual time, in ms. */
  horizonMs: number;
  /** At most this many faults. Default 8. */
  faultsMax?: number;
}

function sortByTime(schedule: FaultSchedule): FaultSchedule {
  return [...schedule].sort((a, b) => a.at - b.at);
}

/** A fast-check arbitrary for fault schedules, sorted by time. */
export function faultScheduleArbitrary(shape: ScheduleShape): fc.Arbitrary<FaultSchedule> {
  const n = shape.nodes;
  const at = fc.integer({ min: 0, max: shape.horizonMs - 1 });
  const member = fc.integer({ min: 1, max: n });
  const ref: fc.Arbitrary<NodeRef> = fc.oneof(member, fc.constant('leader' as const));
  const duration = fc.integer({ min: 20, max: 800 });
  const point = fc.constantFrom(...crashPoints);
  const side = fc.uniqueArray(member, { minLength: 1, maxLength: n - 1 }).map((ids) => ids.sort((a, b) => a - b));
  const fault: fc.Arbitrary<Fault> = fc.oneof(
    fc.record({ kind: fc.constant('crash' as const), at, node: ref, downMs: duration }),
    fc.record({ kind: fc.constant('split' as const), at, side, durationMs: duration }),
    fc.record({ kind: fc.constant('one-way' as const), at, node: ref, direction: fc.constantFrom('in' as const, 'out' as const), durationMs: duration }),
    fc.record({ kind: fc.constant('minority-leader' as const), at, durationMs: duration }),
    fc.record({ kind: fc.constant('bridge' as const), at, bridge: member, durationMs: duration }),
    fc.record({
      kind: fc.constant('lossy' as const),
      at,
      dropPercent: fc.integer({ min: 0, max: 60 }),
      dupPercent: fc.integer({ min: 0, max: 30 }),
      delayMaxMs: fc.integer({ min: 1, max: 80 }),
      durationMs: duration,
    }),
    fc.record({ kind: fc.constant('burst' as const), at, perTick: fc.integer({ min: 1, max: 16 }), bytes: fc.integer({ min: 1, max: 512 }), durationMs: duration }),
    fc.record({ kind: fc.constant('transfer' as const), at, to: member }),
    fc.record({ kind: fc.constant('campaign' as const), at, node: member }),
    fc.record({ kind: fc.constant('snapshot' as const), at, node: ref }),
    fc.record({ kind: fc.constant('crash-next-leader' as const), at, point, windowMs: duration, downMs: duration }),
    fc.record({
      kind: fc.constant('crash-leader-on-commit' as const),
      at,
      point,
      windowMs: duration,
      downMs: duration,
      restartOthers: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('member-cycle' as const), at }),
  );
  return fc.array(fault, { maxLength: shape.faultsMax ?? 8 }).map(sortByTime);
}

/** A schedule drawn from `prng` alone, so a seed names a whole run (CLI, soak). */
export function randomSchedule(prng: Prng, shape: ScheduleShape): FaultSchedule {
  const count = prng.int((shape.faultsMax ?? 8) + 1);
  const schedule: FaultSchedule = [];
  for (let i = 0; i < count; i++) schedule.push(randomFault(prng, shape));
  return sortByTime(schedule);
}

export const faultKinds: readonly Fault['kind'][] = [
  'crash', 'split', 'one-way', 'minority-leader', 'bridge', 'lossy', 'burst', 'transfer',
  'campaign', 'snapshot', 'crash-next-leader', 'crash-leader-on-commit', 'member-cycle',
];

function randomFault(prng: Prng, shape: ScheduleShape): Fault {
  const n = shape.nodes;
  const at = prng.int(shape.horizonMs);
  const member = (): number => 1 + prng.int(n);
  const ref = (): NodeRef => (prng.chance(0.3) ? 'leader' : member());
  const duration = (): number => prng.range(20, 801);
  const point = (): CrashPoint => crashPoints[prng.int(crashPoints.length)];
  const kind = faultKinds[prng.int(faultKinds.length)];
  switch (kind) {
    case 'crash':
      return { kind, at, node: ref(), downMs: duration() };
    case 'split':
      return { kind, at, side: randomSide(prng, n), durationMs: duration() };
    case 'one-way':
      return { kind, at, node: ref(), direction: prng.chance(0.5) ? 'in' : 'out', durationMs: duration() };
    case 'minority-leader':
      return { kind, at, durationMs: duration() };
    case 'bridge':
      return { kind, at, bridge: member(), durationMs: duration() };
    case 'lossy':
      return { kind, at, dropPercent: prng.int(61), dupPercent: prng.int(31), delayMaxMs: prng.range(1, 81), durationMs: duration() };
    case 'burst':
      return { kind, at, perTick: prng.range(1, 17), bytes: prng.range(1, 513), durationMs: duration() };
    case 'transfer':
      return { kind, at, to: member() };
    case 'campaign':
      return { kind, at, node: member() };
    case 'snapshot':
      return { kind, at, node: ref() };
    case 'crash-next-leader':
      return { kind, at, point: point(), windowMs: duration(), downMs: duration() };
    case 'crash-leader-on-commit':
      return { kind, at, point: point(), windowMs: duration(), downMs: duration(), restartOthers: prng.chance(0.5) };
    case 'member-cycle':
      return { kind, at };
  }
}

function randomSide(prng: Prng, n: number): number[] {
  const size = prng.range(1, n);
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  return ids.slice(0, size).sort((a, b) => a - b);
}
