// A follower's writes go to the leader as commands, many to a request. The follower runs the
// API handler itself (it parses and checks the request, and shapes the answer); only the
// proposal crosses to the leader, through undici on the leader's API port. Commands that arrive
// in one event-loop turn, or while forwardsInFlightMax requests are out, share one request: on a
// busy follower that is a dozen writes to one request and one answer, where proxying each HTTP
// request cost a request and an answer per write, on both members.
//
// The request is POST /v1/internal/propose: a msgpack array of encoded envelopes, authenticated
// by an HMAC of the body under the cluster secret (the API port is open to clients, and a
// command skips the checks the handlers make). The answer is a msgpack array with one item per
// command: { r: result } or { e: { status, code, message } }, the error the leader's handler
// would have answered.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { noNode, type NodeId } from '../raft/core/index.ts';
import { ApiError } from './api/v1.ts';
import { encodeEnvelope, decodeEnvelope, packr, normalizeBytes } from './mvcc/codec.ts';
import type { CommandError, CommandResult, Envelope } from './mvcc/types.ts';

export const forwardPath = '/v1/internal/propose';
export const forwardMacHeader = 'x-keel-forward-mac';
/** The most encoded-command bytes in one forwarded request; a larger single command goes alone. */
export const forwardBytesMax = 1 << 20;
/** The largest body the leader reads at forwardPath: one command of the largest request, or a full batch. */
export const forwardBodyBytesMax = 4 << 20;
/** Forward requests out at once per follower; commands arriving meanwhile wait for the next. */
export const forwardsInFlightMax = 8;

export type ForwardItem = { r: CommandResult | CommandError } | { e: { status: number; code: string; message: string } };

export interface ForwarderOptions {
  self: NodeId;
  /** The leader as this member knows it now. */
  leader: () => NodeId;
  /** Posts one body to the leader's forwardPath; resolves with the answer's status and body. */
  post: (leader: NodeId, body: Uint8Array, mac: string) => Promise<{ status: number; body: Uint8Array }>;
  /** Proposes here: this member became the leader, or knows none (the proposal then fails as it would here). */
  local: (envelope: Envelope) => Promise<CommandResult | CommandError>;
  secret: string;
  /** Commands held and out at once; more are refused with `tooMany()`. */
  heldMax: number;
  tooMany: () => Error;
  /** Called with the number of commands of every forwarded request. */
  observe?: (commands: number) => void;
}

interface Held {
  data: Uint8Array;
  envelope: Envelope;
  resolve: (result: CommandResult | CommandError) => void;
  reject: (error: Error) => void;
}

export function forwardMac(secret: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Whether `mac` (hex, from the request) is the body's HMAC under the secret. */
export function forwardMacValid(secret: string, body: Uint8Array, mac: string | undefined): boolean {
  if (typeof mac !== 'string' || !/^[0-9a-f]{64}$/.test(mac)) return false;
  return timingSafeEqual(Buffer.from(forwardMac(secret, body), 'hex'), Buffer.from(mac, 'hex'));
}

/** The commands of a forwarded body; throws ApiError 400 when it is not one. */
export function decodeForwardBody(body: Uint8Array): Envelope[] {
  let decoded: unknown;
  try {
    decoded = packr.unpack(body);
  } catch {
    throw new ApiError(400, 'KEEL_BAD_REQUEST', 'a forwarded body that is not msgpack');
  }
  if (!Array.isArray(decoded) || decoded.length === 0 || !decoded.every((item) => item instanceof Uint8Array)) {
    throw new ApiError(400, 'KEEL_BAD_REQUEST', 'a forwarded body must be a non-empty array of encoded commands');
  }
  return decoded.map((data: Uint8Array, i) => {
    try {
      return decodeEnvelope(data);
    } catch {
      throw new ApiError(400, 'KEEL_BAD_REQUEST', `forwarded command ${i} is not a command`);
    }
  });
}

export function encodeForwardAnswer(items: ForwardItem[]): Uint8Array {
  return packr.pack(items);
}

export class WriteForwarder {
  readonly #options: ForwarderOptions;
  #held: Held[] = [];
  #inFlight = 0;
  /** Commands held or in a request out now. */
  #pending = 0;
  #flushScheduled = false;

  constructor(options: ForwarderOptions) {
    this.#options = options;
  }

  /** Proposes `envelope` through the leader; resolves with its result once the leader applied it. */
  propose(envelope: Envelope): Promise<CommandResult | CommandError> {
    if (this.#pending >= this.#options.heldMax) return Promise.reject(this.#options.tooMany());
    this.#pending++;
    return new Promise<CommandResult | CommandError>((resolve, reject) => {
      this.#held.push({ data: encodeEnvelope(envelope), envelope, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    }).finally(() => this.#pending--);
  }

  #flush(): void {
    this.#flushScheduled = false;
    while (this.#held.length > 0 && this.#inFlight < forwardsInFlightMax) {
      let end = 1;
      let bytes = this.#held[0].data.byteLength;
      while (end < this.#held.length && bytes + this.#held[end].data.byteLength <= forwardBytesMax) bytes += this.#held[end++].data.byteLength;
      const group = this.#held.slice(0, end);
      this.#held = this.#held.slice(end);
      void this.#send(group);
    }
  }

  async #send(group: Held[]): Promise<void> {
    const { self, leader: leaderOf, local, post, secret } = this.#options;
    const leader = leaderOf();
    if (leader === self || leader === noNode) {
      for (const held of group) local(held.envelope).then(held.resolve, held.reject);
      return;
    }
    this.#inFlight++;
    this.#options.observe?.(group.length);
    try {
      const body = packr.pack(group.map((held) => held.data));
      let answer: { status: number; body: Uint8Array };
      try {
        answer = await post(leader, body, forwardMac(secret, body));
      } catch (error) {
        throw new ApiError(503, 'KEEL_LEADER_UNREACHABLE', `the leader (member ${leader}) did not answer: ${(error as Error).message}`);
      }
      const items = readAnswer(answer, group.length, leader);
      for (let i = 0; i < group.length; i++) {
        const item = items[i];
        if ('e' in item) group[i].reject(new ApiError(item.e.status, item.e.code, item.e.message));
        else group[i].resolve(item.r);
      }
    } catch (error) {
      for (const held of group) held.reject(error as Error);
    } finally {
      this.#inFlight--;
      if (this.#held.length > 0 && !this.#flushScheduled) this.#flush();
    }
  }
}

/** The leader's answer, one item per command sent; an error answer fails them all with it. */
function readAnswer(answer: { status: number; body: Uint8Array }, count: number, leader: NodeId): ForwardItem[] {
  if (answer.status !== 200) {
    let error: { code?: unknown; message?: unknown } = {};
    try {
      error = JSON.parse(Buffer.from(answer.body).toString('utf8')) as typeof error;
    } catch {
      // not the JSON error every answer of the API carries: described below
    }
    if (typeof error.code === 'string' && typeof error.message === 'string') throw new ApiError(answer.status, error.code, error.message);
    throw new ApiError(503, 'KEEL_LEADER_UNREACHABLE', `the leader (member ${leader}) answered the forwarded writes with status ${answer.status}`);
  }
  let items: unknown;
  try {
    items = normalizeBytes(packr.unpack(answer.body));
  } catch {
    items = null;
  }
  const valid = Array.isArray(items) && items.length === count && items.every((item) => typeof item === 'object' && item !== null && ('r' in item || 'e' in item));
  if (!valid) throw new ApiError(503, 'KEEL_LEADER_UNREACHABLE', `the leader (member ${leader}) answered the forwarded writes with something unreadable`);
  return items as ForwardItem[];
}
