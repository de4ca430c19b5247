// One directed peer link of the fault-injecting proxy: it listens where member `from` dials
// member `to` and forwards every accepted connection to `to`'s peer address.
//
// The peer transport (raft/transport.ts) dials one connection per directed pair and sends its
// messages only on it; the other way carries just the handshake answers and pongs. So the faults
// of link a→b act on a's messages to b alone, and cutting a→b is a one-way cut at the message
// level: b's messages to a travel on link b→a, untouched.
//
// Faults (each link its own):
// - cut: open connections are reset (RST) at once; new ones are accepted and held: nothing is
//   forwarded and `to` is not dialed. A real partition leaves a connection open but silent until
//   the endpoints' own timeouts notice (10 s of silence in the transport); resetting at once
//   models a partition that has lasted past that detection, without every test waiting 10 s, and
//   without the burst of stale frames a stalled connection would deliver at heal. A held
//   connection is what a connect into a partition looks like to the transport: no handshake
//   ever completes (it gives up after 5 s and redials with backoff).
// - heal: held connections are dialed through and flow, as a retransmitted SYN gets through
//   once a partition ends.
// - latency: every chunk, both ways, is delivered `latencyMs` after it arrived, in order.
// - drop rate p: TCP cannot lose bytes in the middle of a stream without breaking its framing,
//   so a lost chunk means a lost connection: each chunk, either way, is with probability p
//   dropped and its connection reset on both sides. The messages in it and behind it are lost,
//   and the transport reconnects. The decisions come from a PRNG seeded per link, so a run
//   draws the same decisions; which chunk each lands on depends on how the kernel cuts the
//   stream, so it replays the same faults, not the same bytes.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { assert, Prng } from '../../raft/core/index.ts';

export interface LinkAddress {
  host: string;
  port: number;
}

/** Connections one link holds at most (open, dialing or held); more are reset at accept. */
export const linkConnectionsMax = 64;
/** Bytes one direction of a connection buffers (delayed, held or waiting for the kernel) before it stops reading. */
export const laneBytesMax = 4 << 20;

export interface LinkStats {
  /** Connections accepted from `from`. */
  accepted: number;
  /** Connections reset by a cut or a drop. */
  reset: number;
  /** Bytes delivered to `to` (carrying `from`'s messages). */
  bytesForward: number;
  /** Bytes delivered back to `from` (handshake answers, pongs). */
  bytesBack: number;
  /** Connections now held by a cut. */
  held: number;
}

export class ProxyLink {
  #server: Server | null = null;
  readonly #pipes = new Set<Pipe>();
  readonly #prng: Prng;
  #cut = false;
  #latencyMs = 0;
  #dropRate = 0;
  readonly #stats: LinkStats = { accepted: 0, reset: 0, bytesForward: 0, bytesBack: 0, held: 0 };

  constructor(
    readonly from: number,
    readonly to: number,
    readonly listen: LinkAddress,
    readonly target: LinkAddress,
    seed: number,
  ) {
    assert(from !== to, `a link from member ${from} to itself`);
    this.#prng = new Prng(seed);
  }

  get isCut(): boolean {
    return this.#cut;
  }

  get latencyMs(): number {
    return this.#latencyMs;
  }

  get dropRate(): number {
    return this.#dropRate;
  }

