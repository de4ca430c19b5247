// A string-valued key-value map with get, put and append, one key per partition: the model of
// Porcupine's kv histories (`kv/`). A missing key reads as "".
import { illegal, type Illegal, type Model } from '../model.ts';
import { objectOf, show, stringOf, unknownOperation } from './decode.ts';

export type KvInput =
  | { op: 'get'; key: string }
  | { op: 'put'; key: string; value: string }
  | { op: 'append'; key: string; value: string };

export interface KvOutput {
  /** get: the value seen ("" for a key never written). */
  value?: string;
}

const operations = ['get', 'put', 'append'] as const;

export const kvModel: Model<KvInput, KvOutput, string> = {
  name: 'kv',
  initial: '',

  partitionKey(input: KvInput): string {
    return input.key;
  },

  step(state: string, input: KvInput, output: KvOutput | undefined): string | Illegal {
    switch (input.op) {
      case 'get':
        return output === undefined || output.value === state ? state : illegal;
      case 'put':
        return input.value;
      case 'append':
        return state + input.value;
    }
  },

  decode(op: string, input: unknown, output: unknown): { input: KvInput; output: KvOutput | undefined } {
    const args = objectOf(input, 'input');
    const key = stringOf(args.key, 'input.key');
    const out = output === undefined ? undefined : objectOf(output, 'output');
    switch (op) {
      case 'get':
        return { input: { op, key }, output: out && { value: stringOf(out.value, 'output.value') } };
      case 'put':
      case 'append':
        return { input: { op, key, value: stringOf(args.value, 'input.value') }, output: out && {} };
      default:
        throw unknownOperation('kv', op, operations);
    }
  },

  describeOperation(input: KvInput, output: KvOutput | undefined): string {
    if (input.op === 'get') return `get ${show(input.key)} -> ${output === undefined ? '?' : show(output.value ?? '')}`;
    return `${input.op} ${show(input.key)} ${show(input.value)}${output === undefined ? ' -> ?' : ''}`;
  },

  describeState(state: string): string {
    return show(state);
  },
};
