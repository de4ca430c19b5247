// From the client library's answers (store/client.ts) to the keel model's outputs, and the one
// transaction shape the model's `cas` stands for. A recorder uses these so that what it writes
// means exactly what the model checks.
import type { DeleteResult, KeyValue, PutResult, TxnRequest, TxnResult } from '../../../store/client.ts';
import type { KeelOutput } from './keel.ts';

/** `client.get(key)`. */
export function getOutput(kv: KeyValue | null): KeelOutput {
  return { value: kv === null ? null : kv.value.toString('utf8') };
}

/** `client.put(key, value, { prevKv })`: the previous value is known only when it was asked for. */
export function putOutput(result: PutResult, askedPrevKv: boolean): KeelOutput {
  return askedPrevKv ? { prevValue: result.prevKv === undefined ? null : result.prevKv.value.toString('utf8') } : {};
}

/** `client.delete(key, { prevKv })` on a single key (no prefix). */
export function deleteOutput(result: DeleteResult, askedPrevKv: boolean): KeelOutput {
  const prev = result.prevKvs?.[0];
  return { deleted: result.deleted, ...(askedPrevKv ? { prevValue: prev === undefined ? null : prev.value.toString('utf8') } : {}) };
}

/**
 * The transaction of a `cas`: compare the value (or, for `expected: null`, that the version is
 * 0, since a value compare fails on a missing key), then put or delete; the failure branch
 * reads the key so that a failed cas also observes the value.
 */
export function casRequest(key: string, expected: string | null, value: string | null): TxnRequest {
  return {
    compare: [expected === null ? { key, target: 'version', result: 'equal', number: 0 } : { key, target: 'value', result: 'equal', value: expected }],
    success: [value === null ? { delete: { key } } : { put: { key, value } }],
    failure: [{ range: { key } }],
  };
}

/** `client.txn(casRequest(...))`. */
export function casOutput(result: TxnResult): KeelOutput {
  if (result.succeeded) return { succeeded: true };
  const read = result.responses[0];
  if (read === undefined || !('range' in read)) return { succeeded: false };
  const kv = read.range.kvs[0];
  return { succeeded: false, current: kv === undefined ? null : kv.value.toString('utf8') };
}
