// A small in-memory cluster of RawNodes for unit tests of the core: messages pass through a
// queue the test controls, and each member "persists" what its Ready hands it.
import { RawNode, Prng, type Entry, type HardState, type Message, type RaftConfig, type ReadState, type SnapshotMeta } from '../../raft/core/index.ts';

interface Disk {
  hardState: HardState;
  snapshot: SnapshotMeta | null;
  entries: Entry[];
  applied: number;
}

export class MemCluster {
  readonly nodes = new Map<number, RawNode>();
  readonly disks = new Map<number, Disk>();
  readonly applied = new Map<number, Entry[]>();
  readonly readStates = new Map<number, ReadState[]>();
  /** Messages in flight; tests may inspect or filter them. */
  queue: Message[] = [];
  /** Links that drop messages, as "from->to". */
  readonly cut = new Set<string>();
  /** Members whose Ready is not processed (their disk is slow). */
  readonly stalled = new Set<number>();

  constructor(readonly ids: number[], readonly options: Partial<RaftConfig> = {}) {
    for (const id of ids) {
      this.disks.set(id, { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [], applied: 0 });
      this.applied.set(id, []);
      this.readStates.set(id, []);
      this.start(id);
    }
  }

  start(id: number): void {
    const disk = this.disks.get(id)!;
    const initial = { hardState: { ...disk.hardState }, snapshot: disk.snapshot, entries: [...disk.entries], applied: disk.applied, conf: { voters: this.ids, learners: [] } };
    this.nodes.set(id, new RawNode({ id, prng: new Prng(id * 7919), ...this.options }, initial));
  }

  node(id: number): RawNode {
    return this.nodes.get(id)!;
  }

  /** Handles every member's Ready once; returns whether any had one. */
  processReady(): boolean {
    let any = false;
    for (const [id, node] of this.nodes) {
      if (this.stalled.has(id) || !node.hasReady()) continue;
      any = true;
      const rd = node.ready();
      const disk = this.disks.get(id)!;
      if (rd.snapshot) {
        disk.snapshot = rd.snapshot.meta;
        disk.entries = [];
        disk.applied = rd.snapshot.meta.index;
      }
      if (rd.entries.length > 0) {
        const first = rd.entries[0].index;
        disk.entries = disk.entries.filter((e) => e.index < first).concat(rd.entries);
      }
      if (rd.hardState) disk.hardState = { ...rd.hardState };
      this.queue.push(...rd.leaderMessages, ...rd.messages);
      for (const e of rd.committedEntries) {
        this.applied.get(id)!.push(e);
        disk.applied = e.index;
      }
      this.readStates.get(id)!.push(...rd.readStates);
      node.advance(rd);
    }
    return any;
  }

  deliver(filter: (m: Message) => boolean = () => true): number {
    const queue = this.queue;
    this.queue = [];
    let delivered = 0;
    for (const m of queue) {
      if (!filter(m)) {
        this.queue.push(m);
        continue;
      }
      if (this.cut.has(`${m.from}->${m.to}`) || !this.nodes.has(m.to)) continue;
      this.nodes.get(m.to)!.step(m);
      delivered++;
    }
    return delivered;
  }

  /** Ready and deliver until nothing moves. */
  stabilize(): void {
    for (let i = 0; i < 10_000; i++) {
      const readied = this.processReady();
      if (this.deliver() === 0 && !readied) return;
    }
    throw new Error('cluster did not stabilize');
  }

  tick(ids: number[] = [...this.nodes.keys()]): void {
    for (const id of ids) this.nodes.get(id)?.tick();
  }

  /** Ticks everyone, stabilizing after each tick, until `until` holds. */
  tickUntil(until: () => boolean, ticksMax = 500): void {
    for (let i = 0; i < ticksMax; i++) {
      if (until()) return;
      this.tick();
      this.stabilize();
    }
    if (!until()) throw new Error(`condition not reached in ${ticksMax} ticks`);
  }

  leader(): number {
    for (const [id, node] of this.nodes) if (node.status().role === 'leader') return id;
    return 0;
  }

  elect(id: number): void {
    this.node(id).campaign();
    this.stabilize();
    if (this.leader() !== id) throw new Error(`member ${id} did not win the election`);
  }

  isolate(id: number): void {
    for (const other of this.ids) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  crash(id: number): void {
    this.nodes.delete(id);
  }
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (data: Uint8Array): string => new TextDecoder().decode(data);
