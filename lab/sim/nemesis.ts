// Runs a fault schedule against the simulated cluster: starts each fault at its time, ends it
// after its duration, and arms the crash triggers that fire from inside a member's Ready loop.

import { KeelError, type NodeId, type Prng, type Ready } from '../../raft/core/index.ts';
import { cleanConditions, type Network } from './network.ts';
import type { NodeHost } from './node-host.ts';
import { describeFault, type CrashPoint, type Fault, type FaultSchedule, type NodeRef } from './faults.ts';
import type { Client, MemberCycle } from './workload.ts';

/** What the nemesis needs from the simulator. */
export interface NemesisEnv {
  readonly nowMs: number;
  readonly network: Network;
  readonly client: Client;
  readonly memberCycle: MemberCycle;
  /** Voting members at the start, 1..n. */
  readonly members: number;
  host(id: NodeId): NodeHost | undefined;
  leader(): NodeHost | undefined;
  crash(host: NodeHost, why: string, downMs: number): void;
  restartAllDown(): void;
  event(text: string): void;
}

interface Trigger {
  kind: 'crash-next-leader' | 'crash-leader-on-commit';
  point: CrashPoint;
  untilMs: number;
  downMs: number;
  restartOthers: boolean;
}

export interface FiredTrigger {
  point: CrashPoint;
  downMs: number;
  restartOthers: boolean;
}

export class Nemesis {
  #env: NemesisEnv;
  #prng: Prng;
  #schedule: FaultSchedule;
  #next = 0;
  #endings = new Map<number, (() => void)[]>();
  #triggers: Trigger[] = [];
  #fired: FiredTrigger | null = null;

  constructor(env: NemesisEnv, prng: Prng, schedule: FaultSchedule) {
    this.#env = env;
    this.#prng = prng;
    this.#schedule = [...schedule].sort((a, b) => a.at - b.at);
  }

  /** Ends the faults due now, then starts the faults scheduled now. */
  onStep(nowMs: number): void {
    const endings = this.#endings.get(nowMs);
    if (endings !== undefined) {
      this.#endings.delete(nowMs);
      for (const end of endings) end();
    }
    while (this.#next < this.#schedule.length && this.#schedule[this.#next].at <= nowMs) {
      const id = this.#next;
      this.#next += 1;
      this.#start(id, this.#schedule[id]);
    }
  }

  /** Every fault is over: clean network, no triggers (crashed members are restarted by the caller). */
  heal(): void {
    this.#env.network.heal();
    this.#triggers = [];
    this.#endings.clear();
    this.#next = this.#schedule.length;
  }

  /** Checks the armed triggers against a Ready `host` is about to handle; the first that fires is spent. */
  crashPointFor(host: NodeHost, ready: Ready, leaderTerm: number): CrashPoint | null {
    const nowMs = this.#env.nowMs;
    this.#triggers = this.#triggers.filter((trigger) => trigger.untilMs >= nowMs);
    const index = this.#triggers.findIndex((trigger) => fires(trigger, host, ready, leaderTerm));
    if (index < 0) return null;
    const [trigger] = this.#triggers.splice(index, 1);
    this.#fired = { point: trigger.point, downMs: trigger.downMs, restartOthers: trigger.restartOthers };
    this.#env.event(`trigger ${trigger.kind} fires at n${host.id} (${trigger.point})`);
    return trigger.point;
  }

  /** The trigger that fired last, once. */
  takeFired(): FiredTrigger | null {
    const fired = this.#fired;
    this.#fired = null;
    return fired;
  }

