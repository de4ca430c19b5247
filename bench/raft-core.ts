// Raft core throughput: a 3-member in-memory cluster driven without faults or I/O, so the
// figure is the CPU cost of the consensus logic alone (messages are passed by reference).
import { RawNode, Prng, type Message } from '../raft/core/index.ts';

export interface RaftCoreResult {
  batch: number;
  entries: number;
  seconds: number;
  entriesPerSecond: number;
  cpuMicrosPerEntry: number;
}

const payloadBytes = 256;
const compactEveryEntries = 50_000;

class Cluster {
  readonly nodes = new Map<number, RawNode>();
  #queue: Message[] = [];
  appliedAtLeader = 0;

  constructor(size: number) {
    const voters = Array.from({ length: size }, (_, i) => i + 1);
    for (const id of voters) {
      const initial = { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [], applied: 0, conf: { voters, learners: [] } };
      this.nodes.set(id, new RawNode({ id, prng: new Prng(id) }, initial));
    }
  }

  /** One turn: every member handles its Ready, then every queued message is delivered. */
  turn(): void {
    for (const node of this.nodes.values()) {
      if (!node.hasReady()) continue;
      const rd = node.ready();
      for (const m of rd.leaderMessages) this.#queue.push(m);
      for (const m of rd.messages) this.#queue.push(m);
      const applied = rd.committedEntries.length;
      if (applied > 0 && rd.committedEntries[0].term > 0 && node === this.leader()) this.appliedAtLeader += applied;
      node.advance(rd);
      if (applied > 0) this.#maybeCompact(node);
    }
    const queue = this.#queue;
    this.#queue = [];
    for (const m of queue) this.nodes.get(m.to)!.step(m);
  }

  leader(): RawNode | undefined {
    for (const node of this.nodes.values()) if (node.status().role === 'leader') return node;
    return undefined;
  }

  #maybeCompact(node: RawNode): void {
    const { applied, firstIndex } = node.status();
    if (applied - firstIndex < compactEveryEntries) return;
    node.createSnapshot(applied, new Uint8Array(0));
    node.compact(applied);
  }

  elect(): RawNode {
    for (let i = 0; i < 200; i++) {
      const leader = this.leader();
      if (leader) return leader;
      for (const node of this.nodes.values()) node.tick();
      for (let j = 0; j < 5; j++) this.turn();
    }
    throw new Error('no leader elected');
  }
}

export function runRaftCore(batch: number, entriesTotal: number): RaftCoreResult {
  const cluster = new Cluster(3);
  const leader = cluster.elect();
  for (let i = 0; i < 10; i++) cluster.turn();
  const payload = new Uint8Array(payloadBytes).fill(7);
  const proposals = Array.from({ length: batch }, () => payload);
  cluster.appliedAtLeader = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let proposed = 0;
  while (cluster.appliedAtLeader < entriesTotal) {
    if (proposed < entriesTotal && proposed - cluster.appliedAtLeader < batch * 64) {
      if (batch === 1) leader.propose(payload);
      else leader.proposeBatch(proposals);
      proposed += batch;
    }
    cluster.turn();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const entries = cluster.appliedAtLeader;
  return { batch, entries, seconds, entriesPerSecond: entries / seconds, cpuMicrosPerEntry: (cpu.user + cpu.system) / entries };
}

export async function main(argv: string[]): Promise<RaftCoreResult[]> {
  const quick = argv.includes('--quick');
  const results: RaftCoreResult[] = [];
  for (const batch of [1, 16, 256]) {
    const total = (quick ? 50_000 : 500_000) * (batch === 1 ? 0.2 : batch === 16 ? 1 : 4);
    runRaftCore(batch, Math.min(total, 5_000)); // warm-up: let the JIT settle
    const result = runRaftCore(batch, total);
    results.push(result);
    process.stdout.write(
      `raft-core batch=${String(batch).padStart(3)}  ${Math.round(result.entriesPerSecond).toLocaleString('en-US').padStart(10)} entries/s  ` +
        `${result.cpuMicrosPerEntry.toFixed(2).padStart(6)} CPU µs/entry  (${result.entries} entries in ${result.seconds.toFixed(2)} s)\n`,
    );
  }
  return results;
}
