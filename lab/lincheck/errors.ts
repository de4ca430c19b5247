// Operating errors of the linearizability checker: a history it cannot read. Callers (the CLI,
// tests) branch on `code`; a broken invariant of the checker itself is an assertion instead.
import { KeelError } from '../../raft/core/errors.ts';

export class HistoryError extends KeelError {
  override readonly code = 'KEEL_BAD_HISTORY' as const;
  /** The 1-based line of the file where the problem is, when there is one. */
  readonly line: number | null;

  constructor(message: string, line: number | null = null) {
    super(line === null ? message : `line ${line}: ${message}`);
    this.line = line;
  }
}
