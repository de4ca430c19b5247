// The one outbound connection to one peer: it carries only our messages to that peer (and pings).
// Opened on the first send, kept open, reopened after any failure with jittered exponential
// backoff, for as long as the peer is a member.
import { connect, type Socket } from 'node:net';
import type { Message, NodeId } from '../core/index.ts';
import { formatAddress, type LinkContext, type PeerAddress } from './context.ts';
import { decodeBody, encodeFrame, FrameDecoder, FrameError, FrameKind, frameHeaderBytes } from './frame.ts';
import {
  clientMac,
  handshakeFrameBytesMax,
  handshakeTimeoutMs,
  macsEqual,
  newNonce,
  parseServerAnswer,
  parseServerNonce,
  protocolVersion,
  serverMac,
} from './handshake.ts';
import { keepAliveDelayMs, pingIntervalMs, reconnectDelayMsMax, reconnectDelayMsMin, silenceMsMax } from './limits.ts';

type Phase = 'idle' | 'handshake' | 'ready' | 'backoff' | 'closed';

export interface OutboundHooks {
  /** The connection can take a frame now (it became ready, or its socket drained). */
  wantFlush: () => void;
  /** Messages to this peer were dropped or may have been lost. */
  unreachable: (id: NodeId) => void;
}

export interface PeerStats {
  connected: boolean;
  queued: number;
  sentFrames: number;
  droppedMessages: number;
  /** Smoothed ping round trip (RFC 6298 weights), ms; null until measured, and while disconnected. */
  rttMs: number | null;
}

export class OutboundPeer {
  #phase: Phase = 'idle';
  #socket: Socket | null = null;
  #queue: Message[] = [];
  #timers: NodeJS.Timeout[] = [];
  #reconnectDelayMs = reconnectDelayMsMin;
  #sentFrames = 0;
  #droppedMessages = 0;
  #rttMs: number | null = null;
  #pingSeq = 0;
  #pingInFlight: { seq: number; sentAtMs: number } | null = null;
  /** Keys of failure lines logged since the connection was last ready. */
  #failuresLogged = new Set<string>();

  constructor(
    readonly id: NodeId,
    public address: PeerAddress,
    readonly context: LinkContext,
    readonly sendQueueMax: number,
    readonly hooks: OutboundHooks,
  ) {}

