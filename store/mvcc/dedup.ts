// The exactly-once table (Raft thesis section 6.3): per client, the answers of its last
// `window` sequence numbers, stored in LevelDB in the apply batch (so it is replicated state: it
// survives restarts and travels in snapshots). Bounded twice: `window` seqs per client, and
// `clientsMax` clients, the least recently active (by log index, so every member evicts the same
// one) evicted first. In memory only clientId -> last active index, in activity order.
import { normalizeBytes, packr } from './codec.ts';
import { be64, clientIdOfDedupKey, dedupKey, dedupPrefix, readBe64 } from './keys.ts';
import type { BatchWriter } from './reader.ts';

/** Sequence numbers remembered per client. */
export const dedupWindowDefault = 64;
/** Clients remembered. */
export const dedupClientsMaxDefault = 10_000;

type Answers = Array<[number, unknown]>;

export type DedupCheck =
  | { kind: 'new' }
  | { kind: 'duplicate'; result: unknown }
  /** Older than every seq kept in a full window: it may have been applied; refuse it. */
  | { kind: 'expired' };

/** Clients collected from stored pairs. */
export class DedupImage {
  readonly found: Array<[string, number]> = [];

  add(dbKey: Uint8Array, value: Uint8Array): boolean {
    if (dbKey[0] !== dedupPrefix) return false;
    this.found.push([clientIdOfDedupKey(dbKey), readBe64(value)]);
    return true;
  }
}

export class DedupTable {
  readonly #window: number;
  readonly #clientsMax: number;
  /** clientId -> last active index, least recently active first. */
  readonly #active = new Map<string, number>();

  constructor(window: number, clientsMax: number) {
    if (!(window >= 1 && clientsMax >= 1)) throw new Error('dedup window and clients must be >= 1');
    this.#window = window;
    this.#clientsMax = clientsMax;
  }

  /** Replaces the table with the clients of an image (at open, or a snapshot restore). */
  replace(image: DedupImage): void {
    this.#active.clear();
    const found = [...image.found].sort((a, b) => a[1] - b[1]);
    for (const [clientId, index] of found) this.#active.set(clientId, index);
  }

  get clients(): number {
    return this.#active.size;
  }

  /** Looks up (clientId, seq) and marks the client active at `index`. */
  async check(batch: BatchWriter, clientId: string, seq: number, index: number): Promise<DedupCheck> {
    const answers = await this.#answers(batch, clientId);
    const hit = answers.find(([s]) => s === seq);
    let check: DedupCheck;
    if (hit !== undefined) check = { kind: 'duplicate', result: normalizeBytes(hit[1]) };
    else if (answers.length >= this.#window && seq < answers[0][0]) check = { kind: 'expired' };
    else check = { kind: 'new' };
    this.#touch(batch, clientId, index, answers);
    return check;
  }

  /** Remembers the first answer to (clientId, seq). */
  async record(batch: BatchWriter, clientId: string, seq: number, index: number, result: unknown): Promise<void> {
    const answers = await this.#answers(batch, clientId);
    answers.push([seq, result]);
    answers.sort((a, b) => a[0] - b[0]);
    while (answers.length > this.#window) answers.shift();
    this.#touch(batch, clientId, index, answers);
  }

  async #answers(batch: BatchWriter, clientId: string): Promise<Answers> {
    const stored = await batch.get(dedupKey(clientId));
    if (stored === undefined) return [];
    return packr.unpack(stored.subarray(8)) as Answers;
  }

  #touch(batch: BatchWriter, clientId: string, index: number, answers: Answers): void {
    const known = this.#active.delete(clientId);
    if (!known && this.#active.size >= this.#clientsMax) this.#evictOldest(batch);
    this.#active.set(clientId, index);
    const body = packr.pack(answers);
    const value = new Uint8Array(8 + body.length);
    value.set(be64(index), 0);
    value.set(body, 8);
    batch.put(dedupKey(clientId), value);
  }

  #evictOldest(batch: BatchWriter): void {
    const oldest = this.#active.keys().next();
    if (oldest.done) return;
    this.#active.delete(oldest.value);
    batch.del(dedupKey(oldest.value));
  }
}
