// One replicated command against the batch being built. Every check comes before the first write,
// so a command that fails is a no-op everywhere, answering `{ error: { code, message } }`.
import { compactBatch } from './compaction.ts';
import { CommandFailure, errorCodes } from './errors.ts';
import { applyTxn, checkPut } from './txn.ts';
import type { BatchState } from './write-txn.ts';
import { WriteTxn } from './write-txn.ts';
import type {
  Command, CommandResult, CompactRequest, DeleteRangeRequest, DeleteRangeResponse, LeaseGrantRequest, LeaseGrantResponse,
  PutRequest, PutResponse,
} from './types.ts';

export async function applyCommand(state: BatchState, command: Command): Promise<CommandResult> {
  switch (command.op) {
    case 'put': return applyPut(state, command.request);
    case 'delete-range': return applyDeleteRange(state, command.request);
    case 'txn': return applyTxn(state, command.request);
    case 'compact': return applyCompact(state, command.request);
    case 'lease-grant': return applyLeaseGrant(state, command.request);
    case 'lease-revoke': {
      if (!state.leases.has(command.request.id)) throw new CommandFailure(errorCodes.leaseNotFound, `lease ${command.request.id} not found`);
      await revoke(state, command.request.id);
      return { revision: state.revision };
    }
    case 'lease-expire': {
      const expired: number[] = [];
      for (const id of command.ids) {
        if (!state.leases.has(id)) continue; // revoked or expired already: nothing to do
        await revoke(state, id);
        expired.push(id);
      }
      return { revision: state.revision, expired };
    }
    default: throw new CommandFailure(errorCodes.badCommand, `unknown command ${String((command as { op: unknown }).op)}`);
  }
}

async function applyPut(state: BatchState, request: PutRequest): Promise<PutResponse> {
  checkPut(state, request);
  const txn = new WriteTxn(state);
  const prev = await txn.put(request.key, request.value, request.lease ?? 0);
  const revision = txn.end();
  return request.prevKv && prev ? { revision, prevKv: prev } : { revision };
}

async function applyDeleteRange(state: BatchState, request: DeleteRangeRequest): Promise<DeleteRangeResponse> {
  const txn = new WriteTxn(state);
  const deleted = await txn.deleteRange(request);
  const revision = txn.end();
  return request.prevKv ? { revision, deleted: deleted.length, prevKvs: deleted } : { revision, deleted: deleted.length };
}

async function applyCompact(state: BatchState, request: CompactRequest) {
  const revision = request.revision;
  if (revision <= state.compactRevision) {
    throw new CommandFailure(errorCodes.compacted, `revision ${revision} is compacted already (compact revision ${state.compactRevision})`);
  }
  if (revision > state.revision) {
    throw new CommandFailure(errorCodes.futureRevision, `revision ${revision} is after the current revision ${state.revision}`);
  }
  await compactBatch(state.batch, revision);
  state.compactRevision = revision;
  return { revision: state.revision };
}

function applyLeaseGrant(state: BatchState, request: LeaseGrantRequest): LeaseGrantResponse {
  const id = request.id === undefined || request.id === 0 ? state.leaseIdMax + 1 : request.id;
  if (!Number.isSafeInteger(id) || id < 1) throw new CommandFailure(errorCodes.invalidLeaseId, `lease id ${id} is not a positive integer`);
  if (state.leases.has(id)) throw new CommandFailure(errorCodes.leaseExists, `lease ${id} exists`);
  state.leases.grant(state.batch, id, request.ttl);
  state.leaseIdMax = Math.max(state.leaseIdMax, id);
  return { revision: state.revision, id, ttl: request.ttl };
}

/** Deletes the lease's keys, all at one revision (none if it has no keys), and the lease. */
async function revoke(state: BatchState, id: number): Promise<void> {
  const txn = new WriteTxn(state);
  for (const key of state.leases.keysOf(id)) {
    const kv = await txn.get(key);
    if (kv !== undefined) txn.deleteKey(kv);
  }
  txn.end();
  state.leases.remove(state.batch, id);
}
