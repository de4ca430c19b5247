// A real MvccStore on a LevelDB in a temp dir, fed through encoded log entries as the driver would.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { MvccStore, encodeEnvelope } from '../store/mvcc/index.ts';
import type { Command, Envelope, MvccStoreOptions } from '../store/mvcc/index.ts';
import type { Entry } from '../raft/core/index.ts';

export type Db = Level<Uint8Array, Uint8Array>;

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

export class Harness {
  db!: Db;
  store!: MvccStore;
  index = 0;
  readonly dir: string;
  readonly options: MvccStoreOptions;

  private constructor(dir: string, options: MvccStoreOptions) {
    this.dir = dir;
    this.options = options;
  }

  static async create(options: MvccStoreOptions = {}): Promise<Harness> {
    const h = new Harness(await mkdtemp(join(tmpdir(), 'keel-mvcc-')), options);
    await h.open();
    return h;
  }

  async open(): Promise<void> {
    this.db = new Level<Uint8Array, Uint8Array>(this.dir, { keyEncoding: 'view', valueEncoding: 'view' });
    await this.db.open();
    this.store = new MvccStore(this.db, this.options);
    await this.store.open();
  }

  async reopen(): Promise<void> {
    await this.db.close();
    await this.open();
  }

  entry(envelope: Envelope): Entry {
    this.index += 1;
    return { term: 1, index: this.index, kind: 'normal', data: encodeEnvelope(envelope) };
  }

  /** Applies each command in its own entry, all in one batch. */
  async run(...commands: Array<Command | Envelope>): Promise<any[]> {
    return this.store.apply(commands.map((c) => this.entry('command' in c ? c : { command: c })));
  }

  async one(command: Command | Envelope): Promise<any> {
    return (await this.run(command))[0];
  }

  async destroy(): Promise<void> {
    await this.db.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}
