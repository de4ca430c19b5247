// One accepted connection: it runs the server side of the handshake, then only receives
// message frames from the authenticated peer (and answers its pings).
import type { Socket } from 'node:net';
import type { Message, NodeId } from '../core/index.ts';
import { formatAddress, type LinkContext } from './context.ts';
import { decodeBody, encodeFrame, FrameDecoder, FrameError, FrameKind } from './frame.ts';
import {
  checkClientHello,
  handshakeFrameBytesMax,
  handshakeTimeoutMs,
  newNonce,
  parseClientHello,
  serverMac,
  type RefusalReason,
} from './handshake.ts';
import { keepAliveDelayMs, silenceMsMax } from './limits.ts';
import { InvalidMessageError, parseMessages } from './validate.ts';

export interface InboundHooks {
  isMember: (id: NodeId) => boolean;
  /** The peer proved who it is. */
  authenticated: (connection: InboundConnection) => void;
  deliver: (messages: Message[]) => void;
  closed: (connection: InboundConnection) => void;
}

export class InboundConnection {
  /** The authenticated peer, or null during the handshake. */
  peer: NodeId | null = null;
  readonly #socket: Socket;
  readonly #remote: string;
  readonly #decoder = new FrameDecoder(handshakeFrameBytesMax);
  readonly #nonceServer = newNonce();
  readonly #handshakeTimer: NodeJS.Timeout;
  #closed = false;

  constructor(
    socket: Socket,
    readonly context: LinkContext,
    readonly hooks: InboundHooks,
  ) {
    this.#socket = socket;
    this.#remote = formatAddress({ host: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, keepAliveDelayMs);
    this.#handshakeTimer = setTimeout(() => this.#closeLogged(`handshake timeout (${handshakeTimeoutMs} ms)`), handshakeTimeoutMs);
    socket.on('error', () => socket.destroy()); // 'close' follows; a reset peer is not news
    socket.on('close', () => this.#onClosed());
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.write(encodeFrame([FrameKind.serverNonce, this.#nonceServer]));
  }

  /** Closes without a log line (transport stop, member removed, replaced by a newer connection). */
  close(): void {
    this.#socket.destroy();
    this.#onClosed();
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  #onClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#handshakeTimer);
    this.hooks.closed(this);
  }

  #log(reason: string): void {
    const who = this.peer === null ? `connection from ${this.#remote}` : `member ${this.peer} (connection from ${this.#remote})`;
    // Keyed by host, not host:port: a misconfigured member reconnects from a new port each time.
    const host = this.#socket.remoteAddress ?? '?';
    this.context.logger.log(`in ${host} ${this.peer ?? '?'} ${reason}`, `${this.context.logPrefix}: ${who}: ${reason}; closed`);
  }

  #closeLogged(reason: string): void {
    if (this.#closed) return;
    this.#log(reason);
    this.close();
  }

  #refuse(reason: RefusalReason, claims: string): void {
    this.#log(`refused: ${reason}${claims}`);
    // Tell the client why, so its operator sees the same reason; then close.
    this.#socket.end(encodeFrame([FrameKind.serverRefusal, reason]));
    this.#socket.destroySoon();
    this.#closed = true;
    clearTimeout(this.#handshakeTimer);
    this.hooks.closed(this);
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    let bodies: unknown[];
    try {
      bodies = this.#decoder.push(chunk).map(decodeBody);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      return this.#closeLogged(`protocol error: ${error.message}`);
    }
    for (const body of bodies) {
      if (this.#closed) return;
      if (this.peer === null) {
        this.#onHello(body);
        continue;
      }
      let messages: Message[];
      try {
        messages = this.#parseFrame(body);
      } catch (error) {
        if (!(error instanceof InvalidMessageError)) throw error;
        return this.#closeLogged(`invalid frame: ${error.message}`);
      }
      // Outside the try: an exception from the driver is the driver's, not the peer's.
      if (messages.length > 0) this.hooks.deliver(messages);
    }
  }

  #onHello(body: unknown): void {
    const hello = parseClientHello(body);
    if (hello === null) return this.#refuse('malformed handshake', '');
    const { secret, clusterId, self } = this.context;
    const refusal = checkClientHello(hello, { secret, clusterId, self, nonceServer: this.#nonceServer, isMember: this.hooks.isMember });
    if (refusal !== null) {
      const claims = ` (claims to be member ${hello.from} of cluster ${JSON.stringify(hello.clusterId.slice(0, 64))}, calling member ${hello.to})`;
      return this.#refuse(refusal, claims);
    }
    clearTimeout(this.#handshakeTimer);
    this.peer = hello.from;
    this.#decoder.bytesMax = this.context.frameBytesMax;
    this.#socket.write(encodeFrame([FrameKind.serverWelcome, { mac: serverMac(secret, hello.nonce, this.#nonceServer, clusterId, hello.from, self) }]));
    // The peer pings every second: this much silence means the connection is dead (half-open).
    this.#socket.setTimeout(silenceMsMax, () => this.#closeLogged(`nothing received for ${silenceMsMax} ms`));
    this.hooks.authenticated(this);
  }

  /** The messages of a frame (none for a ping, which is answered here). */
  #parseFrame(body: unknown): Message[] {
    if (!Array.isArray(body) || body.length !== 2) throw new InvalidMessageError('frame is not a [kind, payload] pair');
    if (body[0] === FrameKind.ping) {
      if (typeof body[1] !== 'number') throw new InvalidMessageError('ping without a sequence number');
      this.#socket.write(encodeFrame([FrameKind.pong, body[1]]));
      return [];
    }
    if (body[0] !== FrameKind.messages) throw new InvalidMessageError(`unexpected frame kind ${String(body[0])}`);
    return parseMessages(body[1], this.peer!, this.context.self);
  }
}
