// Mutual HMAC-SHA256 challenge-response, run on every connection before any Raft message:
//
//   server -> client  [serverNonce, nonce_s]                       32 random bytes
//   client -> server  [clientHello, {version, clusterId, from, to, nonce: nonce_c, mac}]
//                     mac = HMAC(secret, "keel-client" | nonce_s | clusterId | from | to)
//   server -> client  [serverWelcome, {mac}]
//                     mac = HMAC(secret, "keel-server" | nonce_c | nonce_s | clusterId | from | to)
//                  or [serverRefusal, reason]  and the server closes
//
// Each side proves it knows the secret by answering the other's fresh nonce, so a recorded
// handshake cannot be replayed, and `from`/`to` are inside both macs, so a member cannot be
// impersonated or a connection redirected to another member.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NodeId } from '../core/index.ts';
import { FrameKind } from './frame.ts';

export const protocolVersion = 1;
export const nonceBytes = 32;
export const macBytes = 32;
/** A connection must finish its handshake within this time, connecting included. */
export const handshakeTimeoutMs = 5_000;
/** Largest handshake frame, bytes: handshake frames are tiny, a stranger gets no 64 MiB. */
export const handshakeFrameBytesMax = 1024;

/** Why a server refused a client; sent to the client too, so both sides log the same reason. */
export type RefusalReason =
  | 'malformed handshake'
  | 'unsupported protocol version'
  | 'wrong cluster id'
  | 'unknown member'
  | 'wrong member'
  | 'bad secret';
const refusalReasons: ReadonlySet<string> = new Set<RefusalReason>([
  'malformed handshake',
  'unsupported protocol version',
  'wrong cluster id',
  'unknown member',
  'wrong member',
  'bad secret',
]);

export interface ClientHello {
  version: number;
  clusterId: string;
  from: NodeId;
  to: NodeId;
  nonce: Uint8Array;
  mac: Uint8Array;
}

export function newNonce(): Uint8Array {
  return new Uint8Array(randomBytes(nonceBytes));
}

function mac(secret: string, label: string, parts: (Uint8Array | string)[]): Uint8Array {
  const hmac = createHmac('sha256', secret);
  // Every part is length-prefixed so that no two different inputs share a byte string.
  for (const part of [label, ...parts]) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(bytes.length, 0);
    hmac.update(length);
    hmac.update(bytes);
  }
  return new Uint8Array(hmac.digest());
}

export function clientMac(secret: string, nonceServer: Uint8Array, clusterId: string, from: NodeId, to: NodeId): Uint8Array {
  return mac(secret, 'keel-client', [nonceServer, clusterId, String(from), String(to)]);
}

export function serverMac(
  secret: string,
  nonceClient: Uint8Array,
  nonceServer: Uint8Array,
  clusterId: string,
  from: NodeId,
  to: NodeId,
): Uint8Array {
  return mac(secret, 'keel-server', [nonceClient, nonceServer, clusterId, String(from), String(to)]);
}

export function macsEqual(a: Uint8Array, b: unknown): boolean {
  return b instanceof Uint8Array && b.length === a.length && timingSafeEqual(a, b);
}

function isNodeId(value: unknown): value is NodeId {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isNonce(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === nonceBytes;
}

/** The server nonce from a decoded frame body, or null if the body is not one. */
export function parseServerNonce(body: unknown): Uint8Array | null {
  if (!Array.isArray(body) || body.length !== 2 || body[0] !== FrameKind.serverNonce) return null;
  return isNonce(body[1]) ? body[1] : null;
}

/** A client hello from a decoded frame body, or null if the body is not one. */
export function parseClientHello(body: unknown): ClientHello | null {
  if (!Array.isArray(body) || body.length !== 2 || body[0] !== FrameKind.clientHello) return null;
  const hello = body[1] as Record<string, unknown> | null;
  if (typeof hello !== 'object' || hello === null) return null;
  const { version, clusterId, from, to, nonce, mac } = hello;
  if (typeof version !== 'number' || typeof clusterId !== 'string') return null;
  if (!isNodeId(from) || !isNodeId(to) || !isNonce(nonce) || !(mac instanceof Uint8Array)) return null;
  return { version, clusterId, from, to, nonce, mac };
}

/** The server's answer: its mac, a refusal reason, or null if the body is neither. */
export function parseServerAnswer(body: unknown): { mac: Uint8Array } | { refusal: RefusalReason } | null {
  if (!Array.isArray(body) || body.length !== 2) return null;
  if (body[0] === FrameKind.serverWelcome) {
    const welcome = body[1] as Record<string, unknown> | null;
    if (typeof welcome !== 'object' || welcome === null || !(welcome.mac instanceof Uint8Array)) return null;
    return { mac: welcome.mac };
  }
  if (body[0] === FrameKind.serverRefusal && typeof body[1] === 'string' && refusalReasons.has(body[1])) {
    return { refusal: body[1] as RefusalReason };
  }
  return null;
}

/**
 * The server's verdict on a hello: null if the client may talk, else why not. Checked in an
 * order that gives an operator the most useful reason: a wrong cluster id also makes the mac
 * wrong, but "wrong cluster id" says what to fix.
 */
export function checkClientHello(
  hello: ClientHello,
  expect: { secret: string; clusterId: string; self: NodeId; nonceServer: Uint8Array; isMember: (id: NodeId) => boolean },
): RefusalReason | null {
  if (hello.version !== protocolVersion) return 'unsupported protocol version';
  if (hello.clusterId !== expect.clusterId) return 'wrong cluster id';
  if (hello.to !== expect.self) return 'wrong member';
  if (hello.from === expect.self || !expect.isMember(hello.from)) return 'unknown member';
  const wanted = clientMac(expect.secret, expect.nonceServer, expect.clusterId, hello.from, hello.to);
  if (!macsEqual(wanted, hello.mac)) return 'bad secret';
  return null;
}
