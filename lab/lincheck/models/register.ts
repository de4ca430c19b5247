// One register: read, write, compare-and-set. Jepsen's etcd histories use it (`jepsen/`).
import { HistoryError } from '../errors.ts';
import { illegal, type Illegal, type Model } from '../model.ts';
import { booleanOf, objectOf, show, unknownOperation } from './decode.ts';

export type RegisterValue = number | string;

export type RegisterInput =
  | { op: 'read' }
  | { op: 'write'; value: RegisterValue }
  /** If the register holds `from`, set it to `to`. */
  | { op: 'cas'; from: RegisterValue; to: RegisterValue };

export interface RegisterOutput {
  /** read: the value seen; null when the register was never written. */
  value?: RegisterValue | null;
  /** cas: whether the comparison held (and the register was set). */
  ok?: boolean;
}

/** null until the first write. */
export type RegisterState = RegisterValue | null;

const operations = ['read', 'write', 'cas'] as const;

export const registerModel: Model<RegisterInput, RegisterOutput, RegisterState> = {
  name: 'register',
  initial: null,

  step(state: RegisterState, input: RegisterInput, output: RegisterOutput | undefined): RegisterState | Illegal {
    switch (input.op) {
      case 'read':
        return output === undefined || output.value === state ? state : illegal;
      case 'write':
        return input.value;
      case 'cas': {
        const holds = state === input.from;
        if (output !== undefined && output.ok !== holds) return illegal;
        return holds ? input.to : state;
      }
    }
  },

  decode(op: string, input: unknown, output: unknown): { input: RegisterInput; output: RegisterOutput | undefined } {
    const args = objectOf(input ?? {}, 'input');
    const out = output === undefined ? undefined : objectOf(output, 'output');
    switch (op) {
      case 'read':
        return { input: { op }, output: out && { value: out.value === null ? null : valueOf(out.value, 'output.value (or null: never written)') } };
      case 'write':
        return { input: { op, value: valueOf(args.value, 'input.value') }, output: out && {} };
      case 'cas':
        return {
          input: { op, from: valueOf(args.from, 'input.from'), to: valueOf(args.to, 'input.to') },
          output: out && { ok: booleanOf(out.ok, 'output.ok') },
        };
      default:
        throw unknownOperation('register', op, operations);
    }
  },

  describeOperation(input: RegisterInput, output: RegisterOutput | undefined): string {
    const result = output === undefined ? ' -> ?' : '';
    switch (input.op) {
      case 'read':
        return `read${output === undefined ? result : ` -> ${show(output.value ?? null)}`}`;
      case 'write':
        return `write ${show(input.value)}${result}`;
      case 'cas':
        return `cas ${show(input.from)}->${show(input.to)}${output === undefined ? result : output.ok ? ' ok' : ' failed'}`;
    }
  },

  describeState(state: RegisterState): string {
    return show(state);
  },
};

function valueOf(value: unknown, what: string): RegisterValue {
  if (typeof value !== 'number' && typeof value !== 'string') throw new HistoryError(`${what} must be a number or a string`);
  return value;
}
