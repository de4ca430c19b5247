// The TCP peer transport of a member: one persistent outbound connection per peer, used only to
// send, and the inbound connections of the peers, used only to receive. Both kinds run a mutual
// HMAC handshake before any message; every frame is length-prefixed msgpack (transport/frame.ts).
//
// Messages sent during one event-loop turn go out together, one frame per peer, when the turn
// ends (setImmediate). Nothing grows without bound: the send queue of a peer is capped, frames
// are capped, unauthenticated connections are capped and get only tiny frames.
import { createServer, type Server, type Socket } from 'node:net';
import { assert, type Message, type NodeId } from './core/index.ts';
import type { LinkContext, PeerAddress } from './transport/context.ts';
import { frameBytesLimit } from './transport/frame.ts';
import { InboundConnection } from './transport/inbound.ts';
import { frameBytesMaxDefault, handshakingInboundMax, sendQueueMaxDefault } from './transport/limits.ts';
import { LogLimiter } from './transport/log-limiter.ts';
import { OutboundPeer, type PeerStats } from './transport/outbound.ts';

export type { PeerAddress } from './transport/context.ts';
export type { PeerStats } from './transport/outbound.ts';

export interface TransportOptions {
  /** This member. */
  id: NodeId;
  /** Both sides of a connection must agree on it. */
  clusterId: string;
  /** Shared cluster secret for the HMAC-SHA256 challenge-response. */
  secret: string;
  /** Where to listen; port 0 lets the OS pick (start() returns the actual port). */
  listen: PeerAddress;
  /** The other members; copied, change it later with setPeer/removePeer. */
  peers: Map<NodeId, PeerAddress>;
  /** A decoded, validated batch (one frame) from an authenticated peer, addressed to us. */
  onMessages: (messages: Message[]) => void;
  /**
   * Messages to this peer were dropped (send queue full, message over the frame limit) or may
   * be lost or late (its connection broke or cannot be opened while messages wait). Called at
   * most once per peer per event-loop turn, never from inside send().
   */
  onUnreachable: (id: NodeId) => void;
  /** Operator log lines, one per call (default: stderr). Repeats are limited to one per 30 s. */
  log?: (line: string) => void;
  /** Messages queued to one peer before new ones are dropped (default 4096). */
  sendQueueMax?: number;
  /** Largest frame accepted, bytes (default 64 MiB; larger frames close the connection). */
  frameBytesMax?: number;
}

export class PeerTransport {
  readonly #options: TransportOptions;
  readonly #context: LinkContext;
  readonly #sendQueueMax: number;
  readonly #addresses: Map<NodeId, PeerAddress>;
  readonly #outbound = new Map<NodeId, OutboundPeer>();
  readonly #inbound = new Set<InboundConnection>();
  #server: Server | null = null;
  #flushScheduled = false;
  #unreachable = new Set<NodeId>();
  #stopped = false;

  constructor(options: TransportOptions) {
    assert(Number.isSafeInteger(options.id) && options.id > 0, `member id ${options.id} is not a positive integer`);
    assert(!options.peers.has(options.id), `member ${options.id} is listed among its own peers`);
    const frameBytesMax = options.frameBytesMax ?? frameBytesMaxDefault;
    assert(frameBytesMax >= 1024 && frameBytesMax <= frameBytesLimit, `frameBytesMax ${frameBytesMax} is out of [1024, 2^32)`);
    this.#sendQueueMax = options.sendQueueMax ?? sendQueueMaxDefault;
    assert(this.#sendQueueMax >= 1, `sendQueueMax ${this.#sendQueueMax} < 1`);
    this.#options = options;
    this.#addresses = new Map(options.peers);
    const write = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
    this.#context = {
      self: options.id,
      clusterId: options.clusterId,
      secret: options.secret,
      frameBytesMax,
      logger: new LogLimiter(write),
      logPrefix: `transport ${options.id}`,
    };
  }