  async start(): Promise<void> {
    if (this.#server !== null) return;
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (socket) => this.#accept(socket));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listen.port, this.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Where the link listens, with the actual port once started (port 0 lets the OS pick). */
  address(): LinkAddress {
    const address = this.#server?.address();
    if (address === undefined || address === null || typeof address === 'string') return this.listen;
    return { host: this.listen.host, port: address.port };
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    for (const pipe of this.#pipes) pipe.reset();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resets every open connection and holds new ones until heal(). */
  cut(): void {
    this.#cut = true;
    for (const pipe of this.#pipes) {
      if (pipe.state === 'held') continue;
      this.#stats.reset++;
      pipe.reset();
    }
  }

  /** Lifts a cut: held connections are dialed through. */
  heal(): void {
    this.#cut = false;
    for (const pipe of this.#pipes) if (pipe.state === 'held') pipe.dial();
  }

  /** Delay of every chunk from now on, ms (0: none). */
  setLatency(ms: number): void {
    assert(Number.isFinite(ms) && ms >= 0, `latency ${ms} ms is not a non-negative number`);
    this.#latencyMs = ms;
  }

  /** Probability in [0, 1] that a chunk is dropped with its connection. */
  setDropRate(p: number): void {
    assert(p >= 0 && p <= 1, `drop rate ${p} is not in [0, 1]`);
    this.#dropRate = p;
  }

  stats(): LinkStats {
    let held = 0;
    for (const pipe of this.#pipes) if (pipe.state === 'held') held++;
    return { ...this.#stats, held };
  }

  /** Whether the next chunk is dropped (a draw only while a drop rate is set). */
  shouldDrop(): boolean {
    if (this.#dropRate === 0 || !this.#prng.chance(this.#dropRate)) return false;
    this.#stats.reset++;
    return true;
  }

  delivered(direction: 'forward' | 'back', bytes: number): void {
    if (direction === 'forward') this.#stats.bytesForward += bytes;
    else this.#stats.bytesBack += bytes;
  }

  closed(pipe: Pipe): void {
    this.#pipes.delete(pipe);
  }

  #accept(socket: Socket): void {
    this.#stats.accepted++;
    if (this.#pipes.size >= linkConnectionsMax) {
      this.#stats.reset++;
      socket.on('error', () => {});
      resetSocket(socket);
      return;
    }
    const pipe = new Pipe(this, socket);
    this.#pipes.add(pipe);
    if (!this.#cut) pipe.dial();
  }
}

type PipeState = 'held' | 'dialing' | 'open' | 'closed';

/** One accepted connection and, once dialed, its twin to the target. */
class Pipe {
  state: PipeState = 'held';
  readonly #link: ProxyLink;
  readonly #client: Socket;
  #server: Socket | null = null;
  /** What the client sent before the pipe opened, delivered first. */
  #early: Buffer[] = [];
  #earlyBytes = 0;
  #clientEnded = false;

  constructor(link: ProxyLink, client: Socket) {
    this.#link = link;
    this.#client = client;
    client.on('error', () => this.reset());
    client.on('close', (hadError) => this.#closed(hadError));
    client.on('end', () => {
      this.#clientEnded = true;
      // A client that gives up while held or dialing is gone: nothing to dial through for.
      if (this.state !== 'open') this.reset();
    });
    client.on('data', (chunk: Buffer) => {
      if (this.state === 'open') return;
      this.#early.push(chunk);
      this.#earlyBytes += chunk.length;
      if (this.#earlyBytes >= laneBytesMax) client.pause();
    });
    client.resume();
  }

  dial(): void {
    if (this.state !== 'held') return;
    this.state = 'dialing';
    const { host, port } = this.#link.target;
    const server = connect({ host, port, noDelay: true, allowHalfOpen: true });
    this.#server = server;
    server.on('error', () => this.reset());
    server.on('close', (hadError) => this.#closed(hadError));
    server.once('connect', () => this.#open(server));
  }

  /** Resets both sides (RST) and forgets everything buffered. */
  reset(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const socket of [this.#client, this.#server]) if (socket !== null) resetSocket(socket);
    this.#early = [];
    this.#link.closed(this);
  }

  /**
   * A socket closed. After an error the other side is reset; after an orderly close the other
   * side follows on its own once its lane has delivered the end, and the pipe is done when both are.
   */
  #closed(hadError: boolean): void {
    if (hadError || this.state !== 'open') return this.reset();
    if (!this.#client.destroyed || !this.#server!.destroyed) return;
    this.state = 'closed';
    this.#link.closed(this);
  }

  #open(server: Socket): void {
    if (this.state !== 'dialing') return;
    this.state = 'open';
    const client = this.#client;
    client.removeAllListeners('data');
    const forward = new Lane(client, server, this.#link, 'forward', () => this.reset());
    const back = new Lane(server, client, this.#link, 'back', () => this.reset());
    for (const chunk of this.#early) forward.push(chunk);
    this.#early = [];
    if (this.#clientEnded) forward.pushEnd();
    client.on('data', (chunk: Buffer) => forward.push(chunk));
    client.on('end', () => forward.pushEnd());
    server.on('data', (chunk: Buffer) => back.push(chunk));
    server.on('end', () => back.pushEnd());
    client.resume();
    server.resume();
  }
}

/**
 * Resets a socket (RST). One whose writable side is already ending is destroyed instead: a
 * reset racing a pending shutdown can leave its native handle referenced, and the process then
 * spins at exit, never closing it.
 */
function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.writableEnded) socket.destroy();
  else socket.resetAndDestroy();
}

/** One direction of a pipe: chunks delivered in order, each `latencyMs` after it arrived. */
class Lane {
  #queue: { chunk: Buffer | null; dueMs: number }[] = [];
  #queuedBytes = 0;
  #lastDueMs = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    readonly source: Socket,
    readonly sink: Socket,
    readonly link: ProxyLink,
    readonly direction: 'forward' | 'back',
    readonly drop: () => void,
  ) {
    sink.on('drain', () => this.#flow());
  }

  push(chunk: Buffer): void {
    if (this.link.shouldDrop()) return this.drop();
    this.#queuedBytes += chunk.length;
    this.#enqueue(chunk);
  }

  /** The source half-closed: the sink is ended after everything before it. */
  pushEnd(): void {
    this.#enqueue(null);
  }

  #enqueue(chunk: Buffer | null): void {
    const dueMs = Math.max(performance.now() + this.link.latencyMs, this.#lastDueMs);
    this.#lastDueMs = dueMs;
    this.#queue.push({ chunk, dueMs });
    this.#deliver();
  }

  #deliver(): void {
    if (this.#timer !== null) return;
    const nowMs = performance.now();
    while (this.#queue.length > 0 && this.#queue[0].dueMs <= nowMs) {
      const { chunk } = this.#queue.shift()!;
      if (this.sink.destroyed) return;
      if (chunk === null) {
        this.sink.end();
        continue;
      }
      this.#queuedBytes -= chunk.length;
      this.sink.write(chunk);
      this.link.delivered(this.direction, chunk.length);
    }
    if (this.#queue.length > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#deliver();
      }, this.#queue[0].dueMs - nowMs);
    }
    this.#flow();
  }

  /** Reads from the source only while the lane and the sink have room. */
  #flow(): void {
    if (this.source.destroyed) return;
    if (this.#queuedBytes >= laneBytesMax || this.sink.writableNeedDrain) this.source.pause();
    else this.source.resume();
  }
}
