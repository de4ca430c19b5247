// The faults a nemesis schedule injects into real masters, plain JSON so a schedule can be
// printed and replayed, and how each one starts and ends against a ProcessCluster and its proxy.
//
// partition   isolate: the member and the others cannot reach each other (of three: the
//             {leader} | {others} or {follower} | {others} split); bridge: the two others
//             cannot talk, both still talk to the member; one-way: the member cannot send
//             (out) or cannot receive (in). Ends with every cut healed.
// kill        SIGKILL; restarted from its data when the fault ends.
// pause       SIGSTOP; SIGCONT when it ends.
// slow-disk   every sync write of the member waits syncDelayMs first; 0 when it ends.
// latency     every peer link delays every chunk by latencyMs, both ways; 0 when it ends.
// drop        every peer link drops chunks, and their connections, with this rate; 0 when it ends.
import { assert, type Prng } from '../../raft/core/index.ts';
import type { ProcessCluster } from '../cluster/process-cluster.ts';

export type FaultKind = 'partition' | 'kill' | 'pause' | 'slow-disk' | 'latency' | 'drop';
export const faultKinds: readonly FaultKind[] = ['partition', 'kill', 'pause', 'slow-disk', 'latency', 'drop'];

/** A member: by id, or the one leading (or a follower, drawn) when the fault starts. */
export type Target = number | 'leader' | 'follower';

export type Fault =
  | { kind: 'partition'; shape: 'isolate' | 'bridge'; node: Target }
  | { kind: 'partition'; shape: 'one-way'; node: Target; direction: 'in' | 'out' }
  | { kind: 'kill'; node: Target }
  | { kind: 'pause'; node: Target }
  | { kind: 'slow-disk'; node: Target; syncDelayMs: number }
  | { kind: 'latency'; latencyMs: number }
  | { kind: 'drop'; rate: number };

export interface ScheduledFault {
  id: number;
  /** ms after the run starts. */
  atMs: number;
  durationMs: number;
  fault: Fault;
}

/** Bounds of the drawn parameters. */
export const syncDelayMsMin = 50;
export const syncDelayMsMax = 300;
export const latencyMsMin = 20;
export const latencyMsMax = 200;
export const dropRateMin = 0.01;
export const dropRateMax = 0.1;

/** A fault of `kind` with its parameters drawn from `prng`. */
export function drawFault(prng: Prng, kind: FaultKind): Fault {
  const node = (): Target => (prng.chance(0.5) ? 'leader' : 'follower');
  switch (kind) {
    case 'partition': {
      const shape = (['isolate', 'isolate', 'bridge', 'one-way'] as const)[prng.int(4)];
      if (shape === 'one-way') return { kind, shape, node: node(), direction: prng.chance(0.5) ? 'in' : 'out' };
      return { kind, shape, node: node() };
    }
    case 'kill':
    case 'pause':
      return { kind, node: node() };
    case 'slow-disk':
      return { kind, node: node(), syncDelayMs: prng.range(syncDelayMsMin, syncDelayMsMax + 1) };
    case 'latency':
      return { kind, latencyMs: prng.range(latencyMsMin, latencyMsMax + 1) };
    case 'drop':
      return { kind, rate: Math.round((dropRateMin + prng.float() * (dropRateMax - dropRateMin)) * 1000) / 1000 };
  }
}

/** What a fault needs at run time. */
export interface FaultEnv {
  cluster: ProcessCluster;
  /** The member leading now, as last observed; null when none is known. */
  leader(): number | null;
  /** Draws among members at run time ('follower', or a leader nobody knows). */
  prng: Prng;
}

export interface StartedFault {
  /** What the fault's target resolved to. */
  members: number[];
  /** Set when the target could not be resolved as asked. */
  note?: string;
  end(): Promise<void>;
}

/** Whether a fault kind acts on the peer links (needs the cluster's proxy). */
export function needsProxy(kind: FaultKind): boolean {
  return kind === 'partition' || kind === 'latency' || kind === 'drop';
}

export async function startFault(env: FaultEnv, fault: Fault): Promise<StartedFault> {
  const { cluster } = env;
  const proxy = cluster.proxy;
  assert(!needsProxy(fault.kind) || proxy !== null, `a ${fault.kind} fault needs a cluster made with a proxy`);
  switch (fault.kind) {
    case 'latency':
      proxy!.setLatency(fault.latencyMs);
      return { members: [], end: async () => proxy!.setLatency(0) };
    case 'drop':
      proxy!.setDropRate(fault.rate);
      return { members: [], end: async () => proxy!.setDropRate(0) };
    default:
  }
  const { id, note } = resolve(env, fault.node);
  const started = (end: () => Promise<void> | void): StartedFault => ({ members: [id], ...(note === undefined ? {} : { note }), end: async () => end() });
  switch (fault.kind) {
    case 'partition':
      if (fault.shape === 'one-way') proxy!.oneWay(id, fault.direction);
      else if (fault.shape === 'bridge') proxy!.bridge(id);
      else proxy!.isolate(id);
      return started(() => proxy!.healCuts());
    case 'kill':
      await cluster.kill(id, 'SIGKILL');
      return started(() => void cluster.start(id));
    case 'pause':
      cluster.pause(id);
      return started(() => cluster.resume(id));
    case 'slow-disk':
      cluster.setSyncDelay(id, fault.syncDelayMs);
      return started(() => cluster.setSyncDelay(id, 0));
  }
}

function resolve(env: FaultEnv, target: Target): { id: number; note?: string } {
  const ids = env.cluster.configs.map((c) => c.id);
  if (typeof target === 'number') return { id: target };
  const leader = env.leader();
  if (leader === null) {
    const id = ids[env.prng.int(ids.length)];
    return { id, note: `no leader known: member ${id} drawn instead of the ${target}` };
  }
  if (target === 'leader') return { id: leader };
  const followers = ids.filter((id) => id !== leader);
  return { id: followers[env.prng.int(followers.length)] };
}
