// Operating errors of the Raft core. Callers branch on `code`, never on the message.
// Programmer errors are assertions (see assert.ts) and are never caught.

export class KeelError extends Error {
  readonly code: string = 'KEEL_ERROR';
  override get name(): string {
    return this.constructor.name;
  }
}

export class NotLeaderError extends KeelError {
  override readonly code = 'KEEL_NOT_LEADER' as const;
  constructor(readonly leaderHint: number) {
    super('this member is not the leader');
  }
}

export class TransferInProgressError extends KeelError {
  override readonly code = 'KEEL_TRANSFER_IN_PROGRESS' as const;
  constructor(readonly transferee: number) {
    super(`leadership is being transferred to member ${transferee}; proposals are refused until it ends`);
  }
}

export class ConfChangeInProgressError extends KeelError {
  override readonly code = 'KEEL_CONF_CHANGE_IN_PROGRESS' as const;
  constructor(readonly pendingIndex: number) {
    super(`a membership change at index ${pendingIndex} is not applied yet; one change at a time`);
  }
}

export class InvalidConfChangeError extends KeelError {
  override readonly code = 'KEEL_INVALID_CONF_CHANGE' as const;
}

export class ProposalTooLargeError extends KeelError {
  override readonly code = 'KEEL_PROPOSAL_TOO_LARGE' as const;
}

export class ProposalQueueFullError extends KeelError {
  override readonly code = 'KEEL_PROPOSAL_QUEUE_FULL' as const;
  constructor(readonly uncommittedBytes: number) {
    super(`${uncommittedBytes} bytes of proposals are not committed yet; try again later`);
  }
}

export class TransferRefusedError extends KeelError {
  override readonly code = 'KEEL_TRANSFER_REFUSED' as const;
}

export class NoLeaderError extends KeelError {
  override readonly code = 'KEEL_NO_LEADER' as const;
  constructor() {
    super('no leader is known; the cluster is electing one');
  }
}

export class ReadQueueFullError extends KeelError {
  override readonly code = 'KEEL_READ_QUEUE_FULL' as const;
  constructor(readonly pendingMax: number) {
    super(`${pendingMax} linearizable reads are already waiting; try again later`);
  }
}
