// Operating errors of the MVCC store. Reads throw them; a command that fails in the state machine
// answers `{ error: { code, message } }` instead (a deterministic no-op on every member).
import { KeelError } from '../../raft/core/index.ts';
import type { CommandError } from './types.ts';

export class CompactedError extends KeelError {
  override readonly code = 'KEEL_COMPACTED' as const;
  constructor(readonly revision: number, readonly compactRevision: number) {
    super(`revision ${revision} is compacted (compact revision ${compactRevision})`);
  }
}

export class FutureRevisionError extends KeelError {
  override readonly code = 'KEEL_FUTURE_REVISION' as const;
  constructor(readonly revision: number, readonly currentRevision: number) {
    super(`revision ${revision} is after the current revision ${currentRevision}`);
  }
}

/** A chunked snapshot restore was interrupted: the state is incomplete until a snapshot is installed again. */
export class RestoreIncompleteError extends KeelError {
  override readonly code = 'KEEL_RESTORE_INCOMPLETE' as const;
  constructor() {
    super('a snapshot restore was interrupted; the state machine must be restored from a snapshot again');
  }
}

/** A snapshot from the leader is being installed: the state is switching, nothing is read until it is done. */
export class SnapshotInstallingError extends KeelError {
  override readonly code = 'KEEL_SNAPSHOT_INSTALLING' as const;
  constructor() {
    super('a snapshot from the leader is being installed; try again shortly');
  }
}

export const errorCodes = {
  compacted: 'KEEL_COMPACTED',
  futureRevision: 'KEEL_FUTURE_REVISION',
  leaseNotFound: 'KEEL_LEASE_NOT_FOUND',
  leaseExists: 'KEEL_LEASE_EXISTS',
  invalidLeaseId: 'KEEL_INVALID_LEASE_ID',
  duplicateKey: 'KEEL_DUPLICATE_KEY',
  emptyKey: 'KEEL_EMPTY_KEY',
  dedupExpired: 'KEEL_DEDUP_EXPIRED',
  badCommand: 'KEEL_BAD_COMMAND',
} as const;

/** A deterministic failure of one command, thrown inside apply and turned into its answer. */
export class CommandFailure extends Error {
  constructor(readonly failureCode: string, message: string) {
    super(message);
  }

  toResult(): CommandError {
    return { error: { code: this.failureCode, message: this.message } };
  }
}

export function isCommandError(value: unknown): value is CommandError {
  return value !== null && typeof value === 'object' && 'error' in value;
}