  /** Starts listening; resolves to the listening address with the actual port. */
  async start(): Promise<PeerAddress> {
    assert(this.#server === null && !this.#stopped, 'transport started twice or after stop');
    const server = createServer({ noDelay: true, keepAlive: true }, (socket) => this.#accept(socket));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#options.listen.port, this.#options.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.#context.logger.write(`${this.#context.logPrefix}: listener error: ${error.message}`));
    const address = server.address();
    assert(address !== null && typeof address === 'object', 'a TCP server has an address');
    return { host: this.#options.listen.host, port: address.port };
  }

  /** Queues messages; they are written at the end of this event-loop turn, one frame per peer. */
  send(messages: Message[]): void {
    if (this.#stopped) return;
    const byPeer = new Map<NodeId, Message[]>();
    for (const message of messages) {
      assert(message.from === this.#options.id, `message from ${message.from} sent by member ${this.#options.id}`);
      assert(message.to !== this.#options.id, `member ${this.#options.id} sends a message to itself`);
      let list = byPeer.get(message.to);
      if (list === undefined) byPeer.set(message.to, (list = []));
      list.push(message);
    }
    for (const [id, list] of byPeer) {
      const peer = this.#peer(id);
      if (peer === null) {
        this.#context.logger.log(`no address ${id}`, `${this.#context.logPrefix}: no address for member ${id}; ${list.length} message(s) dropped`);
        this.#markUnreachable(id);
      } else {
        peer.enqueue(list);
      }
    }
    this.#scheduleFlush();
  }

  /** Adds a member or changes its address (its outbound connection is reopened). */
  setPeer(id: NodeId, address: PeerAddress): void {
    assert(id !== this.#options.id, `member ${id} cannot be its own peer`);
    this.#addresses.set(id, { host: address.host, port: address.port });
    this.#outbound.get(id)?.setAddress(address);
  }

  /** Removes a member: its queue is discarded and its connections, both ways, are closed. */
  removePeer(id: NodeId): void {
    this.#addresses.delete(id);
    this.#outbound.get(id)?.close();
    this.#outbound.delete(id);
    for (const connection of this.#inbound) if (connection.peer === id) connection.close();
  }

  /** Messages waiting to be written to `id` (not yet in the socket): paces snapshot streams. */
  queued(id: NodeId): number {
    return this.#outbound.get(id)?.stats().queued ?? 0;
  }

  /** Per known peer (those in the peer list). */
  stats(): Map<NodeId, PeerStats> {
    const stats = new Map<NodeId, PeerStats>();
    for (const id of this.#addresses.keys()) {
      const peer = this.#outbound.get(id);
      stats.set(id, peer?.stats() ?? { connected: false, queued: 0, sentFrames: 0, droppedMessages: 0, rttMs: null });
    }
    return stats;
  }

  /** Closes the listener and every connection; no callback is called after this starts. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const peer of this.#outbound.values()) peer.close();
    this.#outbound.clear();
    for (const connection of this.#inbound) connection.close();
    this.#inbound.clear();
    const server = this.#server;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #peer(id: NodeId): OutboundPeer | null {
    const existing = this.#outbound.get(id);
    if (existing !== undefined) return existing;
    const address = this.#addresses.get(id);
    if (address === undefined) return null;
    const peer = new OutboundPeer(id, address, this.#context, this.#sendQueueMax, {
      wantFlush: () => this.#scheduleFlush(),
      unreachable: (peerId) => this.#markUnreachable(peerId),
    });
    this.#outbound.set(id, peer);
    return peer;
  }

  #markUnreachable(id: NodeId): void {
    this.#unreachable.add(id);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#stopped) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#stopped) return;
    for (const peer of this.#outbound.values()) peer.flush();
    const unreachable = this.#unreachable;
    this.#unreachable = new Set();
    for (const id of unreachable) {
      if (this.#stopped) return;
      this.#options.onUnreachable(id);
    }
  }

  #accept(socket: Socket): void {
    if (this.#stopped) return void socket.destroy();
    let handshaking = 0;
    for (const connection of this.#inbound) if (connection.peer === null) handshaking++;
    if (handshaking >= handshakingInboundMax) {
      this.#context.logger.log('inbound full', `${this.#context.logPrefix}: ${handshaking} connections are in their handshake already; a new one is refused`);
      socket.destroy();
      return;
    }
    const connection = new InboundConnection(socket, this.#context, {
      isMember: (id) => this.#addresses.has(id),
      authenticated: (authenticated) => {
        // A peer keeps one outbound connection: an older one from it is stale (the peer
        // restarted or reconnected and the old one is half-open).
        for (const other of this.#inbound) if (other !== authenticated && other.peer === authenticated.peer) other.close();
      },
      deliver: (messages) => {
        if (!this.#stopped) this.#options.onMessages(messages);
      },
      closed: (closed) => this.#inbound.delete(closed),
    });
    if (!connection.isClosed) this.#inbound.add(connection);
  }
}
