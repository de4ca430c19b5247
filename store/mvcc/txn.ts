// Transactions, etcd's way: every compare holds on every key of its range (a missing key counts
// as version 0, create 0, mod 0, lease 0, and fails every value compare), then the success or the
// failure ops run in order, seeing each other's writes, all at one revision. A branch that writes
// one key twice (two puts, or a put inside a delete range) is refused before anything runs, as
// etcd refuses it.
import { CommandFailure, errorCodes } from './errors.ts';
import { compareBytes, inRange, keyId } from './keys.ts';
import { rangeResponse, scanAt, scanLatest, scanOptions } from './kv-index.ts';
import type { BatchState } from './write-txn.ts';
import { WriteTxn } from './write-txn.ts';
import type {
  Compare, DeleteRangeRequest, KeyValue, PutRequest, RangeRequest, RequestOp, ResponseOp, TxnRequest, TxnResponse,
} from './types.ts';

const zeroKv: KeyValue = { key: new Uint8Array(0), createRevision: 0, modRevision: 0, version: 0, value: new Uint8Array(0), lease: 0 };

export function checkNoDuplicateKeys(ops: RequestOp[]): void {
  const puts = new Set<string>();
  const deletes: DeleteRangeRequest[] = [];
  for (const op of ops) if ('deleteRange' in op) deletes.push(op.deleteRange);
  for (const op of ops) {
    if (!('put' in op)) continue;
    const id = keyId(op.put.key);
    if (puts.has(id) || deletes.some((range) => inRange(op.put.key, range))) {
      throw new CommandFailure(errorCodes.duplicateKey, 'a txn branch must not write a key twice');
    }
    puts.add(id);
  }
}

function compareOne(kv: KeyValue, compare: Compare): boolean {
  let order: number;
  switch (compare.target) {
    case 'value': order = compareBytes(kv.value, compare.value ?? new Uint8Array(0)); break;
    case 'version': order = kv.version - (compare.number ?? 0); break;
    case 'create': order = kv.createRevision - (compare.number ?? 0); break;
    case 'mod': order = kv.modRevision - (compare.number ?? 0); break;
    case 'lease': order = kv.lease - (compare.number ?? 0); break;
    default: throw new CommandFailure(errorCodes.badCommand, `unknown compare target ${String(compare.target)}`);
  }
  switch (compare.result) {
    case 'equal': return order === 0;
    case 'not-equal': return order !== 0;
    case 'less': return order < 0;
    case 'greater': return order > 0;
    default: throw new CommandFailure(errorCodes.badCommand, `unknown compare result ${String(compare.result)}`);
  }
}

async function holds(state: BatchState, compare: Compare): Promise<boolean> {
  const { kvs } = await scanLatest(state.batch, compare, { limit: 0, countOnly: false });
  if (kvs.length === 0) return compare.target !== 'value' && compareOne(zeroKv, compare);
  return kvs.every((kv) => compareOne(kv, compare));
}

export function checkPut(state: BatchState, put: PutRequest): void {
  if (put.key.length === 0) throw new CommandFailure(errorCodes.emptyKey, 'a key must not be empty');
  const lease = put.lease ?? 0;
  if (lease !== 0 && !state.leases.has(lease)) throw new CommandFailure(errorCodes.leaseNotFound, `lease ${lease} not found`);
}

export function checkRangeRevision(state: BatchState, range: RangeRequest): void {
  const revision = range.revision ?? 0;
  if (revision > state.revision) {
    throw new CommandFailure(errorCodes.futureRevision, `revision ${revision} is after the current revision ${state.revision}`);
  }
  if (revision > 0 && revision < state.compactRevision) {
    throw new CommandFailure(errorCodes.compacted, `revision ${revision} is compacted (compact revision ${state.compactRevision})`);
  }
}

function checkOps(state: BatchState, ops: RequestOp[]): void {
  for (const op of ops) {
    if ('put' in op) checkPut(state, op.put);
    else if ('range' in op) checkRangeRevision(state, op.range);
    else if (!('deleteRange' in op)) throw new CommandFailure(errorCodes.badCommand, 'unknown txn op');
  }
}

/** A range inside a write: at the current revision through the batch, or at a past one. */
export async function rangeIn(state: BatchState, txn: WriteTxn | null, request: RangeRequest) {
  const current = txn ? txn.revision : state.revision;
  const revision = request.revision ?? 0;
  const scan = revision <= 0 || revision >= current
    ? await scanLatest(state.batch, request, scanOptions(request))
    : await scanAt(state.batch, request, revision, scanOptions(request));
  return rangeResponse(current, scan, request);
}

export async function applyTxn(state: BatchState, request: TxnRequest): Promise<TxnResponse> {
  checkNoDuplicateKeys(request.success);
  checkNoDuplicateKeys(request.failure);
  let succeeded = true;
  for (const compare of request.compare) {
    if (!(await holds(state, compare))) {
      succeeded = false;
      break;
    }
  }
  const ops = succeeded ? request.success : request.failure;
  checkOps(state, ops);
  // Nothing is written above this line: a failed check leaves the txn a no-op.
  const txn = new WriteTxn(state);
  const responses: ResponseOp[] = [];
  for (const op of ops) {
    if ('range' in op) {
      responses.push({ range: await rangeIn(state, txn, op.range) });
    } else if ('put' in op) {
      const prev = await txn.put(op.put.key, op.put.value, op.put.lease ?? 0);
      responses.push({ put: op.put.prevKv && prev ? { revision: 0, prevKv: prev } : { revision: 0 } });
    } else {
      const deleted = await txn.deleteRange(op.deleteRange);
      responses.push({ deleteRange: op.deleteRange.prevKv ? { revision: 0, deleted: deleted.length, prevKvs: deleted } : { revision: 0, deleted: deleted.length } });
    }
  }
  const revision = txn.end();
  // Every answer inside names the txn's revision, as etcd's response headers do.
  for (const response of responses) {
    if ('range' in response) response.range.revision = revision;
    else if ('put' in response) response.put.revision = revision;
    else response.deleteRange.revision = revision;
  }
  return { revision, succeeded, responses };
}
