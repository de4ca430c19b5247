// A history as the checker sees it: operations with a real-time interval, an input and an
// output. Where a history comes from (a Jepsen log, a recorder) is the business of formats/.

/**
 * One operation of one client. Operation A precedes B in real time when A returned before B was
 * called (`A.return < B.call`); otherwise they are concurrent, ties included, so an operation
 * that returns at the instant another is called may still be linearized after it.
 */
export interface Operation<I, O> {
  /** The client that ran it: one operation at a time per process. Only reports use it. */
  process: number | string;
  /** When it was called, on one clock shared by the whole history (any unit). */
  call: number;
  /**
   * When it returned, or `Infinity` when nobody knows whether it took effect (a timeout, a
   * crashed client: Jepsen's `:info`). Such an operation may be linearized anywhere after its
   * call, including after everything else, which is how "it never happened" is expressed.
   */
  return: number;
  input: I;
  /** What it returned; `undefined` when unknown, and then the model accepts any output. */
  output: O | undefined;
  /** The line of its call in the file it was read from, for reports; 0 when it has none. */
  line: number;
}

export type History<I, O> = Operation<I, O>[];

export function isIndeterminate(op: Operation<unknown, unknown>): boolean {
  return op.return === Infinity;
}
