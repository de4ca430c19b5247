// Checks a history against a model: splits it into partitions (one per key, when the model
// has keys), searches them and combines the verdicts. The searches are interleaved, a slice of
// steps each in turn, rather than run one after another: one partition can be astronomically
// hard while another fails in a millisecond (the corpus's kv/c50-bad.txt has both), and the
// first violation found ends the whole check. Slices are counted in steps, not time, so short
// of a time limit a check's verdict and its report are the same on every run and machine.
import { HistoryError } from './errors.ts';
import { isIndeterminate, type History, type Operation } from './history.ts';
import type { Model, ModelState } from './model.ts';
import { PartitionSearch } from './search.ts';

export type Verdict = 'linearizable' | 'not-linearizable' | 'unknown';

/** Why a verdict is `unknown`. */
export type UnknownReason = 'timeout' | 'aborted' | 'memory';

export interface CheckOptions {
  /** Give up after this long, ms; the verdict is then `unknown`. Default 60000. */
  timeoutMs?: number;
  /** Looked at between slices; once `aborted` is true the verdict is `unknown`. An AbortSignal will do. */
  signal?: { readonly aborted: boolean };
  /**
   * Memory of all partitions' searches together (memo tables, states met, transitions), bytes,
   * as estimated by the checker; beyond it the verdict is `unknown`. Default 2 GiB.
   */
  memoryBytesMax?: number;
}

export const timeoutMsDefault = 60_000;
export const memoryBytesMaxDefault = 2 * 1024 ** 3;
/** Search steps a partition takes before the next one's turn; the clock is read after each slice. */
export const sliceSteps = 1 << 14;
/** checkAsync's work between two yields to the event loop, ms. */
export const asyncSliceMs = 20;

export interface PartitionReport {
  /** The partition's key; '' for a model without keys. */
  key: string;
  operations: number;
  /** Operations with an unknown outcome (return at +infinity). */
  indeterminate: number;
  /** `unknown` for a partition the check stopped before it finished. */
  verdict: Verdict;
  /** Search steps spent on it. */
  steps: number;
}

export interface Violation<I, O> {
  key: string;
  /** The longest linearizable prefix found, in linearization order. */
  prefix: Operation<I, O>[];
  /** The state after that prefix, as the model describes it. */
  state: string;
  /** The first operation to return that no extension of the prefix could place. */
  culprit: Operation<I, O>;
}

export interface CheckResult<I, O> {
  verdict: Verdict;
  /** Set when the verdict is `unknown`. */
  reason: UnknownReason | null;
  /** In key order. */
  partitions: PartitionReport[];
  /** Set when the verdict is `not-linearizable`. */
  violation: Violation<I, O> | null;
  steps: number;
  elapsedMs: number;
}

interface Partition<I, O, S extends ModelState> {
  key: string;
  ops: Operation<I, O>[];
  search: PartitionSearch<I, O, S>;
}

/** A check in progress: what check() and checkAsync() drive. */
export class Check<I, O, S extends ModelState> {
  readonly #model: Model<I, O, S>;
  readonly #partitions: Partition<I, O, S>[];
  readonly #options: Required<Omit<CheckOptions, 'signal'>> & Pick<CheckOptions, 'signal'>;
  readonly #startMs = performance.now();
  /** The partitions still searching, and whose turn it is. */
  #running: Partition<I, O, S>[];
  #turnIndex = 0;
  #result: CheckResult<I, O> | null = null;