  /** Queues `messages` (dropping what does not fit) and opens the connection if not yet open. */
  enqueue(messages: Message[]): void {
    if (this.#phase === 'closed') return;
    const room = Math.max(0, this.sendQueueMax - this.#queue.length);
    for (let i = 0; i < messages.length && i < room; i++) this.#queue.push(messages[i]!);
    if (messages.length > room) this.#drop(messages.length - room);
    if (this.#phase === 'idle') this.#connect();
  }

  /** Writes everything queued as one frame (split only if it is over the frame limit). */
  flush(): void {
    const socket = this.#socket;
    if (this.#phase !== 'ready' || socket === null || this.#queue.length === 0) return;
    // Backpressure: while the kernel does not take what we wrote, messages wait in the bounded
    // queue instead of piling up in the socket's unbounded write buffer.
    if (socket.writableNeedDrain) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#writeBatch(socket, batch);
  }

  /** Points the connection to a new address: the current one, if any, is closed and reopened. */
  setAddress(address: PeerAddress): void {
    if (address.host === this.address.host && address.port === this.address.port) return;
    this.address = address;
    if (this.#phase === 'idle' || this.#phase === 'closed') return;
    this.#teardown();
    this.#reconnectDelayMs = reconnectDelayMsMin;
    this.#connect();
  }

  /** Closes for good: queued messages are discarded and no hook is called any more. */
  close(): void {
    this.#teardown();
    this.#phase = 'closed';
    this.#queue = [];
  }

  stats(): PeerStats {
    return {
      connected: this.#phase === 'ready',
      queued: this.#queue.length,
      sentFrames: this.#sentFrames,
      droppedMessages: this.#droppedMessages,
      rttMs: this.#rttMs,
    };
  }

  #drop(count: number): void {
    this.#droppedMessages += count;
    this.hooks.unreachable(this.id);
  }

  #writeBatch(socket: Socket, batch: Message[]): void {
    const frame = encodeFrame([FrameKind.messages, batch]);
    if (frame.length - frameHeaderBytes <= this.context.frameBytesMax) {
      socket.write(frame);
      this.#sentFrames++;
      return;
    }
    if (batch.length === 1) {
      this.#log(`message ${batch[0]!.type} of ${frame.length} bytes is over the frame limit of ${this.context.frameBytesMax} bytes; dropped`);
      this.#drop(1);
      return;
    }
    const half = batch.length >> 1;
    this.#writeBatch(socket, batch.slice(0, half));
    this.#writeBatch(socket, batch.slice(half));
  }

  #log(what: string): void {
    const line = `${this.context.logPrefix}: peer ${this.id} at ${formatAddress(this.address)}: ${what}`;
    const key = `out ${this.id} ${what}`;
    this.#failuresLogged.add(key);
    this.context.logger.log(key, line);
  }

  #later(fn: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(fn, ms);
    this.#timers.push(timer);
    return timer;
  }

  #teardown(): void {
    for (const timer of this.#timers) clearTimeout(timer); // clearTimeout clears intervals too
    this.#timers = [];
    this.#socket?.destroy();
    this.#socket = null;
    this.#pingInFlight = null;
    this.#rttMs = null;
  }

  #connect(): void {
    this.#phase = 'handshake';
    const { host, port } = this.address;
    const socket = connect({ host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: keepAliveDelayMs });
    this.#socket = socket;
    const decoder = new FrameDecoder(handshakeFrameBytesMax);
    const nonceClient = newNonce();
    let nonceServer: Uint8Array | null = null;
    let failure: string | null = null;
    const fail = (reason: string): void => {
      if (this.#socket !== socket) return;
      failure = reason;
      this.#log(reason);
      socket.destroy();
    };
    this.#later(() => fail(`handshake timeout: no authenticated connection within ${handshakeTimeoutMs} ms`), handshakeTimeoutMs);

    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (failure === null) fail(`${this.#phase === 'ready' ? 'connection error' : 'connection failed'}: ${error.code ?? error.message}`);
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return; // torn down on purpose
      if (failure === null) this.#log(this.#phase === 'ready' ? 'connection closed by the peer' : 'the peer closed the connection during the handshake');
      this.#onClosed();
    });
    socket.on('drain', () => {
      if (this.#socket === socket) this.hooks.wantFlush();
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.#socket !== socket) return;
      let bodies: unknown[];
      try {
        bodies = decoder.push(chunk).map(decodeBody);
      } catch (error) {
        if (!(error instanceof FrameError)) throw error;
        return fail(`protocol error: ${error.message}`);
      }
      for (const body of bodies) {
        if (this.#socket !== socket || socket.destroyed) return;
        if (this.#phase === 'ready') {
          this.#onReadyFrame(body, fail);
        } else if (nonceServer === null) {
          nonceServer = parseServerNonce(body);
          if (nonceServer === null) return fail('protocol error: expected the server nonce');
          const { clusterId, self } = this.context;
          const mac = clientMac(this.context.secret, nonceServer, clusterId, self, this.id);
          socket.write(encodeFrame([FrameKind.clientHello, { version: protocolVersion, clusterId, from: self, to: this.id, nonce: nonceClient, mac }]));
        } else {
          const answer = parseServerAnswer(body);
          if (answer === null) return fail('protocol error: expected the server handshake answer');
          if ('refusal' in answer) return fail(`refused the handshake: ${answer.refusal}`);
          const { clusterId, self, secret } = this.context;
          const wanted = serverMac(secret, nonceClient, nonceServer, clusterId, self, this.id);
          if (!macsEqual(wanted, answer.mac)) return fail('handshake failed: the peer does not prove the cluster secret (bad secret)');
          // The decoder keeps its tiny limit: only pongs come back on this connection.
          this.#onReady(socket, fail);
        }
      }
    });
  }

  #onReady(socket: Socket, fail: (reason: string) => void): void {
    for (const timer of this.#timers) clearTimeout(timer); // the handshake timeout
    this.#timers = [];
    this.#phase = 'ready';
    if (this.#failuresLogged.size > 0) {
      // Forget earlier failures so that the next one is logged at once.
      for (const key of this.#failuresLogged) this.context.logger.forget(key);
      this.#failuresLogged.clear();
      this.context.logger.write(`${this.context.logPrefix}: peer ${this.id} at ${formatAddress(this.address)}: connected`);
    }
    const ping = (): void => {
      const inFlight = this.#pingInFlight;
      if (inFlight !== null) {
        if (performance.now() - inFlight.sentAtMs > silenceMsMax) fail(`no pong for ${silenceMsMax} ms: connection presumed dead`);
        return;
      }
      this.#pingInFlight = { seq: ++this.#pingSeq, sentAtMs: performance.now() };
      socket.write(encodeFrame([FrameKind.ping, this.#pingSeq]));
    };
    ping();
    this.#timers.push(setInterval(ping, pingIntervalMs));
    this.hooks.wantFlush();
  }

  #onReadyFrame(body: unknown, fail: (reason: string) => void): void {
    if (!Array.isArray(body) || body.length !== 2 || body[0] !== FrameKind.pong) {
      return fail('protocol error: only pongs may come back on an outbound connection');
    }
    const inFlight = this.#pingInFlight;
    if (inFlight === null || body[1] !== inFlight.seq) return fail('protocol error: pong for no ping');
    this.#pingInFlight = null;
    const sampleMs = performance.now() - inFlight.sentAtMs;
    this.#rttMs = this.#rttMs === null ? sampleMs : (7 * this.#rttMs + sampleMs) / 8;
    // A pong proves the peer reads what we write: only now is the connection known good.
    this.#reconnectDelayMs = reconnectDelayMsMin;
  }

  #onClosed(): void {
    const wasReady = this.#phase === 'ready';
    this.#teardown();
    this.#phase = 'backoff';
    // Messages written to a broken connection may be lost, and queued ones wait: either way
    // the driver should stop assuming this peer keeps up.
    if (wasReady || this.#queue.length > 0) this.hooks.unreachable(this.id);
    const delayMs = this.#reconnectDelayMs * (0.5 + Math.random());
    this.#reconnectDelayMs = Math.min(this.#reconnectDelayMs * 2, reconnectDelayMsMax);
    this.#later(() => this.#connect(), delayMs);
  }
}
