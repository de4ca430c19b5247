// Sequence numbers for exactly-once writes, and the one limit they need: the store remembers the
// answers of a client's last `window` seqs (store/mvcc/dedup.ts), and refuses a retry older than
// all of them (KEEL_DEDUP_EXPIRED: it may have been applied). A write held up by a leader change
// must not be overtaken by `window` newer writes of the same client, so a write whose seq is
// `window` or more ahead of the oldest unanswered one waits for it.

/** The store's dedup window (store/mvcc/dedup.ts dedupWindowDefault); test/client-fake.test.ts checks they agree. */
export const dedupWindowDefault = 64;

export class SeqWindow {
  readonly #window: number;
  #next: number;
  /** Unanswered seqs; a Set keeps insertion order, which is seq order, so the first is the oldest. */
  readonly #pending = new Set<number>();
  #waiters: Array<() => void> = [];

  /**
   * Seqs start from the clock (100 per ms), so a process that restarts with the same clientId
   * continues above its previous seqs instead of colliding with answers the store still keeps.
   */
  constructor(window: number, start = Date.now() * 100) {
    if (!(Number.isSafeInteger(window) && window >= 1)) throw new Error(`the dedup window must be a positive integer, not ${window}`);
    this.#window = window;
    this.#next = start;
  }

  get pending(): number {
    return this.#pending.size;
  }

  /** The next seq, once it fits in the window; release it when the write is answered or given up. */
  async acquire(): Promise<number> {
    const seq = this.#next++;
    this.#pending.add(seq);
    while (seq - this.#oldest() >= this.#window) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return seq;
  }

  release(seq: number): void {
    this.#pending.delete(seq);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #oldest(): number {
    return this.#pending.values().next().value ?? this.#next;
  }
}
