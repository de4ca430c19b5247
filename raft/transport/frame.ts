// The wire format: a 4-byte big-endian length, then a msgpack body of that many bytes.
// Every body is an array whose first element is a frame kind tag (see `FrameKind`), so message
// frames, control frames and handshake frames can never be mistaken for one another.
import { Packr } from 'msgpackr';

/** Bytes of the length prefix. */
export const frameHeaderBytes = 4;
/** The largest length the prefix can express. */
export const frameBytesLimit = 0xffff_ffff;

export const FrameKind = {
  messages: 0, // [0, Message[]]
  ping: 1, // [1, pingId]  outbound -> inbound
  pong: 2, // [2, pingId]  inbound -> outbound, on the connection the ping came from
  serverNonce: 3, // handshake, see handshake.ts
  clientHello: 4,
  serverWelcome: 5,
  serverRefusal: 6,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

// useRecords: false keeps the format plain msgpack (no msgpackr record extension), and
// mapsAsObjects: true decodes maps to plain objects, which is what `Message` is.
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

/** A frame that cannot be decoded: the connection that sent it is closed. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/** Encodes `body` and prefixes its length. */
export function encodeFrame(body: unknown[]): Buffer {
  const encoded = packr.pack(body);
  const frame = Buffer.allocUnsafe(frameHeaderBytes + encoded.length);
  frame.writeUInt32BE(encoded.length, 0);
  encoded.copy(frame, frameHeaderBytes);
  return frame;
}

/**
 * Decodes one frame body. Throws FrameError on anything msgpackr refuses (truncated data,
 * trailing bytes, nesting deep enough to overflow the stack). Binary fields come back as Buffer
 * views into `body`; `copyBytes` turns them into plain Uint8Arrays.
 */
export function decodeBody(body: Buffer): unknown {
  try {
    return packr.unpack(body);
  } catch (error) {
    throw new FrameError(`undecodable frame body: ${(error as Error).message.slice(0, 80)}`);
  }
}

/**
 * A copy of `bytes` as a plain Uint8Array. Decoded Buffers are views into the frame (and the
 * frame may be a view into a larger socket chunk): a copy keeps deep equality with what was sent
 * and pins no more memory than the field itself.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * Splits a byte stream into frame bodies. Chunks are kept as they arrive and joined only when a
 * whole frame is buffered, so a large frame costs one copy, not one per chunk.
 */
export class FrameDecoder {
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Body length of the frame being read, or -1 while its header is incomplete. */
  #bodyBytes = -1;

  /** @param bytesMax the largest body accepted; a longer length prefix throws FrameError. */
  constructor(public bytesMax: number) {}

  /** Adds `chunk` and returns the bodies it completes, in order. */
  push(chunk: Buffer): Buffer[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const bodies: Buffer[] = [];
    for (;;) {
      if (this.#bodyBytes < 0) {
        if (this.#buffered < frameHeaderBytes) break;
        const length = this.#take(frameHeaderBytes).readUInt32BE(0);
        if (length === 0) throw new FrameError('empty frame');
        if (length > this.bytesMax) {
          throw new FrameError(`frame of ${length} bytes is over the limit of ${this.bytesMax}`);
        }
        this.#bodyBytes = length;
      }
      if (this.#buffered < this.#bodyBytes) break;
      bodies.push(this.#take(this.#bodyBytes));
      this.#bodyBytes = -1;
    }
    return bodies;
  }

  /** Bytes held for a frame not complete yet. */
  get buffered(): number {
    return this.#buffered;
  }

  #take(bytes: number): Buffer {
    const first = this.#chunks[0]!;
    if (first.length >= bytes) {
      this.#buffered -= bytes;
      if (first.length === bytes) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(bytes);
      return first.subarray(0, bytes);
    }
    const joined = Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = joined.length > bytes ? [joined.subarray(bytes)] : [];
    this.#buffered -= bytes;
    return joined.subarray(0, bytes);
  }
}