  #at(durationMs: number, end: () => void): void {
    const at = this.#env.nowMs + Math.max(1, durationMs);
    const list = this.#endings.get(at);
    if (list === undefined) this.#endings.set(at, [end]);
    else list.push(end);
  }

  #resolve(ref: NodeRef): NodeHost | undefined {
    return ref === 'leader' ? this.#env.leader() : this.#env.host(ref);
  }

  #start(id: number, fault: Fault): void {
    const note = this.#apply(id, fault);
    this.#env.event(`fault ${describeFault(fault)}${note === '' ? '' : ` (${note})`}`);
  }

  /** Starts one fault; returns a note for the trace (what it resolved to, or why it did nothing). */
  #apply(id: number, fault: Fault): string {
    switch (fault.kind) {
      case 'crash':
        return this.#crash(fault.node, fault.downMs);
      case 'split':
        return this.#split(id, fault.side, fault.durationMs);
      case 'one-way':
        return this.#oneWay(id, fault.node, fault.direction, fault.durationMs);
      case 'minority-leader':
        return this.#minorityLeader(id, fault.durationMs);
      case 'bridge':
        return this.#bridge(id, fault.bridge, fault.durationMs);
      case 'lossy':
        return this.#lossy(id, fault);
      case 'burst':
        this.#env.client.addBurst(id, fault.perTick, fault.bytes);
        this.#at(fault.durationMs, () => this.#env.client.removeBurst(id));
        return '';
      case 'transfer':
        return this.#transfer(fault.to);
      case 'campaign':
        return this.#withHost(fault.node, (host) => host.campaign());
      case 'snapshot':
        return this.#withHost(fault.node, (host) => host.snapshotNow(0));
      case 'crash-next-leader':
        return this.#arm({ kind: fault.kind, point: fault.point, untilMs: fault.at + fault.windowMs, downMs: fault.downMs, restartOthers: false });
      case 'crash-leader-on-commit':
        return this.#arm({ kind: fault.kind, point: fault.point, untilMs: fault.at + fault.windowMs, downMs: fault.downMs, restartOthers: fault.restartOthers });
      case 'member-cycle':
        this.#env.memberCycle.start();
        return '';
    }
  }

  #withHost(ref: NodeRef, act: (host: NodeHost) => void): string {
    const host = this.#resolve(ref);
    if (host === undefined || !host.up) return 'skipped: not up';
    act(host);
    return `n${host.id}`;
  }

  #crash(ref: NodeRef, downMs: number): string {
    const host = this.#resolve(ref);
    if (host === undefined || !host.up) return 'skipped: not up';
    this.#env.crash(host, 'fault', downMs);
    return `n${host.id}`;
  }

  #partition(id: number, durationMs: number, blocks: (from: NodeId, to: NodeId) => boolean): void {
    this.#env.network.addFilter(id, blocks);
    this.#at(durationMs, () => this.#env.network.removeFilter(id));
  }

  #split(id: number, side: number[], durationMs: number): string {
    const inside = new Set(side);
    this.#partition(id, durationMs, (from, to) => inside.has(from) !== inside.has(to));
    return `{${side.join(',')}} | rest`;
  }

  #oneWay(id: number, ref: NodeRef, direction: 'in' | 'out', durationMs: number): string {
    const host = this.#resolve(ref);
    if (host === undefined) return 'skipped: no such member';
    const node = host.id;
    this.#partition(id, durationMs, direction === 'out' ? (from) => from === node : (_from, to) => to === node);
    return `n${node} ${direction === 'out' ? 'cannot send' : 'cannot receive'}`;
  }

  #minorityLeader(id: number, durationMs: number): string {
    const leader = this.#env.leader();
    if (leader === undefined) return 'skipped: no leader';
    const others = this.#members().filter((member) => member !== leader.id);
    this.#shuffle(others);
    const side = [leader.id, ...others.slice(0, Math.floor((this.#env.members - 1) / 2) - 1)].sort((a, b) => a - b);
    return this.#split(id, side, durationMs);
  }

  #bridge(id: number, bridge: NodeId, durationMs: number): string {
    const others = this.#members().filter((member) => member !== bridge);
    const half = new Set(others.slice(0, Math.floor(others.length / 2)));
    const isOther = (node: NodeId): boolean => node !== bridge && node <= this.#env.members;
    this.#partition(id, durationMs, (from, to) => isOther(from) && isOther(to) && half.has(from) !== half.has(to));
    return `{${[...half].join(',')}} | {${others.filter((member) => !half.has(member)).join(',')}} bridged by n${bridge}`;
  }

  #lossy(id: number, fault: Extract<Fault, { kind: 'lossy' }>): string {
    const network = this.#env.network;
    network.setConditions(id, {
      ...cleanConditions,
      dropP: fault.dropPercent / 100,
      dupP: fault.dupPercent / 100,
      delayMaxMs: Math.max(cleanConditions.delayMinMs, fault.delayMaxMs),
    });
    this.#at(fault.durationMs, () => network.clearConditions(id));
    return '';
  }

  #transfer(to: NodeId): string {
    const leader = this.#env.leader();
    if (leader === undefined) return 'skipped: no leader';
    try {
      leader.transferLeadership(to);
      return `n${leader.id} -> n${to}`;
    } catch (error) {
      if (!(error instanceof KeelError)) throw error;
      return `n${leader.id} refuses: ${error.code}`;
    }
  }

  #arm(trigger: Trigger): string {
    this.#triggers.push(trigger);
    return 'armed';
  }

  #members(): NodeId[] {
    return Array.from({ length: this.#env.members }, (_, i) => i + 1);
  }

  #shuffle(ids: NodeId[]): void {
    for (let i = ids.length - 1; i > 0; i--) {
      const j = this.#prng.int(i + 1);
      [ids[i], ids[j]] = [ids[j], ids[i]];
    }
  }
}

function fires(trigger: Trigger, host: NodeHost, ready: Ready, leaderTerm: number): boolean {
  if (trigger.kind === 'crash-next-leader') return ready.softState?.role === 'leader' && host.role !== 'leader';
  return leaderTerm > 0 && ready.hardState !== null && ready.hardState.commit > host.disk.hardState.commit;
}
