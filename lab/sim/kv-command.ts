// The writes of the simulated kv clients as they travel through the log: keel's single-key
// operations (the lincheck keel model's inputs, so a recorded history means exactly what the
// model checks), each with an id unique in the run, so that the member that proposed it can
// recognise it when it applies it and answer the client with its own apply result.

import type { KeelInput, KeelOutput } from '../lincheck/index.ts';

/** A write: every keel operation but `get` (reads go through ReadIndex, not the log). */
export type KvWrite = Exclude<KeelInput, { op: 'get' }>;

export type KvCommand = { id: string } & KvWrite;

/** What applying a command gave: the answer its proposer owes the client. */
export interface KvApplied {
  id: string;
  output: KeelOutput;
}

/** Commands are JSON objects; the write-only client's `key=value` commands never start with `{`. */
export function isKvCommandText(text: string): boolean {
  return text.startsWith('{');
}

export function encodeKvCommand(command: KvCommand): string {
  return JSON.stringify(command);
}

export function parseKvCommand(text: string): KvCommand {
  return JSON.parse(text) as KvCommand;
}

/** Applies one command to `kv`; the output is what keel's client library would answer. */
export function applyKvCommand(kv: Map<string, string>, command: KvCommand): KeelOutput {
  const previous = kv.get(command.key) ?? null;
  switch (command.op) {
    case 'put':
      kv.set(command.key, command.value);
      return { prevValue: previous };
    case 'delete':
      kv.delete(command.key);
      return { deleted: previous === null ? 0 : 1, prevValue: previous };
    case 'cas':
      if (previous !== command.expected) return { succeeded: false, current: previous };
      if (command.value === null) kv.delete(command.key);
      else kv.set(command.key, command.value);
      return { succeeded: true };
  }
}
