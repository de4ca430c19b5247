// A three-member etcd cluster on loopback, for the comparison benchmark and its smoke test:
// started from the etcd binary Debian's etcd-server package installs, data in a temp dir,
// stopped by its own pids. Member i serves clients on basePort+i and peers on basePort+10+i;
// with `peerProxyPorts` the members advertise those ports to each other instead, so that every
// peer connection goes through a proxy (bench/compare/peer-proxy.ts) that can cut it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';

/** How to get etcd on Debian or Ubuntu; printed wherever it is missing. */
export const etcdInstallHint = 'apt-get install etcd-server etcd-client';

/** The etcd binary on PATH or in the usual places, or null. */
export function findEtcd(): string | null {
  for (const candidate of ['/usr/bin/etcd', '/usr/local/bin/etcd']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() !== '' ? which.stdout.trim() : null;
}

/** The version `etcd --version` reports, e.g. `3.4.23`. */
export function etcdVersion(binary: string): string {
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return /^etcd Version: (\S+)/m.exec(run.stdout)?.[1] ?? 'unknown';
}

export interface EtcdClusterOptions {
  binary: string;
  /** Member i (1..3) serves clients on basePort+i and listens for peers on basePort+10+i. */
  basePort: number;
  /** Milliseconds between heartbeats (`--heartbeat-interval`). Default 100, etcd's default. */
  heartbeatMs?: number;
  /** Election timeout (`--election-timeout`), ms; etcd randomizes it in [t, 2t). Default 1000. */
  electionMs?: number;
  /** `--unsafe-no-fsync`: the WAL and the backend are not synced (NO FSYNC, not durable). Default false. */
  noFsync?: boolean;
  /** Peer ports the members advertise (where their proxies listen), by member id; default: their own. */
  peerProxyPorts?: Map<number, number>;
}

export interface EtcdStatus {
  /** 1..3, this launcher's member number. */
  id: number;
  /** The member id etcd chose, in hex. */
  memberId: string;
  /** The leader's member number, or 0 when this member knows none. */
  leader: number;
  term: number;
}

/** Quota of the backend database, bytes: history is never compacted during a run. 8 GiB, etcd's recommended maximum. */
const quotaBackendBytes = 8 * 1024 ** 3;
/** How long to wait for a leader, ms. */
const leaderWaitMs = 30_000;

export class EtcdCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'keel-bench-etcd-'));
  readonly ids = [1, 2, 3];
  readonly #options: EtcdClusterOptions;
  readonly #token = `keel-bench-${randomBytes(4).toString('hex')}`;
  readonly #children = new Map<number, ChildProcess>();
  /** Members stopped on purpose (kill()), as opposed to ones that exited on their own. */
  readonly #killed = new Set<number>();
  /** etcd's member id (hex) of each member, learnt from its status. */
  readonly #memberIds = new Map<string, number>();

  constructor(options: EtcdClusterOptions) {
    this.#options = options;
  }

  url(id: number): string {
    return `http://127.0.0.1:${this.#options.basePort + id}`;
  }

  peerPort(id: number): number {
    return this.#options.basePort + 10 + id;
  }

  advertisedPeerPort(id: number): number {
    return this.#options.peerProxyPorts?.get(id) ?? this.peerPort(id);
  }

  logFile(id: number): string {
    return join(this.dir, `e${id}.log`);
  }

  log(id: number): string {
    try {
      return readFileSync(this.logFile(id), 'utf8');
    } catch {
      return '';
    }
  }

  args(id: number): string[] {
    const o = this.#options;
    const peerUrl = (m: number): string => `http://127.0.0.1:${this.advertisedPeerPort(m)}`;
    return [
      '--name', `e${id}`,
      '--data-dir', join(this.dir, `e${id}`),
      '--listen-client-urls', this.url(id),
      '--advertise-client-urls', this.url(id),
      '--listen-peer-urls', `http://127.0.0.1:${this.peerPort(id)}`,
      '--initial-advertise-peer-urls', peerUrl(id),
      '--initial-cluster', this.ids.map((m) => `e${m}=${peerUrl(m)}`).join(','),
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', this.#token,
      '--heartbeat-interval', String(o.heartbeatMs ?? 100),
      '--election-timeout', String(o.electionMs ?? 1000),
      // keel runs PreVote (and CheckQuorum, which etcd always runs); etcd 3.4 has it off by default.
      '--pre-vote=true',
      '--quota-backend-bytes', String(quotaBackendBytes),
      '--logger', 'zap',
      ...(o.noFsync === true ? ['--unsafe-no-fsync'] : []),
    ];
  }

  /** Starts member `id` (again, on its data, after a kill). Its output goes to logFile(id). */
  start(id: number): void {
    const fd = openSync(this.logFile(id), 'a');
    const child = spawn(this.#options.binary, this.args(id), { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.#children.set(id, child);
    this.#killed.delete(id);
  }

  async startAll(): Promise<void> {
    for (const id of this.ids) this.start(id);
    await this.leader();
  }

  pid(id: number): number {
    return this.#children.get(id)!.pid!;
  }

  running(id: number): boolean {
    const child = this.#children.get(id);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Sends `signal` and waits for the member to exit. */
  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#children.get(id);
    if (child === undefined || !this.running(id)) return;
    this.#killed.add(id);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async status(id: number, timeoutMs = 2_000): Promise<EtcdStatus> {
    const res = await request(`${this.url(id)}/v3/maintenance/status`, { method: 'POST', body: '{}', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const reply = (await res.body.json()) as { header?: { member_id?: string; raft_term?: string }; leader?: string };
    if (res.statusCode !== 200 || reply.header?.member_id === undefined) throw new Error(`etcd ${id}: status answered ${res.statusCode}`);
    const memberId = BigInt(reply.header.member_id).toString(16);
    this.#memberIds.set(memberId, id);
    const leaderHex = reply.leader === undefined ? '0' : BigInt(reply.leader).toString(16);
    return { id, memberId, leader: this.#memberIds.get(leaderHex) ?? 0, term: Number(reply.header.raft_term ?? 0) };
  }

  /** The leader every running member agrees on, and its term. */
  async leader(timeoutMs = leaderWaitMs): Promise<{ id: number; term: number }> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      for (const id of this.ids) {
        if (this.#children.has(id) && !this.running(id) && !this.#killed.has(id)) throw new Error(`etcd member ${id} exited; see ${this.logFile(id)}:\n${this.log(id).slice(-1500)}`);
      }
      try {
        const statuses = await Promise.all(this.ids.filter((id) => this.running(id)).map((id) => this.status(id)));
        // Twice: a member's leader id maps to a member number only once that member has answered.
        const again = await Promise.all(statuses.map((s) => this.status(s.id)));
        const leaders = new Set(again.map((s) => s.leader));
        const leader = again.find((s) => s.leader === s.id);
        if (leader !== undefined && leaders.size === 1) return { id: leader.id, term: leader.term };
        last = JSON.stringify(again);
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`etcd: no leader all running members agree on within ${timeoutMs} ms (last: ${last})`);
  }

  /** Stops every member by its pid (SIGKILL) and removes the data. */
  async destroy(): Promise<void> {
    // SIGKILL ends a stopped (SIGSTOP) member too.
    await Promise.all(this.ids.map((id) => this.kill(id)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
