// Operating errors of the driver's storage. Callers branch on `code`, never on the message.
import { KeelError } from './core/errors.ts';

/**
 * What is on disk is not a valid Raft log: a checksum mismatch, an undecodable record, a gap in
 * the indexes, or committed entries missing. The master must stop; nothing is truncated.
 * `index` is the log index at fault, or null when the fault is in the hard state or the
 * snapshot meta (`record` says which).
 */
export class CorruptLogError extends KeelError {
  override readonly code = 'KEEL_CORRUPT_LOG' as const;
  constructor(
    readonly dir: string,
    readonly index: number | null,
    readonly record: 'entry' | 'hard-state' | 'snapshot-meta',
    detail: string,
  ) {
    const where = index === null ? `the ${record}` : `index ${index}`;
    super(`corrupt Raft log in ${dir} at ${where}: ${detail}`);
  }
}

/** A write to the Raft log failed (ENOSPC, EIO, a closed database, ...): the master must stop. */
export class StorageWriteError extends KeelError {
  override readonly code = 'KEEL_STORAGE_WRITE' as const;
  constructor(readonly dir: string, cause: unknown) {
    super(`writing the Raft log in ${dir} failed: ${messageOf(cause)}`, { cause });
  }
}

/** Reading the Raft log failed for a reason other than corruption (EIO, a closed database, ...). */
export class StorageReadError extends KeelError {
  override readonly code = 'KEEL_STORAGE_READ' as const;
  constructor(readonly dir: string, cause: unknown) {
    super(`reading the Raft log in ${dir} failed: ${messageOf(cause)}`, { cause });
  }
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
