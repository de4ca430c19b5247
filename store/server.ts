// The store server of one master: the Raft node with its LevelDB log and state machine, the
// peer transport, and the HTTP API, wired together.
import { mkdirSync, readFileSync, unwatchFile, watchFile } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { noNode, type NodeId } from '../raft/core/index.ts';
import { LogStore } from '../raft/log-store.ts';
import { RaftNode } from '../raft/node.ts';
import { PeerTransport } from '../raft/transport.ts';
import { MasterApi } from './http-api.ts';
import { LeaderLeaseClock } from './lease-clock.ts';
import { Counter, Gauge, Histogram, Registry, batchBuckets, latencyBucketsSeconds } from './metrics.ts';
import { MvccStore } from './mvcc/index.ts';
import { storeContext } from './store-context.ts';
import { WatchHub } from './watch/index.ts';

export interface MemberConfig {
  id: number;
  /** host:port of the Raft peer transport. */
  peerAddress: string;
  /** host:port of the HTTP API. */
  apiAddress: string;
}

export interface MasterConfig {
  id: number;
  clusterId: string;
  /** The shared secret peers authenticate with (HMAC challenge-response). */
  secret: string;
  dataDir: string;
  peerAddress: string;
  apiAddress: string;
  members: MemberConfig[];
  /** Milliseconds per Raft tick. Default 100. */
  tickMs?: number;
  /** Election timeout base in ticks. Default 10. */
  electionTicks?: number;
  /** Applied entries between two snapshots of the state machine. Default 10,000. */
  snapshotEveryEntries?: number;
  /** Bytes of state-machine image per snapshot chunk sent to a lagging member. Default 1 MiB (1048576). */
  snapshotChunkBytes?: number;
  /**
   * Where this master dials a peer, HOST:PORT by member id, instead of the peer's `peerAddress`:
   * a proxy in between (the lab's fault-injecting one). Default: none, every peer at its own.
   */
  dialAddresses?: Record<string, string>;
  /**
   * Writes the Raft log without waiting for the disk (benchmarks only: NO FSYNC, not durable; a
   * machine crash may lose acknowledged writes). Default false.
   */
  unsafeNoFsync?: boolean;
}

/** `host:port` as its parts; null when it is not one (a port above 65535 included). */
export function parseAddress(text: unknown): { host: string; port: number } | null {
  const match = typeof text === 'string' ? /^(.+):(\d+)$/.exec(text) : null;
  if (match === null || Number(match[2]) > 65535) return null;
  return { host: match[1], port: Number(match[2]) };
}

/** A configured address, validated when the config was loaded. */
function address(text: string): { host: string; port: number } {
  const parsed = parseAddress(text);
  if (parsed === null) throw new Error(`not a HOST:PORT address: ${JSON.stringify(text)}`);
  return parsed;
}

/** LevelDB's memtable size, bytes (LevelDB's default is 4 MiB), before levelWriteBufferBytesOf's stagger. */
const levelWriteBufferBytes = 32 << 20;

/**
 * The memtable size of member `id`: 32 MiB, 30% more for every step of id mod 3. Members apply
 * the same writes, so with one size they fill their memtables at the same moment, and on one
 * machine (`keel up`, the benchmarks) their three flushes and the compactions after them take
 * every core at once: at 4,000 writes/s that was a stall of 100-150 ms every few seconds, with
 * p99 latency 72-85 ms against 48-54 ms staggered. Members on their own machines lose nothing.
 */
export function levelWriteBufferBytesOf(id: number): number {
  return Math.round(levelWriteBufferBytes * (1 + 0.3 * (id % 3)));
}

/** LevelDB's block cache, bytes (classic-level's default is 8 MiB). */
const levelCacheBytes = 64 << 20;

/** keel's version, reported by /v3/maintenance/status. */
const keelVersion = '0.1.0';

