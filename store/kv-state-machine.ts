// The replicated key-value state machine on LevelDB. Every batch of committed entries is applied
// in one LevelDB batch that also stores the applied index, so after a crash state and applied
// index always agree.
import type { Level } from 'level';
import { Packr } from 'msgpackr';
import type { Entry, SnapshotMeta } from '../raft/core/index.ts';
import type { StateMachine } from '../raft/node.ts';
import type { BatchOp } from '../raft/log-store.ts';

/** Keys of the state machine start at this byte; the log store uses 0x01..0x0f. */
const dataPrefix = 0x10;
const appliedKey = Uint8Array.of(0x11);

export type KvCommand = { op: 'put'; key: Uint8Array; value: Uint8Array } | { op: 'del'; key: Uint8Array };
export type KvResult = { op: 'put' } | { op: 'del'; deleted: number };

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export function encodeCommand(command: KvCommand): Uint8Array {
  return packr.pack(command);
}

function decodeCommand(data: Uint8Array): KvCommand {
  const command = packr.unpack(data) as KvCommand;
  return { ...command, key: view(command.key), ...('value' in command ? { value: view(command.value) } : {}) } as KvCommand;
}

/** msgpackr decodes bytes as Buffers; the rest of keel deals in plain Uint8Array views. */
function view(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function dataKey(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out[0] = dataPrefix;
  out.set(key, 1);
  return out;
}

function encodeIndex(index: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(index));
  return out;
}

export class KvStateMachine implements StateMachine {
  readonly #db: Level<Uint8Array, Uint8Array>;

  constructor(db: Level<Uint8Array, Uint8Array>) {
    this.#db = db;
  }

  async appliedIndex(): Promise<number> {
    const value = await this.#db.get(appliedKey);
    if (value === undefined) return 0;
    return Number(new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0));
  }

  async apply(entries: Entry[]): Promise<unknown[]> {
    const ops: BatchOp[] = [];
    const results: unknown[] = [];
    // Later entries of the batch see the writes of earlier ones.
    const overlay = new Map<string, boolean>();
    for (const entry of entries) {
      if (entry.kind !== 'normal' || entry.data.length === 0) {
        results.push(undefined);
        continue;
      }
      const command = decodeCommand(entry.data);
      const key = dataKey(command.key);
      const id = Buffer.from(key).toString('latin1');
      if (command.op === 'put') {
        ops.push({ type: 'put', key, value: command.value });
        overlay.set(id, true);
        results.push({ op: 'put' } satisfies KvResult);
      } else {
        const existed = overlay.get(id) ?? (await this.#db.get(key)) !== undefined;
        if (existed) ops.push({ type: 'del', key });
        overlay.set(id, false);
        results.push({ op: 'del', deleted: existed ? 1 : 0 } satisfies KvResult);
      }
    }
    ops.push({ type: 'put', key: appliedKey, value: encodeIndex(entries[entries.length - 1].index) });
    await this.#db.batch(ops);
    return results;
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#db.get(dataKey(key));
  }

  /** Keys with `prefix`, in key order, at most `limit`. */
  async range(prefix: Uint8Array, limit: number): Promise<Array<{ key: Uint8Array; value: Uint8Array }>> {
    const gte = dataKey(prefix);
    const out: Array<{ key: Uint8Array; value: Uint8Array }> = [];
    for await (const [key, value] of this.#db.iterator({ gte, lt: prefixEnd(gte), limit })) {
      out.push({ key: key.subarray(1), value });
    }
    return out;
  }

  async snapshot(): Promise<Uint8Array> {
    const pairs: Array<[Uint8Array, Uint8Array]> = [];
    const gte = Uint8Array.of(dataPrefix);
    for await (const [key, value] of this.#db.iterator({ gte, lt: prefixEnd(gte) })) pairs.push([key, value]);
    return packr.pack(pairs);
  }

  async restoreOps(data: Uint8Array, meta: SnapshotMeta): Promise<BatchOp[]> {
    const ops: BatchOp[] = [];
    const gte = Uint8Array.of(dataPrefix);
    for await (const key of this.#db.keys({ gte, lt: prefixEnd(gte) })) ops.push({ type: 'del', key });
    const pairs = packr.unpack(data) as Array<[Uint8Array, Uint8Array]>;
    for (const [key, value] of pairs) ops.push({ type: 'put', key: view(key), value: view(value) });
    ops.push({ type: 'put', key: appliedKey, value: encodeIndex(meta.index) });
    return ops;
  }

  restored(): void {
    // Nothing is cached in memory: reads go to LevelDB.
  }
}

/** The smallest key greater than every key starting with `prefix`. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = Uint8Array.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Uint8Array.of(0xff, 0xff, 0xff, 0xff);
}
