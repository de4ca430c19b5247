export { WatchHub, watchersMaxDefault, progressIntervalMsDefault, historyChunkEventsMax, watcherBufferBytesMax } from './hub.ts';
export type { WatchHubOptions, WatchTimers } from './hub.ts';
export { TooManyWatchesError } from './types.ts';
export type { SourceEvent, WatchSource, WatchRequest, WatchSink, WatchFilter, Watcher } from './types.ts';
export { handleNativeWatch, handleEtcdWatch, watchKeyBytesMax, watchRequestBytesMax } from './http.ts';
export { keyInRange, prefixEnd, compareBytes } from './key-range.ts';
export { MemoryWatchSource } from './memory-source.ts';