/** Bytes of the files directly in the data directory's LevelDB, approximately. */
async function dataBytes(dataDir: string): Promise<number> {
  const dir = join(dataDir, 'db');
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

/** How long a stopping leader waits for its successor before it stops anyway, ms. */
const transferWaitMs = 3000;

export interface RunningMaster {
  config: MasterConfig;
  apiUrl: string;
  node: RaftNode;
  stop(): Promise<void>;
}

function log(config: MasterConfig, line: string): void {
  process.stderr.write(`keel master ${config.id}: ${line}\n`);
}

/** The memory gauges of /metrics: name, help, and the process.memoryUsage() field each reads. */
const memoryGauges: ReadonlyArray<[string, string, keyof NodeJS.MemoryUsage]> = [
  ['process_resident_memory_bytes', 'Resident memory size in bytes.', 'rss'],
  ['nodejs_heap_size_used_bytes', "Bytes used in V8's heap.", 'heapUsed'],
  ['nodejs_heap_size_total_bytes', "Bytes V8's heap holds from the system.", 'heapTotal'],
  ['nodejs_external_memory_bytes', 'Bytes of memory outside the heap owned by JavaScript objects (buffers among them).', 'external'],
  ['nodejs_array_buffers_bytes', 'Bytes of ArrayBuffers and Buffers, part of the external memory.', 'arrayBuffers'],
];

export async function startMaster(config: MasterConfig): Promise<RunningMaster> {
  mkdirSync(config.dataDir, { recursive: true });
  const db = new Level<Uint8Array, Uint8Array>(join(config.dataDir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
  // A larger memtable means fewer level-0 files, so LevelDB's compaction throttles writes less
  // often; a larger block cache keeps the MVCC indexes' hot blocks in memory.
  await db.open({ writeBufferSize: levelWriteBufferBytesOf(config.id), cacheSize: levelCacheBytes });
  // What has started so far, stopped in reverse if a later step fails (a corrupt log, a port in
  // use): a master that cannot start must exit, not hang on a listening peer port or a timer.
  const undo: Array<() => unknown> = [() => db.close()];
  try {
    return await startOn(config, db, undo);
  } catch (error) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (cleanupError) {
        log(config, `after the failed start, stopping a part failed too: ${(cleanupError as Error).message}`);
      }
    }
    throw error;
  }
}

async function startOn(config: MasterConfig, db: Level<Uint8Array, Uint8Array>, undo: Array<() => unknown>): Promise<RunningMaster> {
  const registry = new Registry();
  const metrics = masterMetrics(registry);
  const sync = config.unsafeNoFsync !== true;
  if (!sync) log(config, 'unsafeNoFsync: the Raft log is written WITHOUT fsync (NO FSYNC — not durable)');
  const logStore = new LogStore({ dir: config.dataDir, db, syncDelayMs: Number(process.env.KEEL_TEST_SYNC_DELAY_MS ?? 0), sync });
  const unwatchSyncDelay = syncDelayHook(config, logStore);
  undo.push(unwatchSyncDelay);
  const store = new MvccStore(db, { afterInstallBatch: installCrashHook(config) });
  await store.open();
  const peers = new Map(config.members.filter((m) => m.id !== config.id).map((m) => [m.id, address(config.dialAddresses?.[m.id] ?? m.peerAddress)]));
  for (const [id, dial] of Object.entries(config.dialAddresses ?? {})) log(config, `dialing member ${id} at ${dial} (not its peer address)`);
  let node: RaftNode | null = null;
  const transport = new PeerTransport({
    id: config.id,
    clusterId: config.clusterId,
    secret: config.secret,
    listen: address(config.peerAddress),
    peers,
    onMessages: (messages) => node?.receive(messages),
    onUnreachable: (id) => node?.reportUnreachable(id),
    log: (line) => log(config, line),
  });
  node = new RaftNode({
    id: config.id,
    conf: { voters: config.members.map((m) => m.id).sort((a, b) => a - b), learners: [] },
    logStore,
    stateMachine: store,
    transport,
    tickMs: config.tickMs,
    electionTicks: config.electionTicks,
    snapshotEveryEntries: config.snapshotEveryEntries,
    snapshotChunkBytes: config.snapshotChunkBytes,
    onFatal: (error) => {
      log(config, `stopping on a fatal error: ${error.message}`);
      process.exit(1);
    },
    observe: {
      fsync: (ms, entries) => {
        metrics.fsync.observe(ms / 1000);
        if (entries > 0) metrics.batch.observe(entries);
      },
      committed: (ms) => {
        metrics.proposals.inc();
        metrics.commit.observe(ms / 1000);
      },
      leaderChanged: (leader, term) => {
        metrics.leaderChanges.inc();
        log(config, `leader is member ${leader} in term ${term}`);
      },
      snapshotChunkSent: () => metrics.chunksSent.inc(),
      snapshotChunkReceived: () => metrics.chunksReceived.inc(),
    },
  });
  const started = node;
  registry.add(new Gauge('keel_raft_term', 'Current Raft term.', () => [{ labels: {}, value: started.term }]));
  registry.add(new Gauge('keel_raft_is_leader', '1 on the leader.', () => [{ labels: {}, value: started.leader === config.id ? 1 : 0 }]));
  registry.add(new Gauge('keel_raft_applied_index', 'Last applied index.', () => [{ labels: {}, value: started.appliedIndex }]));
  // Memory, under the names Prometheus' own client libraries use, so dashboards made for other
  // processes read these too: where a master's resident memory goes (V8's heap, or buffers outside it).
  for (const [name, help, field] of memoryGauges) {
    registry.add(new Gauge(name, help, () => [{ labels: {}, value: process.memoryUsage()[field] }]));
  }
  registry.add(
    new Gauge('keel_peer_rtt_seconds', 'Round-trip time to each peer (transport ping).', () =>
      [...transport.stats()].filter(([, s]) => s.rttMs !== null).map(([id, s]) => ({ labels: { peer: String(id) }, value: s.rttMs! / 1000 })),
    ),
  );
  await transport.start();
  undo.push(() => transport.stop());
  await slowRecoveryHook(config);
  await node.start();
  undo.push(() => started.stop());
  const apiUrls = new Map<NodeId, string>(config.members.map((m) => [m.id, `http://${m.apiAddress}`]));
  const tickMs = config.tickMs ?? 100;
  const electionTimeoutMs = 2 * (config.electionTicks ?? 10) * tickMs;
  const ctxOptions = { config, node, store, leaderWaitMs: 3000, requestTimeoutMs: 5000, version: keelVersion, dbSize: () => dataBytes(config.dataDir), unsafeFollowerReads: unsafeFollowerReadsHook(config), observeBatch: (writes: number) => metrics.writesPerEntry.observe(writes) };
  const leases = new LeaderLeaseClock({
    leases: () => store.leases(),
    isLeader: () => started.leader === config.id,
    expire: (ids) => ctx.propose({ command: { op: 'lease-expire', ids } }),
    electionTimeoutMs,
  });
  const ctx = storeContext({ ...ctxOptions, leases });
  leases.start();
  undo.push(() => leases.stop());
  const hub = new WatchHub(store);
  undo.push(() => hub.close());
  const api = new MasterApi({
    node, ctx, hub, apiUrls, registry,
    peerStatus: () => Object.fromEntries(transport.stats()),
    secret: config.secret,
    observeForward: (commands) => metrics.commandsPerForward.observe(commands),
  });
  const { host, port } = address(config.apiAddress);
  await api.listen(host, port);
  const apiUrl = `http://${config.apiAddress}`;
  log(config, `serving the API on ${apiUrl}, peers on ${config.peerAddress}, data in ${config.dataDir}`);

  const stop = async (): Promise<void> => {
    await handOverLeadership(started, config);
    leases.stop();
    hub.close();
    await api.close();
    await started.stop();
    await transport.stop();
    unwatchSyncDelay();
    await db.close();
  };
  return { config, apiUrl, node: started, stop };
}

/** A stopping leader first hands leadership to the most caught-up voter. */
async function handOverLeadership(node: RaftNode, config: MasterConfig): Promise<void> {
  if (node.leader !== config.id) return;
  const status = node.status();
  let best: NodeId = noNode;
  let bestMatch = -1;
  for (const [id, pr] of status.progress) {
    if (id === config.id || pr.learner || !status.conf.voters.includes(id)) continue;
    if (pr.match > bestMatch) [best, bestMatch] = [id, pr.match];
  }
  if (best === noNode) return;
  log(config, `handing leadership to member ${best} before stopping`);
  try {
    node.transferLeadership(best);
  } catch (error) {
    log(config, `leadership transfer refused: ${(error as Error).message}`);
    return;
  }
  const deadline = Date.now() + transferWaitMs;
  while (node.leader === config.id && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Test hook: KEEL_TEST_RECOVERY_DELAY_MS=n holds the master for n ms after its peer transport
 * starts listening and before the node recovers its log, as a long log would: peers reach it in
 * that window.
 */
async function slowRecoveryHook(config: MasterConfig): Promise<void> {
  const ms = Number(process.env.KEEL_TEST_RECOVERY_DELAY_MS ?? 0);
  if (!(ms > 0)) return;
  log(config, `test hook: KEEL_TEST_RECOVERY_DELAY_MS=${ms}: recovering the log ${ms} ms after the peer transport started`);
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Test hook (the lab's crash tests): KEEL_TEST_KILL_INSTALL_AFTER_BATCHES=n makes the process
 * SIGKILL itself after the n-th batch of staged pairs a snapshot install writes.
 */
function installCrashHook(config: MasterConfig): ((batches: number) => void) | undefined {
  const after = Number(process.env.KEEL_TEST_KILL_INSTALL_AFTER_BATCHES ?? 0);
  if (!(after > 0)) return undefined;
  return (batches) => {
    if (batches < after) return;
    log(config, `test hook: killed in the middle of a snapshot install, after ${batches} batch(es)`);
    process.kill(process.pid, 'SIGKILL');
  };
}

/**
 * Test hook, deliberately broken (the lab's stale-read test): with
 * KEEL_TEST_UNSAFE_FOLLOWER_READS=1 a follower serves linearizable reads from its own state
 * without ReadIndex (store/store-context.ts), so a follower cut off from the leader answers
 * stale values. Read once, at start; said loudly in the log when on.
 */
function unsafeFollowerReadsHook(config: MasterConfig): boolean {
  if (process.env.KEEL_TEST_UNSAFE_FOLLOWER_READS !== '1') return false;
  log(config, 'test hook: KEEL_TEST_UNSAFE_FOLLOWER_READS=1: UNSAFE: as a follower this master serves linearizable reads from its own state WITHOUT ReadIndex; they can be stale; never run a real cluster like this');
  return true;
}

/** How often the slow-disk test hook looks at its file, ms. */
const syncDelayPollMs = 100;

/**
 * Test hook (the lab's slow disk): with KEEL_TEST_SYNC_DELAY_FILE=path the delay before every
 * sync write, ms, is read from that file at start and whenever it changes (polled every 100 ms);
 * a missing or empty file means no delay (the file decides: KEEL_TEST_SYNC_DELAY_MS is then
 * overridden). Returns what stops the polling.
 */
function syncDelayHook(config: MasterConfig, logStore: LogStore): () => void {
  const file = process.env.KEEL_TEST_SYNC_DELAY_FILE;
  if (file === undefined || file === '') return () => {};
  let current: number | null = null;
  const read = (): void => {
    let text = '';
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch {
      // no file: no delay
    }
    const ms = text === '' ? 0 : Number(text);
    if (!(Number.isFinite(ms) && ms >= 0)) return log(config, `test hook: ${file} holds ${JSON.stringify(text)}, not a delay in ms; ignored`);
    if (ms === current) return;
    const first = current === null;
    current = ms;
    logStore.setSyncDelay(ms);
    if (!(first && ms === 0)) log(config, `test hook: sync writes delayed by ${ms} ms`);
  };
  read();
  watchFile(file, { interval: syncDelayPollMs, persistent: false }, read);
  return () => unwatchFile(file, read);
}

function masterMetrics(registry: Registry) {
  return {
    leaderChanges: registry.add(new Counter('keel_raft_leader_changes_total', 'Leader changes seen by this member.')),
    proposals: registry.add(new Counter('keel_raft_proposals_committed_total', 'Proposals of this member that committed and applied.')),
    commit: registry.add(new Histogram('keel_raft_commit_latency_seconds', 'From proposal to apply, on the leader.', latencyBucketsSeconds)),
    fsync: registry.add(new Histogram('keel_disk_fsync_seconds', 'Sync writes of the Raft log and hard state.', latencyBucketsSeconds)),
    batch: registry.add(new Histogram('keel_raft_append_batch_entries', 'Entries per sync write of the log.', batchBuckets)),
    writesPerEntry: registry.add(new Histogram('keel_proposal_writes_per_entry', 'Writes proposed together in one log entry, on the leader.', batchBuckets)),
    commandsPerForward: registry.add(new Histogram('keel_forward_commands_per_request', 'Writes a follower forwarded to the leader together in one request.', batchBuckets)),
    chunksSent: registry.add(new Counter('keel_snapshot_chunks_sent_total', 'Snapshot chunks streamed to lagging members.')),
    chunksReceived: registry.add(new Counter('keel_snapshot_chunks_received_total', 'Snapshot chunks received and staged.')),
  };
}
