// The search for a linearization of one partition: Wing and Gong's algorithm with Lowe's
// memoization, as Porcupine runs it. The call and return events sit in one doubly linked list
// in real-time order. From the head, the search tries each operation whose call comes before
// the first return still in the list: if the model accepts it and (operations linearized,
// state) is new, the operation is linearized and its two events are lifted out of the list.
// Reaching a return event means no pending operation fits: undo the last linearized one and
// try the next candidate after it. An empty list is a linearization; undoing with nothing
// linearized means there is none.
//
// The search is resumable: run(steps) does a bounded amount of work and keeps its place, so
// the caller can interleave partitions, watch the clock and stop at any time. Everything the
// loop touches is a typed array or a small integer; a step allocates nothing.
import { assert } from '../../raft/core/assert.ts';
import { stateKey, zobristKeys } from './hash.ts';
import type { Operation } from './history.ts';
import { Memo } from './memo.ts';
import type { Model, ModelState } from './model.ts';
import { illegalState, Transitions } from './transitions.ts';

export type SearchStatus = 'running' | 'linearizable' | 'not-linearizable';

/** The longest linearizable prefix the search found, and where it got stuck. */
export interface SearchFailure<S> {
  /** Operation indices, in linearization order. */
  prefix: number[];
  /** The state after the prefix. */
  state: S;
  /** The first operation to return that no extension of the prefix could place. */
  culprit: number;
}

export class PartitionSearch<I, O, S extends ModelState> {
  readonly operationCount: number;
  #status: SearchStatus = 'running';
  #steps = 0;
  readonly #transitions: Transitions<I, O, S>;
  #memo: Memo | null;
  /** Events: the call of operation i is 2i, its return 2i + 1; then the head and tail sentinels. */
  readonly #next: Int32Array;
  readonly #prev: Int32Array;
  /** Events in real-time order, for the report. */
  readonly #order: Int32Array;
  readonly #head: number;
  readonly #zobrist: Int32Array;
  /** The operations linearized so far, as a bitset, and its Zobrist hash. */
  readonly #linearized: Uint32Array;
  #hash = 0;
  #state: number;
  #depth = 0;
  readonly #stackOps: Int32Array;
  readonly #stackStates: Int32Array;
  /** The event the search looks at next. */
  #cursor: number;
  #bestDepth = 0;
  readonly #best: Int32Array;
  #bestState: number;

  constructor(model: Model<I, O, S>, ops: Operation<I, O>[]) {
    const n = ops.length;
    this.operationCount = n;
    this.#transitions = new Transitions(model, ops);
    this.#state = this.#transitions.intern(model.initial);
    this.#bestState = this.#state;
    const words = Math.max(1, Math.ceil(n / 32));
    this.#memo = new Memo(words);
    this.#linearized = new Uint32Array(words);
    this.#zobrist = zobristKeys(n);
    this.#stackOps = new Int32Array(n);
    this.#stackStates = new Int32Array(n);
    this.#best = new Int32Array(n);
    this.#order = eventOrder(ops);
    this.#head = 2 * n;
    this.#next = new Int32Array(2 * n + 2);
    this.#prev = new Int32Array(2 * n + 2);
    let last = this.#head;
    for (const event of this.#order) {
      this.#next[last] = event;
      this.#prev[event] = last;
      last = event;
    }
    this.#next[last] = this.#head + 1;
    this.#prev[this.#head + 1] = last;
    this.#cursor = this.#next[this.#head];
    if (n === 0) this.#finish('linearizable');
  }

  get status(): SearchStatus {
    return this.#status;
  }

  get steps(): number {
    return this.#steps;
  }

  /** Memory of the search's tables, bytes (an estimate for the states); 0 once the search is over. */
  get memoryBytes(): number {
    return this.#memo === null ? 0 : this.#memo.bytes + this.#transitions.bytes;
  }

