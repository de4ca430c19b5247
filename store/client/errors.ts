// The one error the client throws. Callers branch on `code`: the server's code (KEEL_KEY_NOT_FOUND,
// KEEL_COMPACTED, KEEL_LEASE_NOT_FOUND, ...) when a master answered, KEEL_UNAVAILABLE when the
// retry budget ran out, KEEL_CLIENT_CLOSED after close(), KEEL_BAD_KEY for a key that is not UTF-8.
import { KeelError } from '../../raft/core/index.ts';

export class KeelClientError extends KeelError {
  constructor(
    override readonly code: string,
    message: string,
    readonly details: {
      /** The HTTP status of the answer, when a master answered. */
      status?: number;
      /** For KEEL_COMPACTED: the store's compact revision. */
      compactRevision?: number;
      /** For KEEL_UNAVAILABLE: the code of the last failed attempt (a server code or a socket error code). */
      lastCode?: string;
      /** For a write that ran out of budget: true when some attempt may have reached the leader, so it may have taken effect (once). */
      maybeApplied?: boolean;
    } = {},
  ) {
    super(message);
  }
}
