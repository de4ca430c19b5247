export * from './types.ts';
export * from './errors.ts';
export { assert, AssertionError } from './assert.ts';
export { Prng } from './prng.ts';
export * from './config.ts';
export { RawNode } from './raw-node.ts';
export type { Status, ProgressStatus } from './raw-node.ts';