  /**
   * Searches for at most `stepsMax` steps; returns the status after them. One long function on
   * purpose: it is the loop every step runs, with the search's fields copied into locals.
   */
  run(stepsMax: number): SearchStatus {
    const memo = this.#memo;
    if (this.#status !== 'running' || memo === null) return this.#status;
    const next = this.#next;
    const prev = this.#prev;
    const bits = this.#linearized;
    const zobrist = this.#zobrist;
    const transitions = this.#transitions;
    const stackOps = this.#stackOps;
    const stackStates = this.#stackStates;
    const head = this.#head;
    const tail = head + 1;
    let entry = this.#cursor;
    let state = this.#state;
    let hash = this.#hash;
    let depth = this.#depth;
    let steps = 0;
    let outcome: SearchStatus = 'running';
    while (steps < stepsMax) {
      steps++;
      if ((entry & 1) === 0) {
        // A call: try to linearize its operation here.
        const op = entry >> 1;
        const to = transitions.next(state, op);
        if (to !== illegalState) {
          const word = op >>> 5;
          const bit = 1 << (op & 31);
          bits[word] |= bit;
          const linearizedHash = hash ^ zobrist[op];
          if (memo.add(linearizedHash ^ stateKey(to), to, bits)) {
            stackOps[depth] = op;
            stackStates[depth] = state;
            depth++;
            hash = linearizedHash;
            state = to;
            const ret = entry | 1;
            next[prev[entry]] = next[entry];
            prev[next[entry]] = prev[entry];
            next[prev[ret]] = next[ret];
            prev[next[ret]] = prev[ret];
            if (depth > this.#bestDepth) this.#recordBest(depth, state);
            entry = next[head];
            if (entry === tail) {
              outcome = 'linearizable';
              break;
            }
            continue;
          }
          bits[word] &= ~bit;
        }
        entry = next[entry];
      } else {
        // A return: every pending operation has been tried; undo the last one linearized.
        if (depth === 0) {
          outcome = 'not-linearizable';
          break;
        }
        depth--;
        const op = stackOps[depth];
        state = stackStates[depth];
        hash ^= zobrist[op];
        bits[op >>> 5] &= ~(1 << (op & 31));
        const call = op << 1;
        const ret = call | 1;
        prev[next[ret]] = ret;
        next[prev[ret]] = ret;
        prev[next[call]] = call;
        next[prev[call]] = call;
        entry = next[call];
      }
    }
    this.#steps += steps;
    this.#cursor = entry;
    this.#state = state;
    this.#hash = hash;
    this.#depth = depth;
    if (outcome !== 'running') this.#finish(outcome);
    return this.#status;
  }

  #recordBest(depth: number, state: number): void {
    // The whole stack: below its top it may differ from the last best one, since the search
    // may have backtracked past it. A new best happens at most once per operation.
    this.#best.set(this.#stackOps.subarray(0, depth));
    this.#bestDepth = depth;
    this.#bestState = state;
  }

  /** Why the partition is not linearizable; only after run() returned 'not-linearizable'. */
  failure(): SearchFailure<S> {
    assert(this.#status === 'not-linearizable', `failure() of a search that is ${this.#status}`);
    const prefix = Array.from(this.#best.subarray(0, this.#bestDepth));
    const placed = new Set(prefix);
    let culprit = -1;
    for (const event of this.#order) {
      if ((event & 1) === 1 && !placed.has(event >> 1)) {
        culprit = event >> 1;
        break;
      }
    }
    assert(culprit >= 0, 'a failed search left an operation unplaced');
    return { prefix, state: this.#transitions.state(this.#bestState), culprit };
  }

  #finish(status: SearchStatus): void {
    this.#status = status;
    this.#memo = null; // the verdict is in; let the memory go
  }
}

/**
 * Call and return events in real-time order. At equal times calls come first, so operations
 * whose intervals touch are concurrent; indeterminate returns (at +infinity) come last.
 */
function eventOrder(ops: Operation<unknown, unknown>[]): Int32Array {
  const events = new Int32Array(ops.length * 2);
  for (let i = 0; i < events.length; i++) events[i] = i;
  const time = (event: number) => ((event & 1) === 0 ? ops[event >> 1].call : ops[event >> 1].return);
  return events.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
}
