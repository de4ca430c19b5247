// The replicated state machine of the simulator: a tiny key-value map fed by `key=value`
// proposals and by the kv clients' commands (kv-command.ts), plus a running digest of every
// entry applied. Two members that applied the same
// entries have the same digest, so comparing digests at an index checks snapshots too.

import type { Entry } from '../../raft/core/index.ts';
import { chainDigest, decodeText, encodeText } from './digest.ts';
import { applyKvCommand, isKvCommandText, parseKvCommand, type KvApplied } from './kv-command.ts';

interface Image {
  applied: number;
  digest: number;
  kv: [string, string][];
}

export class KvStateMachine {
  applied = 0;
  digest = 0;
  readonly kv = new Map<string, string>();

  /**
   * Applies one committed entry; the caller has checked that it is the next index. Returns the
   * answer to a kv client's command, null for any other entry.
   */
  apply(entry: Entry): KvApplied | null {
    let applied: KvApplied | null = null;
    if (entry.kind === 'normal' && entry.data.length > 0) applied = this.#applyCommand(decodeText(entry.data));
    this.digest = chainDigest(this.digest, entry);
    this.applied = entry.index;
    return applied;
  }

  /** A key's value; null when it does not exist. */
  read(key: string): string | null {
    return this.kv.get(key) ?? null;
  }

  #applyCommand(command: string): KvApplied | null {
    if (isKvCommandText(command)) {
      const parsed = parseKvCommand(command);
      return { id: parsed.id, output: applyKvCommand(this.kv, parsed) };
    }
    this.#applyKeyValue(command);
    return null;
  }

  #applyKeyValue(command: string): void {
    const eq = command.indexOf('=');
    if (eq <= 0) return;
    const value = command.slice(eq + 1);
    const padding = value.indexOf('.');
    this.kv.set(command.slice(0, eq), padding === -1 ? value : value.slice(0, padding));
  }

  serialize(): Uint8Array {
    const image: Image = { applied: this.applied, digest: this.digest, kv: [...this.kv.entries()] };
    return encodeText(JSON.stringify(image));
  }

  static restore(data: Uint8Array): KvStateMachine {
    const image = JSON.parse(decodeText(data)) as Image;
    const sm = new KvStateMachine();
    sm.applied = image.applied;
    sm.digest = image.digest;
    for (const [key, value] of image.kv) sm.kv.set(key, value);
    return sm;
  }
}
