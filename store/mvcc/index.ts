// What the rest of keel may use of the MVCC store.
export * from './types.ts';
export { MvccStore } from './store.ts';
export type { MvccStoreOptions, HistoryResult, AppliedListener } from './store.ts';
export type { RevisionEvent } from './write-txn.ts';
export { encodeEnvelope, decodeEnvelope, encodeEnvelopeBatch } from './codec.ts';
export { CompactedError, FutureRevisionError, RestoreIncompleteError, SnapshotInstallingError, errorCodes } from './errors.ts';
export { prefixEnd } from './keys.ts';
export { dedupWindowDefault, dedupClientsMaxDefault } from './dedup.ts';
export { snapshotChunkBytesDefault } from './snapshot.ts';
