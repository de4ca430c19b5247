// etcd's key ranges over bytes: `rangeEnd` absent or empty selects `key` alone; [0x00] selects
// every key >= `key`; otherwise [key, rangeEnd).
import type { KeyRange } from '../mvcc/types.ts';

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

export function keyInRange(key: Uint8Array, range: KeyRange): boolean {
  const end = range.rangeEnd;
  if (end === undefined || end.length === 0) return compareBytes(key, range.key) === 0;
  if (compareBytes(key, range.key) < 0) return false;
  if (end.length === 1 && end[0] === 0) return true;
  return compareBytes(key, end) < 0;
}

/** The end of the range of every key that starts with `prefix`; [0x00] (all keys) when no such end exists (empty or all 0xff). */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] += 1;
      return end;
    }
  }
  return Uint8Array.of(0);
}
