// CRC-32 (IEEE 802.3, the polynomial zlib and gzip use) of a byte array.
// Node has zlib.crc32 since 20.15 and 22.2; package.json allows any Node 20, so older ones get the
// table version below. Both give 0xcbf43926 for the ASCII bytes "123456789".
import zlib from 'node:zlib';

type Crc32 = (data: Uint8Array) => number;

const reversedPolynomial = 0xedb88320;

const table: Uint32Array = (() => {
  const result = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? reversedPolynomial ^ (c >>> 1) : c >>> 1;
    result[n] = c;
  }
  return result;
})();

/** The table-driven CRC-32, exported so a test can check it against zlib's. Unsigned 32-bit result. */
export function crc32Table(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 of `data` as an unsigned 32-bit integer: zlib's native one when Node has it. */
export const crc32: Crc32 = typeof native === 'function' ? (data) => native(data) : crc32Table;
