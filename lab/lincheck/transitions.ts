// The states one partition's search meets, interned to small integers, and the transitions
// between them, each computed by the model once. The Jepsen register histories have a handful
// of states and hundreds of thousands of search steps, so after the first steps the model is
// no longer called at all: a step is a table lookup.
//
// The first states get a dense row each (a transition is one array read); the states after them
// go to a sparse table (an open-addressing hash of (state, operation) pairs): a kv history meets
// tens of thousands of states and tries only a few operations in most of them, so rows for all
// of them would be mostly empty memory.
import type { Operation } from './history.ts';
import { illegal, type Model, type ModelState } from './model.ts';

/** A transition's result when the operation cannot have returned its output in that state. */
export const illegalState = -1;

/**
 * Transitions remembered per partition, at most (24 bytes each with the table's slack); beyond
 * it they are computed again when asked. A register history needs a few hundred; a kv history
 * would fill any bound with transitions it rarely asks for twice, so the bound is kept small.
 */
export const transitionsMax = 1 << 16;

/** Cells of the dense rows (4 bytes each): every state of a register history fits. */
export const denseCellsMax = 1 << 14;
/** A dense cell holds `to + 2`, so that zeroed memory means "not computed". */
const denseOffset = 2;
/**
 * What a state costs besides its own characters, bytes, roughly: its slot in the states array
 * and its entry in the interning map. A kv history's states are long strings that outweigh the
 * memo table, so the memory limit must see them.
 */
const stateBytesOverhead = 48;
/** Dense rows allocated up front; more as states appear, so a small history allocates little. */
const denseRowsInitial = 8;
const slotsInitial = 1 << 10;
const emptySlot = -1;

export class Transitions<I, O, S extends ModelState> {
  readonly #model: Model<I, O, S>;
  readonly #ops: Operation<I, O>[];
  readonly #states: S[] = [];
  readonly #ids = new Map<S, number>();
  /** States below this id have a dense row. */
  readonly #denseStates: number;
  #dense: Int32Array;
  /** Per slot: the state and the operation of a transition (emptySlot when free), and its result. Allocated at first use. */
  #from = new Int32Array(0);
  #op = new Int32Array(0);
  #to = new Int32Array(0);
  #mask = -1;
  #count = 0;
  #stateBytes = 0;

  constructor(model: Model<I, O, S>, ops: Operation<I, O>[]) {
    this.#model = model;
    this.#ops = ops;
    this.#denseStates = Math.floor(denseCellsMax / Math.max(1, ops.length));
    this.#dense = new Int32Array(Math.min(this.#denseStates, denseRowsInitial) * ops.length);
  }

  /** Memory held, bytes; the states' share is an estimate. */
  get bytes(): number {
    return this.#stateBytes + this.#dense.byteLength + this.#from.byteLength + this.#op.byteLength + this.#to.byteLength;
  }

  state(id: number): S {
    return this.#states[id];
  }

  intern(state: S): number {
    let id = this.#ids.get(state);
    if (id === undefined) {
      id = this.#states.length;
      this.#states.push(state);
      this.#ids.set(state, id);
      this.#stateBytes += stateBytesOverhead + (typeof state === 'string' ? state.length : 0);
      if (id < this.#denseStates && (id + 1) * this.#ops.length > this.#dense.length) this.#growDense();
    }
    return id;
  }

  /** The state after operation `op` in state `from`, or `illegalState`. */
  next(from: number, op: number): number {
    if (from < this.#denseStates) {
      const cell = from * this.#ops.length + op;
      const known = this.#dense[cell];
      if (known !== 0) return known - denseOffset;
      const to = this.#compute(from, op);
      this.#dense[cell] = to + denseOffset;
      return to;
    }
    if (this.#mask < 0) this.#resizeSparse(slotsInitial);
    const fromSlots = this.#from;
    const mask = this.#mask;
    let i = slotOf(from, op) & mask;
    for (let f = fromSlots[i]; f !== emptySlot; f = fromSlots[i]) {
      if (f === from && this.#op[i] === op) return this.#to[i];
      i = (i + 1) & mask;
    }
    const to = this.#compute(from, op);
    if (this.#count < transitionsMax) this.#remember(i, from, op, to);
    return to;
  }

  #compute(from: number, op: number): number {
    const operation = this.#ops[op];
    const after = this.#model.step(this.#states[from], operation.input, operation.output);
    return after === illegal ? illegalState : this.intern(after);
  }

  /** Stores a transition in the free slot `i` that next() ended its probe on. */
  #remember(i: number, from: number, op: number, to: number): void {
    this.#from[i] = from;
    this.#op[i] = op;
    this.#to[i] = to;
    this.#count++;
    if (this.#count * 2 > this.#from.length) this.#resizeSparse(this.#from.length * 2);
  }

  #growDense(): void {
    const dense = new Int32Array(Math.min(this.#denseStates * this.#ops.length, this.#dense.length * 2));
    dense.set(this.#dense);
    this.#dense = dense;
  }

  #resizeSparse(size: number): void {
    const from = this.#from;
    const op = this.#op;
    const to = this.#to;
    this.#from = new Int32Array(size).fill(emptySlot);
    this.#op = new Int32Array(size);
    this.#to = new Int32Array(size);
    this.#mask = size - 1;
    for (let j = 0; j < from.length; j++) {
      if (from[j] === emptySlot) continue;
      let i = slotOf(from[j], op[j]) & this.#mask;
      while (this.#from[i] !== emptySlot) i = (i + 1) & this.#mask;
      this.#from[i] = from[j];
      this.#op[i] = op[j];
      this.#to[i] = to[j];
    }
  }
}

/** A (state, operation) pair's home slot before masking: multiplicative hashing, then a shift to mix the high bits down. */
function slotOf(from: number, op: number): number {
  const h = Math.imul(from, 0x9e37_79b1) ^ Math.imul(op, 0x85eb_ca6b);
  return h ^ (h >>> 15);
}
