// What the checker needs to know about an object: its initial state, how an operation changes
// it, and how a history splits into independent objects (P-compositionality: a history is
// linearizable if and only if each object's sub-history is, so each is searched on its own).

/**
 * A model's state is a primitive so the checker can intern it: equal states become one small
 * integer, compared and hashed in O(1) in the search loop, and a transition is computed once per
 * (state, operation) pair. A model of a richer object encodes its state, e.g. as a string.
 */
export type ModelState = string | number | boolean | null;

/** What `step` returns for an operation whose output is impossible in the state given. */
export const illegal: unique symbol = Symbol('illegal');
export type Illegal = typeof illegal;

export interface Model<I, O, S extends ModelState> {
  readonly name: string;
  /** Every object's state before any operation. */
  readonly initial: S;
  /**
   * The object an operation touches; operations on different objects are checked separately.
   * Absent: the whole history is one object.
   */
  partitionKey?(input: I): string;
  /**
   * The state after the operation, or `illegal` when `output` cannot have been returned in
   * `state`. An unknown output (`undefined`) is always legal: the operation's effect is applied
   * as if it returned whatever the state implies.
   */
  step(state: S, input: I, output: O | undefined): S | Illegal;
  /**
   * Reads one operation of a JSON-lines history (formats/keel-jsonl.ts): `op` names it, `input`
   * and `output` are the decoded JSON (output undefined when unknown). Throws a HistoryError
   * (without a line; the caller adds it) when the shapes are wrong.
   */
  decode(op: string, input: unknown, output: unknown): { input: I; output: O | undefined };
  describeOperation(input: I, output: O | undefined): string;
  describeState(state: S): string;
}

/**
 * A model whose operation types the caller does not know: what the CLI and the JSON-lines
 * parser pass around. `any` because `step` takes an input and `decode` returns one, so no
 * narrower type is assignable from every model.
 */
export type AnyModel = Model<any, any, any>;
