// etcd's key ranges over bytes, as the MVCC store defines them: `rangeEnd` absent or empty
// selects `key` alone; [0x00] selects every key >= `key`; otherwise [key, rangeEnd).
export { compareBytes, inRange as keyInRange, prefixEnd } from '../mvcc/keys.ts';
