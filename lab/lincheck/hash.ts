// 32-bit hashing for the search's memo table, without allocation or bigint.

/** MurmurHash3's finalizer: a bijection of 32-bit integers that scatters every input bit. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85eb_ca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2_ae35);
  x ^= x >>> 16;
  return x | 0;
}

/**
 * Zobrist keys: one random-looking word per operation, so the hash of a set of operations is
 * the XOR of its members' keys and adding or removing one operation updates it in O(1).
 */
export function zobristKeys(count: number): Int32Array {
  const keys = new Int32Array(count);
  for (let i = 0; i < count; i++) keys[i] = mix32(i + 0x2545_f491);
  return keys;
}

/** A state id's contribution to a memo key; distinct from every Zobrist key's pattern. */
export function stateKey(stateId: number): number {
  return mix32(stateId ^ 0x5bd1_e995);
}
