// A lean HTTP/1.1 client for the load generator's measured points: one keep-alive connection per
// closed-loop client, one request in flight on it. The generator shares the machine with the
// members it measures, so what it spends per request is taken from them: with undici's pool the
// generator spent 76 µs of CPU per write at 64 clients, with this client 35 µs (one
// `kv --quick` run each), and both systems under test get the difference. It speaks only what a benchmark needs: a request with a body of known length,
// and a response with Content-Length, chunked, or to the end of the connection.
import { connect, type Socket } from 'node:net';

/** A response head over this is refused (HTTP1_BAD_RESPONSE). */
export const headBytesMax = 64 << 10;
/** A response body over this is refused (HTTP1_BAD_RESPONSE). */
export const bodyBytesMax = 64 << 20;

export type Http1ErrorCode = 'HTTP1_TIMEOUT' | 'HTTP1_CLOSED' | 'HTTP1_BAD_RESPONSE' | 'HTTP1_BUSY';

export class Http1Error extends Error {
  constructor(
    readonly code: Http1ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'Http1Error';
  }
}

export interface Http1Response {
  status: number;
  /** Lower-case names; a repeated header keeps its last value. */
  headers: Map<string, string>;
  body: Buffer;
}

export interface Http1Options {
  /** The whole request, from connecting (when needed) to the body's last byte, ms. */
  timeoutMs: number;
}

type BodyMode = { kind: 'length'; remaining: number } | { kind: 'chunked' } | { kind: 'until-close' } | { kind: 'none' };

interface Pending {
  resolve: (response: Http1Response) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const crlf = Buffer.from('\r\n');
// Where a chunked body's reader is, when it is not inside a chunk's data.
const chunkSizeNext = -1;
const chunkDataEnd = -2;
const chunkTrailers = -3;
const headEnd = Buffer.from('\r\n\r\n');

/** One keep-alive connection; a request on it waits for the one before (HTTP1_BUSY otherwise). */
export class Http1Connection {
  readonly #host: string;
  readonly #port: number;
  readonly #hostHeader: string;
  readonly #timeoutMs: number;
  #socket: Socket | null = null;
  #pending: Pending | null = null;
  // The response being read.
  #buffer: Buffer = Buffer.alloc(0);
  #status = 0;
  #headers = new Map<string, string>();
  #body: Buffer[] = [];
  #bodyBytes = 0;
  #mode: BodyMode | null = null;
  /** Chunked: the data bytes left of the current chunk, or where the reader is (chunkSizeNext...). */
  #chunkLeft = chunkSizeNext;
  #closeAfter = false;
  #closed = false;

  constructor(url: string, options: Http1Options) {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:') throw new Error(`${url}: only http: URLs are supported`);
    this.#host = parsed.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(parsed.port || 80);
    this.#hostHeader = parsed.host;
    if (!(options.timeoutMs > 0)) throw new Error(`timeoutMs must be > 0, not ${options.timeoutMs}`);
    this.#timeoutMs = options.timeoutMs;
  }

