// Small deterministic hashes for the checker: an entry's content hash and the state machine's
// running digest. FNV-1a over 32 bits; collisions are possible but do not hide a real
// divergence in practice, and a false alarm would show up as a reproducible seed.

import type { ConfChange, Entry } from '../../raft/core/index.ts';

const fnvOffset = 0x811c9dc5;
const fnvPrime = 0x01000193;

export function mix(hash: number, value: number): number {
  let h = hash;
  for (let shift = 0; shift < 32; shift += 8) {
    h = Math.imul(h ^ ((value >>> shift) & 0xff), fnvPrime) >>> 0;
  }
  return h;
}

export function hashBytes(bytes: Uint8Array): number {
  let h = fnvOffset;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], fnvPrime) >>> 0;
  return mix(h, bytes.length);
}

const changeTypes: Record<ConfChange['type'], number> = { bootstrap: 1, 'add-learner': 2, 'add-voter': 3, remove: 4 };

function changeCode(change: ConfChange | undefined): number {
  if (change === undefined) return 0;
  let code = mix(changeTypes[change.type], change.node);
  if (change.type === 'bootstrap') {
    for (const voter of change.voters) code = mix(code, voter);
    code = mix(code, 0xffff_ffff);
    for (const learner of change.learners) code = mix(code, learner);
  }
  return code;
}

/** The content of an entry (kind, data, membership change), not its index or term. */
export function hashEntry(entry: Entry): number {
  const kind = entry.kind === 'conf' ? 1 : 0;
  return mix(mix(hashBytes(entry.data), kind), changeCode(entry.change));
}

/** The state machine digest after applying `entry` on top of `previous`. */
export function chainDigest(previous: number, entry: Entry): number {
  return mix(mix(mix(previous, entry.index), entry.term), hashEntry(entry));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeText(text: string): Uint8Array {
  return encoder.encode(text);
}

export function decodeText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
