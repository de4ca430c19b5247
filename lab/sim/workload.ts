// The client side of a run: a client that proposes at the member it believes leads (retrying
// elsewhere on refusal, branching on the error code only), load bursts, and the operator's
// membership cycle (add a spare as learner, promote it, remove it).

import { KeelError, type ConfChange, type ConfState, type Entry, type NodeId, type Prng } from '../../raft/core/index.ts';
import { decodeText, encodeText } from './digest.ts';
import type { NodeHost } from './node-host.ts';

/** What the workload needs from the simulator. */
export interface WorkloadEnv {
  readonly nowMs: number;
  host(id: NodeId): NodeHost | undefined;
  /** The member that leads with the highest term among those up, if any (the operator's view). */
  leader(): NodeHost | undefined;
  event(text: string): void;
}

export interface WorkloadOptions {
  /** Members the client may talk to, 1..n. */
  members: number;
  /** Probability in [0, 1] of one proposal per tick outside bursts. Default 0.5. */
  proposeChance: number;
  /** Bytes of each ordinary proposal (padded). Default 8. */
  bytes: number;
}

/** Keys the commands write: few, so values overwrite each other. */
const keysMax = 8;

export class Client {
  #env: WorkloadEnv;
  #prng: Prng;
  #options: WorkloadOptions;
  #target: NodeId = 1;
  #seq = 0;
  #bursts = new Map<number, { perTick: number; bytes: number }>();
  /** Commands with a sequence number from here on were proposed after the heal. */
  #healSeq = Number.POSITIVE_INFINITY;
  /** Set by a refusal other than not-leader: no more proposals until the next tick. */
  #backOff = false;
  accepted = 0;
  refused = 0;

  constructor(env: WorkloadEnv, prng: Prng, options: WorkloadOptions) {
    this.#env = env;
    this.#prng = prng;
    this.#options = options;
  }

  addBurst(id: number, perTick: number, bytes: number): void {
    this.#bursts.set(id, { perTick, bytes });
  }

  removeBurst(id: number): void {
    this.#bursts.delete(id);
  }

  markHeal(): void {
    this.#bursts.clear();
    this.#healSeq = this.#seq + 1;
  }

  get afterHeal(): boolean {
    return this.#healSeq !== Number.POSITIVE_INFINITY;
  }

  /** True when `entry` carries a command proposed after the heal. */
  isPostHeal(entry: Entry): boolean {
    if (entry.kind !== 'normal' || entry.data.length === 0 || !this.afterHeal) return false;
    const text = decodeText(entry.data);
    const seq = Number.parseInt(text.slice(text.indexOf('=') + 1), 10);
    return seq >= this.#healSeq;
  }

  onTick(): void {
    let ordinary = this.#prng.chance(this.#options.proposeChance) || this.afterHeal ? 1 : 0;
    this.#backOff = false;
    for (const burst of this.#bursts.values()) {
      for (let i = 0; i < burst.perTick && !this.#backOff; i++) this.#proposeOne(burst.bytes);
    }
    for (; ordinary > 0 && !this.#backOff; ordinary--) this.#proposeOne(this.#options.bytes);
  }

  /** One command; after a not-leader refusal it tries once more where the refusal points. */
  #proposeOne(bytes: number): void {
    this.#seq += 1;
    const data = encodeText(padCommand(`k${this.#seq % keysMax}=${this.#seq}`, bytes));
    for (let attempt = 0; attempt < 2 && !this.#backOff; attempt++) {
      if (this.#tryAt(this.#target, data)) return;
    }
  }

  #tryAt(id: NodeId, data: Uint8Array): boolean {
    const host = this.#env.host(id);
    if (host === undefined || !host.up) {
      this.#target = this.#otherMember(id);
      return false;
    }
    try {
      const at = host.propose(data);
      this.accepted += 1;
      this.#env.event(`n${id} accepts seq ${this.#seq} at ${at.index}@${at.term}`);
      return true;
    } catch (error) {
      if (!(error instanceof KeelError)) throw error;
      this.refused += 1;
      this.#onRefusal(id, error);
      return false;
    }
  }

  #onRefusal(id: NodeId, error: KeelError): void {
    const hint = (error as { leaderHint?: number }).leaderHint ?? 0;
    if (error.code === 'KEEL_NOT_LEADER') this.#target = hint > 0 && hint !== id ? hint : this.#otherMember(id);
    else {
      this.#backOff = true;
      this.#env.event(`n${id} refuses seq ${this.#seq}: ${error.code}; retry next tick`);
    }
  }

  #otherMember(id: NodeId): NodeId {
    const n = this.#options.members;
    return ((id + this.#prng.int(n - 1)) % n) + 1;
  }
}

function padCommand(command: string, bytes: number): string {
  return command.length >= bytes ? command : command + '.'.repeat(bytes - command.length);
}

type CyclePhase = 'idle' | 'add-learner' | 'add-voter' | 'remove' | 'done';
const nextPhase: Record<CyclePhase, CyclePhase> = {
  idle: 'add-learner', 'add-learner': 'add-voter', 'add-voter': 'remove', remove: 'done', done: 'done',
};

/** Re-proposes a membership change that has not taken effect after this long. */
const confRetryMs = 200;

/** The operator: walks the spare member through learner, voter, removed, one change at a time. */
export class MemberCycle {
  #env: WorkloadEnv;
  #spare: NodeId;
  #phase: CyclePhase = 'idle';
  #lastProposeMs = Number.NEGATIVE_INFINITY;

  constructor(env: WorkloadEnv, spare: NodeId) {
    this.#env = env;
    this.#spare = spare;
  }

  start(): void {
    if (this.#phase === 'idle') this.#phase = 'add-learner';
  }

  get phase(): CyclePhase {
    return this.#phase;
  }

  onTick(): void {
    if (this.#phase === 'idle' || this.#phase === 'done') return;
    const leader = this.#env.leader();
    if (leader === undefined) return;
    if (this.#reached(leader.status().conf)) {
      this.#phase = nextPhase[this.#phase];
      this.#lastProposeMs = Number.NEGATIVE_INFINITY;
      this.#env.event(`member cycle: n${this.#spare} ${this.#phase === 'done' ? 'cycle done' : `next: ${this.#phase}`}`);
      return;
    }
    if (this.#env.nowMs - this.#lastProposeMs < confRetryMs) return;
    this.#lastProposeMs = this.#env.nowMs;
    this.#propose(leader);
  }

  #reached(conf: ConfState): boolean {
    const voter = conf.voters.includes(this.#spare);
    const learner = conf.learners.includes(this.#spare);
    if (this.#phase === 'add-learner') return learner || voter;
    if (this.#phase === 'add-voter') return voter;
    return !voter && !learner;
  }

  #propose(leader: NodeHost): void {
    const change = { type: this.#phase, node: this.#spare } as ConfChange;
    try {
      const at = leader.proposeConfChange(change);
      this.#env.event(`n${leader.id} accepts ${change.type} n${this.#spare} at ${at.index}@${at.term}`);
    } catch (error) {
      if (!(error instanceof KeelError)) throw error;
      this.#env.event(`n${leader.id} refuses ${change.type} n${this.#spare}: ${error.code}`);
    }
  }
}
