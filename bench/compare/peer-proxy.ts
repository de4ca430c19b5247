// A TCP proxy in front of every member's peer listener, so that a member can be partitioned from
// its peers for real: its peer connections stay open but carry nothing, both ways, as when the
// network drops every packet; client traffic is untouched.
//
// Each member advertises (etcd) or is listed to its peers (keel) at its proxy's port, so every
// peer connection to member X enters X's proxy. Which member dialled it is not in the bytes
// (etcd names the sender in an HTTP header, keel inside its handshake), so the proxy asks the
// kernel instead: the dialling socket's inode from /proc/net/tcp, then which member's process
// holds that inode among its file descriptors. One mechanism, the same for both systems.
//
// Isolating X blackholes every connection to X and every connection from X, and any new one;
// healing closes the blackholed connections (their streams lost bytes mid-frame), so both sides
// reconnect as after a real partition.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface ProxiedMember {
  id: number;
  /** Where the proxy listens: the port the peers dial. */
  listenPort: number;
  /** The member's own peer listener. */
  targetPort: number;
}

interface Link {
  /** The dialling member, or null if the kernel could not tell. */
  from: number | null;
  to: number;
  client: Socket;
  upstream: Socket | null;
  blackholed: boolean;
}

const host = '127.0.0.1';

export class PeerProxies {
  readonly #members: ProxiedMember[];
  readonly #pidOf: (id: number) => number | null;
  readonly #servers: Server[] = [];
  readonly #links = new Set<Link>();
  readonly #isolated = new Set<number>();
  /** Connections whose sender the kernel could not name; they pass unless their target is isolated. */
  unidentified = 0;
  accepted = 0;

  /** `pidOf`: the current process of a member (it changes when a member is restarted), or null. */
  constructor(members: ProxiedMember[], pidOf: (id: number) => number | null) {
    this.#members = members;
    this.#pidOf = pidOf;
  }

  async start(): Promise<void> {
    for (const member of this.#members) {
      const server = createServer({ pauseOnConnect: true, noDelay: true }, (socket) => void this.#accept(member, socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(member.listenPort, host, () => resolve());
      });
      this.#servers.push(server);
    }
  }

  /** Cuts member `id` off from every peer, both ways, until heal(). */
  isolate(id: number): void {
    this.#isolated.add(id);
    for (const link of this.#links) if (this.#blocked(link)) this.#blackhole(link);
  }

  /** Ends every partition: blackholed connections are closed, new ones pass. */
  heal(): void {
    this.#isolated.clear();
    for (const link of this.#links) if (link.blackholed) this.#drop(link);
  }

  async close(): Promise<void> {
    for (const link of this.#links) this.#drop(link);
    await Promise.all(this.#servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  #blocked(link: Link): boolean {
    return this.#isolated.has(link.to) || (link.from !== null && this.#isolated.has(link.from));
  }

  async #accept(member: ProxiedMember, client: Socket): Promise<void> {
    this.accepted++;
    // Tracked from the start, so that close() ends it even while its sender is being looked up.
    const link: Link = { from: null, to: member.id, client, upstream: null, blackholed: false };
    this.#links.add(link);
    client.on('error', () => {});
    client.once('close', () => this.#drop(link));
    link.from = await this.#sender(client.remotePort ?? 0, member.listenPort).catch(() => null);
    if (link.from === null) this.unidentified++;
    if (!this.#links.has(link)) return; // closed meanwhile
    if (this.#blocked(link)) return this.#blackhole(link);
    const upstream = connect({ host, port: member.targetPort, noDelay: true });
    link.upstream = upstream;
    upstream.on('error', () => {});
    upstream.once('close', () => this.#drop(link));
    upstream.once('connect', () => {
      if (link.blackholed) return;
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  /** Both directions keep reading and throw the bytes away. */
  #blackhole(link: Link): void {
    if (link.blackholed) return;
    link.blackholed = true;
    for (const socket of [link.client, link.upstream]) {
      if (socket === null) continue;
      socket.unpipe();
      socket.on('data', () => {});
      socket.resume();
    }
  }

  #drop(link: Link): void {
    if (!this.#links.delete(link)) return;
    link.client.destroy();
    link.upstream?.destroy();
  }

  /** The member whose process holds the dialling end (local port `port`, connected to `proxyPort`). */
  async #sender(port: number, proxyPort: number): Promise<number | null> {
    const inode = socketInode(await readFile('/proc/net/tcp', 'utf8'), port, proxyPort);
    if (inode === null) return null;
    const wanted = `socket:[${inode}]`;
    for (const { id } of this.#members) {
      const pid = this.#pidOf(id);
      if (pid === null) continue;
      let fds: string[];
      try {
        fds = await readdir(`/proc/${pid}/fd`);
      } catch {
        continue; // the process is gone
      }
      for (const fd of fds) {
        const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
        if (target === wanted) return id;
      }
    }
    return null;
  }
}

/**
 * The inode of the IPv4 socket bound to 127.0.0.1:`localPort` and connected to
 * 127.0.0.1:`remotePort`, from the text of /proc/net/tcp; null if there is none.
 */
export function socketInode(procNetTcp: string, localPort: number, remotePort: number): string | null {
  const hex = (port: number): string => `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const local = hex(localPort);
  const remote = hex(remotePort);
  for (const line of procNetTcp.split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local && fields[2] === remote) return fields[9] ?? null;
  }
  return null;
}
