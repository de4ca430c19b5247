// Writes that arrive while the Raft loop writes a Ready wait here and are proposed together, at
// the start of the loop's next turn, as one log entry: one log record, checksum and delete at
// compaction, and one entry in each append message, instead of one of each per write. The entry
// carries the writes' own encoded envelopes (encodeEnvelopeBatch); the state machine applies
// them in order, each at its own revision, and answers each. A lone write goes as it is.

/** What the batcher needs of the Raft node (RaftNode). */
export interface TurnTaker {
  propose(data: Uint8Array, timeoutMs: number): Promise<unknown>;
  setTurnHook(hook: () => void): void;
  requestTurn(): void;
}

export interface BatcherOptions {
  node: TurnTaker;
  /** One entry's data for several encoded envelopes. */
  encodeBatch: (envelopes: Uint8Array[]) => Uint8Array;
  /** How long a write may take, from its arrival here to its answer (held time included), ms. */
  timeoutMs: number;
  /** The most envelope bytes in one entry; a single larger write goes alone. Default batchBytesMaxDefault. */
  bytesMax?: number;
  /** The most writes in one entry. Default batchWritesMaxDefault. */
  writesMax?: number;
  /** Writes held at once; more are refused with `tooMany()`. */
  heldMax: number;
  tooMany: () => Error;
  /** Called with the number of writes of every entry proposed. */
  observe?: (writes: number) => void;
}

export const batchBytesMaxDefault = 256 << 10;
export const batchWritesMaxDefault = 512;

interface Held {
  data: Uint8Array;
  /** When it arrived (performance.now()): its time out counts from here, held time included. */
  arrivedMs: number;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

export class ProposalBatcher {
  readonly #options: BatcherOptions;
  readonly #bytesMax: number;
  readonly #writesMax: number;
  #held: Held[] = [];

  constructor(options: BatcherOptions) {
    this.#options = options;
    this.#bytesMax = options.bytesMax ?? batchBytesMaxDefault;
    this.#writesMax = options.writesMax ?? batchWritesMaxDefault;
    options.node.setTurnHook(() => this.#flush());
  }

  /** Proposes `data` (an encoded envelope without a client id); resolves with its own result. */
  propose(data: Uint8Array): Promise<unknown> {
    if (this.#held.length >= this.#options.heldMax) return Promise.reject(this.#options.tooMany());
    return new Promise((resolve, reject) => {
      this.#held.push({ data, arrivedMs: performance.now(), resolve, reject });
      if (this.#held.length === 1) this.#options.node.requestTurn();
    });
  }

  #flush(): void {
    const held = this.#held;
    this.#held = [];
    let start = 0;
    while (start < held.length) {
      let end = start + 1;
      let bytes = held[start].data.byteLength;
      while (end < held.length && end - start < this.#writesMax && bytes + held[end].data.byteLength <= this.#bytesMax) {
        bytes += held[end].data.byteLength;
        end++;
      }
      this.#propose(held.slice(start, end));
      start = end;
    }
  }

  #propose(group: Held[]): void {
    const { node, encodeBatch } = this.#options;
    this.#options.observe?.(group.length);
    // The group's first write arrived first (they are held in arrival order): its deadline is the group's.
    const timeoutMs = Math.max(1, this.#options.timeoutMs - (performance.now() - group[0].arrivedMs));
    if (group.length === 1) {
      node.propose(group[0].data, timeoutMs).then(group[0].resolve, group[0].reject);
      return;
    }
    node.propose(encodeBatch(group.map((h) => h.data)), timeoutMs).then(
      (results) => {
        // One result per write; an entry that failed as a whole answers every write the same.
        for (let i = 0; i < group.length; i++) group[i].resolve(Array.isArray(results) ? results[i] : results);
      },
      (error: Error) => {
        for (const h of group) h.reject(error);
      },
    );
  }
}
