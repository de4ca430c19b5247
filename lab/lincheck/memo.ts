// The search's memory of where it has been: a set of (linearized operations, state) pairs.
// Two paths that linearized the same operations and reached the same state have the same
// future, so the second is cut off (Lowe's memoization of configurations). An open-addressing
// table over typed arrays: each pair is stored once as its hash, its state id and its bitset
// words in one arena, and a lookup allocates nothing.

/** Slots per stored pair, at least: the table doubles when it is half full. */
const loadFactorInverse = 2;
const slotsInitial = 1 << 10;

export class Memo {
  readonly #words: number;
  #mask = slotsInitial - 1;
  /** Pair index + 1 per slot; 0 is an empty slot. */
  #slots = new Int32Array(slotsInitial);
  #hashes = new Int32Array(slotsInitial / loadFactorInverse);
  #states = new Int32Array(slotsInitial / loadFactorInverse);
  #bits: Uint32Array;
  #count = 0;

  /** `words`: the length of every bitset, in 32-bit words. */
  constructor(words: number) {
    this.#words = words;
    this.#bits = new Uint32Array(this.#hashes.length * words);
  }

  /** Memory held, in bytes. */
  get bytes(): number {
    return this.#slots.byteLength + this.#hashes.byteLength + this.#states.byteLength + this.#bits.byteLength;
  }

  /**
   * Adds the pair unless it is already there; true when it was added. `hash` must be a
   * function of `bits` and `state` alone.
   */
  add(hash: number, state: number, bits: Uint32Array): boolean {
    const words = this.#words;
    const slots = this.#slots;
    const mask = this.#mask;
    let i = hash & mask;
    for (let slot = slots[i]; slot !== 0; slot = slots[i]) {
      const pair = slot - 1;
      if (this.#hashes[pair] === hash && this.#states[pair] === state && this.#sameBits(pair * words, bits)) return false;
      i = (i + 1) & mask;
    }
    if (this.#count === this.#hashes.length) {
      this.#grow();
      return this.add(hash, state, bits);
    }
    const pair = this.#count++;
    slots[i] = pair + 1;
    this.#hashes[pair] = hash;
    this.#states[pair] = state;
    this.#bits.set(bits, pair * words);
    return true;
  }

  #sameBits(offset: number, bits: Uint32Array): boolean {
    const stored = this.#bits;
    for (let w = 0; w < bits.length; w++) if (stored[offset + w] !== bits[w]) return false;
    return true;
  }

  #grow(): void {
    const capacity = this.#hashes.length * 2;
    this.#hashes = grown(this.#hashes, capacity);
    this.#states = grown(this.#states, capacity);
    const bits = new Uint32Array(capacity * this.#words);
    bits.set(this.#bits);
    this.#bits = bits;
    this.#slots = new Int32Array(capacity * loadFactorInverse);
    this.#mask = this.#slots.length - 1;
    for (let pair = 0; pair < this.#count; pair++) {
      let i = this.#hashes[pair] & this.#mask;
      while (this.#slots[i] !== 0) i = (i + 1) & this.#mask;
      this.#slots[i] = pair + 1;
    }
  }
}

function grown(array: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const copy = new Int32Array(length);
  copy.set(array);
  return copy;
}