  constructor(model: Model<I, O, S>, history: History<I, O>, options: CheckOptions = {}) {
    this.#model = model;
    this.#options = { timeoutMs: options.timeoutMs ?? timeoutMsDefault, memoryBytesMax: options.memoryBytesMax ?? memoryBytesMaxDefault, signal: options.signal };
    this.#partitions = partition(model, history).map(([key, ops]) => ({ key, ops, search: new PartitionSearch(model, ops) }));
    this.#running = this.#partitions.filter((p) => p.search.status === 'running');
    if (this.#running.length === 0) this.#finish(null, null);
  }

  /** Works until the check is over or until `untilMs` (performance.now()); returns the result when over. */
  runUntil(untilMs: number): CheckResult<I, O> | null {
    while (this.#result === null && performance.now() < untilMs) this.#turn();
    return this.#result;
  }

  /**
   * One slice of the next partition in turn, then the limits: time and abort after every slice,
   * memory once per round (it is a sum over the partitions, and it grows slowly).
   */
  #turn(): void {
    const p = this.#running[this.#turnIndex];
    const status = p.search.run(sliceSteps);
    if (status === 'not-linearizable') return this.#finish(null, p);
    if (status === 'linearizable') this.#running.splice(this.#turnIndex, 1);
    else this.#turnIndex++;
    if (this.#running.length === 0) return this.#finish(null, null);
    if (this.#options.signal?.aborted) return this.#finish('aborted', null);
    if (performance.now() - this.#startMs >= this.#options.timeoutMs) return this.#finish('timeout', null);
    if (this.#turnIndex < this.#running.length) return;
    this.#turnIndex = 0;
    const bytes = this.#running.reduce((sum, q) => sum + q.search.memoryBytes, 0);
    if (bytes > this.#options.memoryBytesMax) this.#finish('memory', null);
  }

  #finish(reason: UnknownReason | null, failed: Partition<I, O, S> | null): void {
    const verdict: Verdict = failed !== null ? 'not-linearizable' : reason !== null ? 'unknown' : 'linearizable';
    this.#result = {
      verdict,
      reason: failed === null ? reason : null,
      partitions: this.#partitions.map((p) => report(p)),
      violation: failed === null ? null : this.#violation(failed),
      steps: this.#partitions.reduce((sum, p) => sum + p.search.steps, 0),
      elapsedMs: performance.now() - this.#startMs,
    };
    this.#running = [];
  }

  #violation(p: Partition<I, O, S>): Violation<I, O> {
    const failure = p.search.failure();
    return {
      key: p.key,
      prefix: failure.prefix.map((i) => p.ops[i]),
      state: this.#model.describeState(failure.state),
      culprit: p.ops[failure.culprit],
    };
  }
}

/** Checks a history in one synchronous run, within options.timeoutMs. */
export function check<I, O, S extends ModelState>(model: Model<I, O, S>, history: History<I, O>, options: CheckOptions = {}): CheckResult<I, O> {
  const result = new Check(model, history, options).runUntil(Infinity);
  return result!;
}

/**
 * Checks a history in slices of about asyncSliceMs, yielding to the event loop between them,
 * so that an AbortSignal (or anything else on the event loop) can stop it.
 */
export async function checkAsync<I, O, S extends ModelState>(model: Model<I, O, S>, history: History<I, O>, options: CheckOptions = {}): Promise<CheckResult<I, O>> {
  const running = new Check(model, history, options);
  for (;;) {
    const result = running.runUntil(performance.now() + asyncSliceMs);
    if (result !== null) return result;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The history split by the model's partition key, in key order; each operation checked for sense. */
export function partition<I, O>(model: Model<I, O, ModelState>, history: History<I, O>): [string, Operation<I, O>[]][] {
  const byKey = new Map<string, Operation<I, O>[]>();
  for (const op of history) {
    validate(op);
    const key = model.partitionKey?.(op.input) ?? '';
    let ops = byKey.get(key);
    if (ops === undefined) byKey.set(key, (ops = []));
    ops.push(op);
  }
  return [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function validate(op: Operation<unknown, unknown>): void {
  const where = op.line > 0 ? op.line : null;
  if (!Number.isFinite(op.call)) throw new HistoryError(`an operation's call time must be a finite number, got ${op.call}`, where);
  if (Number.isNaN(op.return) || op.return < op.call) throw new HistoryError(`an operation returns (${op.return}) before it is called (${op.call})`, where);
  if (op.return === Infinity && op.output !== undefined) throw new HistoryError('an indeterminate operation (return at +infinity) cannot have an output', where);
}

function report(p: Partition<unknown, unknown, ModelState>): PartitionReport {
  const status = p.search.status;
  return {
    key: p.key,
    operations: p.ops.length,
    indeterminate: p.ops.filter(isIndeterminate).length,
    verdict: status === 'running' ? 'unknown' : status,
    steps: p.search.steps,
  };
}
