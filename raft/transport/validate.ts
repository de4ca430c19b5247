// Checks that a decoded frame body really is what the Raft core expects. Anything else comes
// from a broken or hostile peer: the frame is refused as a whole and its connection closed.
import type { ConfChange, ConfState, Entry, Message, MessageType, NodeId, Snapshot } from '../core/index.ts';
import { copyBytes } from './frame.ts';

const messageTypes: ReadonlySet<string> = new Set<MessageType>([
  'pre-vote',
  'pre-vote-resp',
  'vote',
  'vote-resp',
  'append',
  'append-resp',
  'heartbeat',
  'heartbeat-resp',
  'snapshot',
  'timeout-now',
  'read-index',
  'read-index-resp',
]);

/** Why a body was refused. */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
}

function fail(what: string): never {
  throw new InvalidMessageError(what);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(`${what} is not a count`);
  return value;
}

function bytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(`${what} is not binary`);
  return copyBytes(value);
}

function nodeIds(value: unknown, what: string): NodeId[] {
  if (!Array.isArray(value)) fail(`${what} is not an array`);
  return value.map((id, i) => count(id, `${what}[${i}]`));
}

function confChange(value: unknown, what: string): ConfChange {
  if (!isRecord(value)) fail(`${what} is not an object`);
  const { type } = value;
  if (type !== 'add-learner' && type !== 'add-voter' && type !== 'remove') fail(`${what}.type is unknown`);
  return { type, node: count(value.node, `${what}.node`) };
}

function entry(value: unknown, what: string): Entry {
  if (!isRecord(value)) fail(`${what} is not an object`);
  const { kind } = value;
  if (kind !== 'normal' && kind !== 'conf') fail(`${what}.kind is unknown`);
  const result: Entry = {
    term: count(value.term, `${what}.term`),
    index: count(value.index, `${what}.index`),
    kind,
    data: bytes(value.data, `${what}.data`),
  };
  // An absent `change` may arrive as undefined or as nil, depending on the encoder.
  if (value.change !== undefined && value.change !== null) result.change = confChange(value.change, `${what}.change`);
  return result;
}

function confState(value: unknown, what: string): ConfState {
  if (!isRecord(value)) fail(`${what} is not an object`);
  return { voters: nodeIds(value.voters, `${what}.voters`), learners: nodeIds(value.learners, `${what}.learners`) };
}

function snapshot(value: unknown, what: string): Snapshot | null {
  if (value === null) return null;
  if (!isRecord(value) || !isRecord(value.meta)) fail(`${what} is not a snapshot`);
  const { meta } = value;
  return {
    meta: {
      index: count(meta.index, `${what}.meta.index`),
      term: count(meta.term, `${what}.meta.term`),
      conf: confState(meta.conf, `${what}.meta.conf`),
    },
    data: bytes(value.data, `${what}.data`),
  };
}

function boolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') fail(`${what} is not a boolean`);
  return value;
}

/**
 * Rebuilds `value` as a Message field by field (so no stray field of a peer's reaches the core)
 * and checks that it comes from `from` and is addressed to `to`.
 */
export function parseMessage(value: unknown, from: NodeId, to: NodeId, what: string): Message {
  if (!isRecord(value)) fail(`${what} is not an object`);
  if (typeof value.type !== 'string' || !messageTypes.has(value.type)) fail(`${what}.type is unknown`);
  if (value.from !== from) fail(`${what}.from is ${String(value.from)}, the connection is from member ${from}`);
  if (value.to !== to) fail(`${what}.to is ${String(value.to)}, this is member ${to}`);
  if (!Array.isArray(value.entries)) fail(`${what}.entries is not an array`);
  if (typeof value.context !== 'string') fail(`${what}.context is not a string`);
  return {
    type: value.type as MessageType,
    from,
    to,
    term: count(value.term, `${what}.term`),
    logTerm: count(value.logTerm, `${what}.logTerm`),
    index: count(value.index, `${what}.index`),
    entries: value.entries.map((e, i) => entry(e, `${what}.entries[${i}]`)),
    commit: count(value.commit, `${what}.commit`),
    reject: boolean(value.reject, `${what}.reject`),
    rejectHint: count(value.rejectHint, `${what}.rejectHint`),
    readSeq: count(value.readSeq, `${what}.readSeq`),
    context: value.context,
    snapshot: snapshot(value.snapshot, `${what}.snapshot`),
    transfer: boolean(value.transfer, `${what}.transfer`),
  };
}

/** Parses the payload of a messages frame: a non-empty array of Messages. */
export function parseMessages(value: unknown, from: NodeId, to: NodeId): Message[] {
  if (!Array.isArray(value) || value.length === 0) fail('messages frame holds no message array');
  return value.map((m, i) => parseMessage(m, from, to, `message[${i}]`));
}