  /** Sends one request; `headers` names must be lower case, and carry no length or host. */
  request(method: string, path: string, headers: Record<string, string> | undefined, body?: Buffer | string): Promise<Http1Response> {
    if (this.#closed) return Promise.reject(new Http1Error('HTTP1_CLOSED', 'the connection was closed by its owner'));
    if (this.#pending !== null) return Promise.reject(new Http1Error('HTTP1_BUSY', 'a request is already in flight on this connection'));
    const socket = this.#socket ?? this.#open();
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.#hostHeader}\r\n`;
    if (headers !== undefined) for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    const length = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    if (body !== undefined || method === 'POST' || method === 'PUT') head += `content-length: ${length}\r\n`;
    head += '\r\n';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Http1Error('HTTP1_TIMEOUT', `no whole response within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      this.#pending = { resolve, reject, timer };
      this.#startResponse();
      if (typeof body === 'string') socket.write(head + body);
      else if (body === undefined || body.length === 0) socket.write(head);
      else {
        socket.cork();
        socket.write(head);
        socket.write(body);
        socket.uncork();
      }
    });
  }

  /** Closes the connection; a request in flight fails with HTTP1_CLOSED. */
  close(): void {
    this.#closed = true;
    this.#fail(new Http1Error('HTTP1_CLOSED', 'the connection was closed by its owner'));
  }

  #open(): Socket {
    const socket = connect({ host: this.#host, port: this.#port, noDelay: true });
    socket.on('data', (data: Buffer) => this.#receive(data));
    socket.on('error', (error) => this.#fail(error));
    socket.on('end', () => this.#ended(socket));
    socket.on('close', () => {
      if (this.#socket === socket) this.#fail(new Http1Error('HTTP1_CLOSED', 'the server closed the connection before the response ended'));
    });
    this.#socket = socket;
    return socket;
  }

  #ended(socket: Socket): void {
    if (this.#socket !== socket) return;
    if (this.#pending !== null && this.#mode?.kind === 'until-close') return this.#finish();
    this.#fail(new Http1Error('HTTP1_CLOSED', 'the server closed the connection before the response ended'));
  }

  #startResponse(): void {
    this.#status = 0;
    this.#headers = new Map();
    this.#body = [];
    this.#bodyBytes = 0;
    this.#mode = null;
    this.#chunkLeft = chunkSizeNext;
    this.#closeAfter = false;
  }

  /** Drops the socket; the next request connects afresh. */
  #reset(): void {
    const socket = this.#socket;
    this.#socket = null;
    this.#buffer = Buffer.alloc(0);
    socket?.destroy();
  }

  /** Drops the socket and fails the request in flight, if any. */
  #fail(error: Error): void {
    this.#reset();
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  #finish(): void {
    const pending = this.#pending!;
    this.#pending = null;
    clearTimeout(pending.timer);
    const body = this.#body.length === 1 ? this.#body[0] : Buffer.concat(this.#body, this.#bodyBytes);
    const response: Http1Response = { status: this.#status, headers: this.#headers, body };
    // The server ends the connection, or sent bytes no request asked for: start afresh.
    if (this.#closeAfter || this.#buffer.length > 0) this.#reset();
    pending.resolve(response);
  }

  #receive(data: Buffer): void {
    if (this.#pending === null) return this.#reset(); // bytes no request asked for
    this.#buffer = this.#buffer.length === 0 ? data : Buffer.concat([this.#buffer, data]);
    try {
      this.#parse();
    } catch (error) {
      this.#fail(error as Error);
    }
  }

  #parse(): void {
    while (this.#pending !== null) {
      if (this.#mode === null) {
        const end = this.#buffer.indexOf(headEnd);
        if (end < 0) {
          if (this.#buffer.length > headBytesMax) throw bad(`a response head over ${headBytesMax} bytes`);
          return;
        }
        const head = this.#buffer.toString('latin1', 0, end);
        this.#buffer = this.#buffer.subarray(end + 4);
        if (this.#readHead(head)) continue; // an interim (1xx) response: the real one follows
      }
      const mode = this.#mode!;
      if (mode.kind === 'none') return this.#finish();
      if (mode.kind === 'length') {
        const take = Math.min(mode.remaining, this.#buffer.length);
        if (take > 0) this.#keep(this.#buffer.subarray(0, take));
        this.#buffer = this.#buffer.subarray(take);
        mode.remaining -= take;
        if (mode.remaining === 0) return this.#finish();
        return;
      }
      if (mode.kind === 'until-close') {
        if (this.#buffer.length > 0) this.#keep(this.#buffer);
        this.#buffer = Buffer.alloc(0);
        return;
      }
      if (!this.#readChunks()) return;
      return this.#finish();
    }
  }

  /** Reads a status line and headers; true for an interim response to skip. */
  #readHead(head: string): boolean {
    const lines = head.split('\r\n');
    const statusLine = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0]);
    if (statusLine === null) throw bad(`a status line "${lines[0].slice(0, 80)}"`);
    const status = Number(statusLine[1]);
    const headers = new Map<string, string>();
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      if (colon <= 0) throw bad(`a header line "${lines[i].slice(0, 80)}"`);
      headers.set(lines[i].slice(0, colon).trim().toLowerCase(), lines[i].slice(colon + 1).trim());
    }
    if (status >= 100 && status < 200) return true;
    this.#status = status;
    this.#headers = headers;
    this.#closeAfter = headers.get('connection')?.toLowerCase() === 'close';
    const encoding = headers.get('transfer-encoding');
    const length = headers.get('content-length');
    if (status === 204 || status === 304) this.#mode = { kind: 'none' };
    else if (encoding !== undefined) {
      if (encoding.toLowerCase() !== 'chunked') throw bad(`transfer-encoding "${encoding}"`);
      this.#mode = { kind: 'chunked' };
    } else if (length !== undefined) {
      if (!/^\d+$/.test(length) || Number(length) > bodyBytesMax) throw bad(`content-length "${length}"`);
      this.#mode = Number(length) === 0 ? { kind: 'none' } : { kind: 'length', remaining: Number(length) };
    } else {
      this.#mode = { kind: 'until-close' };
      this.#closeAfter = true;
    }
    return false;
  }

  /** Reads chunks from the buffer; true once the last chunk and the trailers are in. */
  #readChunks(): boolean {
    for (;;) {
      if (this.#chunkLeft > 0) {
        // The chunk's data, as much of it as is here.
        const take = Math.min(this.#chunkLeft, this.#buffer.length);
        if (take === 0) return false;
        this.#keep(this.#buffer.subarray(0, take));
        this.#buffer = this.#buffer.subarray(take);
        this.#chunkLeft -= take;
        if (this.#chunkLeft === 0) this.#chunkLeft = chunkDataEnd;
        continue;
      }
      const end = this.#buffer.indexOf(crlf);
      if (end < 0) {
        if (this.#buffer.length > headBytesMax) throw bad(`a chunk line over ${headBytesMax} bytes`);
        return false;
      }
      const line = this.#buffer.toString('latin1', 0, end);
      this.#buffer = this.#buffer.subarray(end + 2);
      if (this.#chunkLeft === chunkDataEnd) {
        if (line !== '') throw bad('a chunk not followed by CRLF');
        this.#chunkLeft = chunkSizeNext;
      } else if (this.#chunkLeft === chunkTrailers) {
        if (line === '') return true; // the end of the trailers
      } else {
        const size = line.split(';')[0].trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(size)) throw bad(`a chunk size line "${line.slice(0, 80)}"`);
        const bytes = parseInt(size, 16);
        if (this.#bodyBytes + bytes > bodyBytesMax) throw bad(`a body over ${bodyBytesMax} bytes`);
        this.#chunkLeft = bytes === 0 ? chunkTrailers : bytes;
      }
    }
  }

  #keep(bytes: Buffer): void {
    this.#bodyBytes += bytes.length;
    if (this.#bodyBytes > bodyBytesMax) throw bad(`a body over ${bodyBytesMax} bytes`);
    this.#body.push(bytes);
  }
}

function bad(what: string): Http1Error {
  return new Http1Error('HTTP1_BAD_RESPONSE', `the server sent ${what}`);
}
