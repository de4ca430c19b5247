// The two systems under comparison behind one face: a three-master keel cluster and a
// three-member etcd cluster on loopback, with the same heartbeat (100 ms) and election timeout
// (1000 ms, randomized up to twice that by both), fsync on unless the NO FSYNC mode asks
// otherwise, data in a temp dir, and optionally a proxy on every peer link (for partitions).
import { readFileSync } from 'node:fs';
import { ProcessCluster, formatLogTails } from '../../lab/cluster/process-cluster.ts';
import { EtcdCluster } from './etcd-cluster.ts';
import { PeerProxies } from './peer-proxy.ts';

export type SystemName = 'etcd' | 'keel';

export const heartbeatMs = 100;
export const electionTimeoutMs = 1000;

export interface SystemOptions {
  /** Member i serves clients on basePort+i, peers on basePort+10+i, its peer proxy on basePort+20+i. */
  basePort: number;
  /** NO FSYNC mode: etcd's --unsafe-no-fsync, keel's unsafeNoFsync. */
  noFsync: boolean;
  /** Route every peer connection through PeerProxies, so that a member can be partitioned. */
  proxied: boolean;
}

export interface System {
  readonly name: SystemName;
  readonly ids: number[];
  /** Where the members keep their data (a temp dir, removed by destroy()). */
  readonly dir: string;
  /** The peer proxies when `proxied`, else null. */
  readonly proxies: PeerProxies | null;
  url(id: number): string;
  pid(id: number): number;
  running(id: number): boolean;
  logFile(id: number): string;
  startAll(): Promise<void>;
  /** The leader every running member agrees on, and its term. */
  leader(timeoutMs?: number): Promise<{ id: number; term: number }>;
  /** SIGKILL, and wait for the exit. */
  kill(id: number): Promise<void>;
  /** Starts a killed member again on its data. */
  restart(id: number): void;
  /** SIGSTOP: the process keeps its sockets and answers nothing. */
  pause(id: number): void;
  /** SIGCONT. */
  resume(id: number): void;
  destroy(): Promise<void>;
}

const proxyOffset = 20;

function proxiesFor(options: SystemOptions, ids: number[], pidOf: (id: number) => number | null): PeerProxies | null {
  if (!options.proxied) return null;
  const members = ids.map((id) => ({ id, listenPort: options.basePort + proxyOffset + id, targetPort: options.basePort + 10 + id }));
  return new PeerProxies(members, pidOf);
}

/** What both clusters offer the systems below: processes by member id, in a temp dir. */
interface MemberProcesses {
  readonly dir: string;
  url(id: number): string;
  pid(id: number): number;
  running(id: number): boolean;
  logFile(id: number): string;
  startAll(): Promise<void>;
  start(id: number): void;
  kill(id: number, signal: NodeJS.Signals): Promise<unknown>;
  destroy(): Promise<void>;
}

/** The part of a System that is the same for both: delegation to the cluster, and its proxies. */
abstract class ClusterSystem<C extends MemberProcesses> {
  abstract readonly ids: number[];
  abstract leader(timeoutMs?: number): Promise<{ id: number; term: number }>;

  constructor(
    readonly cluster: C,
    readonly proxies: PeerProxies | null,
  ) {}

  get dir(): string {
    return this.cluster.dir;
  }

  url(id: number): string {
    return this.cluster.url(id);
  }

  pid(id: number): number {
    return this.cluster.pid(id);
  }

  running(id: number): boolean {
    return this.cluster.running(id);
  }

  logFile(id: number): string {
    return this.cluster.logFile(id);
  }

  async startAll(): Promise<void> {
    await this.proxies?.start();
    await this.cluster.startAll();
  }

  async kill(id: number): Promise<void> {
    await this.cluster.kill(id, 'SIGKILL');
  }

  restart(id: number): void {
    this.cluster.start(id);
  }

  pause(id: number): void {
    process.kill(this.pid(id), 'SIGSTOP');
  }

  resume(id: number): void {
    process.kill(this.pid(id), 'SIGCONT');
  }

  async destroy(): Promise<void> {
    await this.cluster.destroy();
    await this.proxies?.close();
  }
}

export class KeelSystem extends ClusterSystem<ProcessCluster> implements System {
  readonly name = 'keel' as const;
  readonly ids = [1, 2, 3];

  constructor(options: SystemOptions) {
    const proxyAddress = (id: number): string => `127.0.0.1:${options.basePort + proxyOffset + id}`;
    const cluster = new ProcessCluster({
      basePort: options.basePort,
      tweak: (config) => {
        config.tickMs = heartbeatMs;
        config.electionTicks = electionTimeoutMs / heartbeatMs;
        if (options.noFsync) config.unsafeNoFsync = true;
        // A master listens on its own peerAddress and dials the others at the addresses in its
        // members list: with proxies, those are the proxies'.
        if (options.proxied) config.members = config.members.map((m) => ({ ...m, peerAddress: proxyAddress(m.id) }));
      },
    });
    super(cluster, proxiesFor(options, [1, 2, 3], (id) => (cluster.running(id) ? cluster.pid(id) : null)));
  }

  async leader(timeoutMs = 30_000): Promise<{ id: number; term: number }> {
    // A member busy after a heavy point may answer a status request late: ask again until the
    // deadline, as the wait for agreement does, rather than fail the whole run on one timeout.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const id = await this.cluster.leader(Math.max(1_000, deadline - Date.now()));
      try {
        const status = await this.cluster.status(id);
        return { id, term: Number(status.term) };
      } catch (error) {
        if (Date.now() >= deadline) throw error;
      }
    }
  }
}

export class EtcdSystem extends ClusterSystem<EtcdCluster> implements System {
  readonly name = 'etcd' as const;

  constructor(binary: string, options: SystemOptions) {
    const ids = [1, 2, 3];
    const proxyPorts = options.proxied ? new Map(ids.map((id) => [id, options.basePort + proxyOffset + id])) : undefined;
    const cluster = new EtcdCluster({ binary, basePort: options.basePort, heartbeatMs, electionMs: electionTimeoutMs, noFsync: options.noFsync, peerProxyPorts: proxyPorts });
    super(cluster, proxiesFor(options, ids, (id) => (cluster.running(id) ? cluster.pid(id) : null)));
  }

  get ids(): number[] {
    return this.cluster.ids;
  }

  leader(timeoutMs?: number): Promise<{ id: number; term: number }> {
    return this.cluster.leader(timeoutMs);
  }
}

/** The last `lines` lines of every member's log, for a run that failed (destroy() deletes them). */
export function logTails(system: System, lines = 40): string {
  const textOf = (file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '(no log)'; // the member never started, so it wrote none
    }
  };
  return formatLogTails(system.ids.map((id) => ({ who: `${system.name} member ${id}`, file: system.logFile(id), text: textOf(system.logFile(id)) })), lines);
}
