// The kv clients of a run: several logical clients, each running one keel operation at a time
// (closed loop) on a handful of keys, and a record of every operation with its call and return
// in virtual time, which the run checks for linearizability at its end (linearizability.ts).
// A client sends writes to the member it believes leads and follows KEEL_NOT_LEADER's hint;
// reads go there too, or to any member (the ReadIndex follower path).

import type { NodeId, Prng } from '../../raft/core/index.ts';
import { keelModel, type KeelInput } from '../lincheck/index.ts';
import type { NodeHost } from './node-host.ts';
import { KvService, type Outcome, type Request } from './kv-service.ts';

export interface KvClientsEnv {
  readonly nowMs: number;
  host(id: NodeId): NodeHost | undefined;
  event(text: string): void;
}

export interface KvClientsOptions {
  /** Logical clients, each with one operation in flight at most. */
  clients: number;
  /** Members the clients may talk to, 1..n. */
  members: number;
  /** Keys the operations touch. */
  keys: number;
  /** A client gives up on an operation after this long, ms; its outcome is then unknown. */
  timeoutMs: number;
  /** See KvServiceOptions. */
  unsafeFollowerLocalReads: boolean;
  unsafeReadsBeforeApply: boolean;
}

/** One operation as a client saw it. */
export interface ClientOp {
  client: number;
  request: Request;
  /** The member it went to. */
  member: NodeId;
  callMs: number;
  /** When the answer came; Infinity for an indeterminate outcome, NaN while in flight. */
  returnMs: number;
  /**
   * The call's and the answer's places among all the clients' calls and answers: finer than
   * the ms, since many happen within one step in a known order. The history checked uses these.
   */
  callAt: number;
  returnAt: number;
  outcome: Outcome | null;
}

/** A client waits up to this long before its next operation, ms (drawn in [1, thinkMsMax]). */
const thinkMsMax = 20;
/** Share of reads sent to a member drawn at random rather than to the believed leader. */
const anyMemberReadShare = 0.5;

interface ClientState {
  id: number;
  target: NodeId;
  seq: number;
  nextMs: number;
  current: ClientOp | null;
}

export class KvClients {
  /** Every operation called so far, in call order. */
  readonly ops: ClientOp[] = [];
  #env: KvClientsEnv;
  #prng: Prng;
  #options: KvClientsOptions;
  #service: KvService;
  #clients: ClientState[];
  /** The last value a client saw per key, what a cas expects most of the time. */
  #seen = new Map<string, string | null>();
  /** Calls and answers so far (ClientOp.callAt, returnAt). */
  #events = 0;

  constructor(env: KvClientsEnv, prng: Prng, options: KvClientsOptions) {
    this.#env = env;
    this.#prng = prng;
    this.#options = options;
    this.#service = new KvService((request, outcome) => this.#onAnswer(request, outcome), options);
    this.#clients = Array.from({ length: options.clients }, (_, i) => ({
      id: i + 1, target: 1 + prng.int(options.members), seq: 0, nextMs: 1 + prng.int(thinkMsMax), current: null,
    }));
  }

  get service(): KvService {
    return this.#service;
  }

  /** Broken connections first, then time-outs, then each idle client whose think time is over calls. */
  onStep(nowMs: number): void {
    this.#service.noticeCrashes();
    for (const client of this.#clients) {
      const op = client.current;
      if (op !== null && nowMs - op.callMs >= this.#options.timeoutMs) {
        this.#service.abandon(op.request);
        this.#end(client, op, { kind: 'indeterminate', why: `no answer in ${this.#options.timeoutMs} ms` });
      }
    }
    for (const client of this.#clients) {
      if (client.current === null && nowMs >= client.nextMs) this.#call(client, nowMs);
    }
  }

  /** The run is over: operations still in flight end with an unknown outcome. */
  finish(): ClientOp[] {
    for (const client of this.#clients) {
      const op = client.current;
      if (op === null) continue;
      this.#service.abandon(op.request);
      this.#end(client, op, { kind: 'indeterminate', why: 'the run ended' });
    }
    return this.ops;
  }

  #call(client: ClientState, nowMs: number): void {
    client.seq += 1;
    const id = `c${client.id}.${client.seq}`;
    const input = this.#nextInput(id);
    const member = input.op === 'get' && this.#prng.chance(anyMemberReadShare) ? 1 + this.#prng.int(this.#options.members) : client.target;
    const op: ClientOp = {
      client: client.id, request: { id, input }, member, callMs: nowMs, returnMs: Number.NaN, callAt: ++this.#events, returnAt: Number.NaN, outcome: null,
    };
    this.ops.push(op);
    client.current = op;
    this.#env.event(`${id} -> n${member}: ${keelModel.describeOperation(input, undefined).replace(/ -> \?$/, '')}`);
    const outcome = this.#service.submit(this.#env.host(member), op.request);
    if (outcome !== null && client.current === op) this.#end(client, op, outcome);
  }

  /** A key, an operation, and for a write a value no other operation writes (its id). */
  #nextInput(id: string): KeelInput {
    const key = `x${this.#prng.int(this.#options.keys)}`;
    const draw = this.#prng.float();
    if (draw < 0.4) return { op: 'get', key };
    if (draw < 0.65) return { op: 'put', key, value: id };
    if (draw < 0.75) return { op: 'delete', key };
    const expected = this.#prng.chance(0.8) ? (this.#seen.get(key) ?? null) : null;
    return { op: 'cas', key, expected, value: id };
  }

  #onAnswer(request: Request, outcome: Outcome): void {
    const client = this.#clients.find((c) => c.current?.request === request);
    if (client !== undefined && client.current !== null) this.#end(client, client.current, outcome);
  }

  #end(client: ClientState, op: ClientOp, outcome: Outcome): void {
    const nowMs = this.#env.nowMs;
    op.outcome = outcome;
    op.returnMs = outcome.kind === 'indeterminate' ? Infinity : nowMs;
    op.returnAt = outcome.kind === 'indeterminate' ? Infinity : ++this.#events;
    client.current = null;
    client.nextMs = nowMs + 1 + this.#prng.int(thinkMsMax);
    if (outcome.kind === 'ok') this.#noteSeen(op.request.input, outcome.output);
    if (op.member === client.target) client.target = this.#nextTarget(client.target, outcome);
    this.#env.event(`${op.request.id} <- n${op.member}: ${describeOutcome(op.request.input, outcome)}`);
  }

  #noteSeen(input: KeelInput, output: { value?: string | null; succeeded?: boolean; current?: string | null }): void {
    if (input.op === 'get') this.#seen.set(input.key, output.value ?? null);
    else if (input.op === 'put') this.#seen.set(input.key, input.value);
    else if (input.op === 'delete') this.#seen.set(input.key, null);
    else this.#seen.set(input.key, output.succeeded === true ? input.value : (output.current ?? null));
  }

  /** Where the client sends its next operation: the same member after success, the leader hint, or another member. */
  #nextTarget(target: NodeId, outcome: Outcome): NodeId {
    if (outcome.kind === 'ok') return target;
    if (outcome.kind === 'fail' && outcome.leaderHint > 0 && outcome.leaderHint !== target) return outcome.leaderHint;
    const n = this.#options.members;
    return ((target + this.#prng.int(n - 1)) % n) + 1;
  }
}

function describeOutcome(input: KeelInput, outcome: Outcome): string {
  if (outcome.kind === 'ok') return `ok ${keelModel.describeOperation(input, outcome.output)}`;
  return `${outcome.kind === 'fail' ? 'failed' : 'indeterminate'}: ${outcome.why}`;
}
