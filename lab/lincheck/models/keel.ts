// keel's own single-key operations, one key per partition: get, put, delete, and a transaction
// that compares a key's value and sets (or deletes) it. The outputs are what the client library
// answers (see keel-client.ts for the mapping), with every field that the caller did not ask
// for left out, so an absent field constrains nothing.
import { HistoryError } from '../errors.ts';
import { illegal, type Illegal, type Model } from '../model.ts';
import { booleanOf, nullableStringOf, objectOf, show, stringOf, unknownOperation } from './decode.ts';

export type KeelInput =
  | { op: 'get'; key: string }
  | { op: 'put'; key: string; value: string }
  | { op: 'delete'; key: string }
  /**
   * If the key's value is `expected` (null: the key does not exist), set it to `value` (null:
   * delete it). keel's value compare fails on a missing key, so `expected: null` is a compare of
   * the key's version with 0.
   */
  | { op: 'cas'; key: string; expected: string | null; value: string | null };

export interface KeelOutput {
  /** get: the value read; null when the key does not exist. */
  value?: string | null;
  /** put, delete: the value before the write (the prevKv option); null when the key did not exist. */
  prevValue?: string | null;
  /** delete: how many keys it deleted, 0 or 1. */
  deleted?: number;
  /** cas: whether the compare held. */
  succeeded?: boolean;
  /** cas that failed: the value its failure branch read (null: the key does not exist). */
  current?: string | null;
}

/** null when the key does not exist. */
export type KeelState = string | null;

const operations = ['get', 'put', 'delete', 'cas'] as const;

export const keelModel: Model<KeelInput, KeelOutput, KeelState> = {
  name: 'keel',
  initial: null,

  partitionKey(input: KeelInput): string {
    return input.key;
  },

  step(state: KeelState, input: KeelInput, output: KeelOutput | undefined): KeelState | Illegal {
    switch (input.op) {
      case 'get':
        return output === undefined || output.value === state ? state : illegal;
      case 'put':
        return sawPrevious(state, output) ? input.value : illegal;
      case 'delete':
        if (output?.deleted !== undefined && output.deleted !== (state === null ? 0 : 1)) return illegal;
        return sawPrevious(state, output) ? null : illegal;
      case 'cas': {
        const holds = state === input.expected;
        if (output === undefined) return holds ? input.value : state;
        if (output.succeeded !== holds) return illegal;
        if (!holds && output.current !== undefined && output.current !== state) return illegal;
        return holds ? input.value : state;
      }
    }
  },

  decode(op: string, input: unknown, output: unknown): { input: KeelInput; output: KeelOutput | undefined } {
    const args = objectOf(input, 'input');
    const key = stringOf(args.key, 'input.key');
    const out = output === undefined ? undefined : objectOf(output, 'output');
    switch (op) {
      case 'get':
        return { input: { op, key }, output: out && { value: nullableStringOf(out.value, 'output.value') } };
      case 'put':
        return { input: { op, key, value: stringOf(args.value, 'input.value') }, output: out && previousOf(out) };
      case 'delete':
        return { input: { op, key }, output: out && { ...previousOf(out), ...deletedOf(out) } };
      case 'cas': {
        const expected = nullableStringOf(args.expected, 'input.expected');
        const value = nullableStringOf(args.value, 'input.value');
        const current = out && 'current' in out ? { current: nullableStringOf(out.current, 'output.current') } : {};
        return { input: { op, key, expected, value }, output: out && { succeeded: booleanOf(out.succeeded, 'output.succeeded'), ...current } };
      }
      default:
        throw unknownOperation('keel', op, operations);
    }
  },

  describeOperation(input: KeelInput, output: KeelOutput | undefined): string {
    const unknown = output === undefined ? ' -> ?' : '';
    const prev = output?.prevValue !== undefined ? ` (was ${show(output.prevValue)})` : '';
    switch (input.op) {
      case 'get':
        return `get ${show(input.key)} -> ${output === undefined ? '?' : show(output.value ?? null)}`;
      case 'put':
        return `put ${show(input.key)} ${show(input.value)}${unknown}${prev}`;
      case 'delete':
        return `delete ${show(input.key)}${unknown}${output?.deleted !== undefined ? ` deleted ${output.deleted}` : ''}${prev}`;
      case 'cas': {
        const verdict = output === undefined ? unknown : output.succeeded ? ' ok' : ` failed${output.current !== undefined ? ` (is ${show(output.current)})` : ''}`;
        return `cas ${show(input.key)} ${show(input.expected)}->${show(input.value)}${verdict}`;
      }
    }
  },

  describeState(state: KeelState): string {
    return show(state);
  },
};

/** Whether a put's or delete's reported previous value (when there is one) matches the state. */
function sawPrevious(state: KeelState, output: KeelOutput | undefined): boolean {
  return output === undefined || output.prevValue === undefined || output.prevValue === state;
}

function previousOf(out: Record<string, unknown>): KeelOutput {
  return 'prevValue' in out ? { prevValue: nullableStringOf(out.prevValue, 'output.prevValue') } : {};
}

function deletedOf(out: Record<string, unknown>): KeelOutput {
  if (!('deleted' in out)) return {};
  if (out.deleted !== 0 && out.deleted !== 1) throw new HistoryError('output.deleted must be 0 or 1 (a single key)');
  return { deleted: out.deleted };
}
