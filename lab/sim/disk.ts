// What one simulated member keeps across a crash: hard state, the last snapshot, the log
// after it, and the state machine image with its applied index (written in one batch, as the
// real driver does). Everything else the member knows is lost when it crashes.

import type { ConfState, Entry, HardState, InitialState, Snapshot } from '../../raft/core/index.ts';
import { KvStateMachine } from './state-machine.ts';

/** A read-only view of a persisted log, which is all the checker needs. */
export interface LogView {
  /** The term of the entry at `index`; 0 for index 0; undefined when not stored. */
  termAt(index: number): number | undefined;
  readonly snapshotIndex: number;
  readonly lastIndex: number;
}

export class Disk implements LogView {
  hardState: HardState = { term: 0, vote: 0, commit: 0 };
  snapshot: Snapshot | null = null;
  /** Contiguous entries; those at or below the snapshot index may stay until compacted. */
  entries: Entry[] = [];
  sm = new KvStateMachine();

  get snapshotIndex(): number {
    return this.snapshot?.meta.index ?? 0;
  }

  get lastIndex(): number {
    const last = this.entries.at(-1);
    return last === undefined ? this.snapshotIndex : Math.max(last.index, this.snapshotIndex);
  }

  termAt(index: number): number | undefined {
    if (index === 0) return 0;
    if (this.snapshot !== null && index === this.snapshot.meta.index) return this.snapshot.meta.term;
    const first = this.entries[0]?.index;
    if (first === undefined || index < first || index > first + this.entries.length - 1) return undefined;
    return this.entries[index - first].term;
  }

  /** Stores `entries`, replacing stored ones from entries[0].index on. Returns an error text on a gap. */
  append(entries: Entry[]): string | null {
    if (entries.length === 0) return null;
    const from = entries[0].index;
    if (from > this.lastIndex + 1) return `log gap: append at ${from} after last index ${this.lastIndex}`;
    if (from <= this.snapshotIndex) return `append at ${from} at or below snapshot ${this.snapshotIndex}`;
    for (let i = 1; i < entries.length; i++) {
      if (entries[i].index !== from + i) return `entries not contiguous at ${entries[i].index}`;
    }
    const first = this.entries[0]?.index ?? from;
    this.entries.length = Math.max(0, Math.min(this.entries.length, from - first));
    for (const entry of entries) this.entries.push({ ...entry });
    return null;
  }

  /** Persists a snapshot from the leader and installs its image in the state machine (one batch). */
  installSnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    const keep = this.termAt(index) === term;
    this.entries = keep ? this.entries.filter((entry) => entry.index > index) : [];
    this.snapshot = snapshot;
    this.sm = KvStateMachine.restore(snapshot.data);
  }

  /** Keeps a snapshot the member made of its own state machine. */
  saveSnapshot(snapshot: Snapshot): void {
    this.snapshot = snapshot;
  }

  /** Drops stored entries up to and including `index` (log compaction). */
  compact(index: number): void {
    this.entries = this.entries.filter((entry) => entry.index > index);
  }

  /** What a restarted member recovers from this disk alone. */
  initialState(conf: ConfState): InitialState {
    const snapshotIndex = this.snapshotIndex;
    return {
      hardState: { ...this.hardState },
      snapshot: this.snapshot === null ? null : structuredClone(this.snapshot.meta),
      entries: this.entries.filter((entry) => entry.index > snapshotIndex).map((entry) => ({ ...entry })),
      applied: this.sm.applied,
      conf: { voters: [...conf.voters], learners: [...conf.learners] },
    };
  }
}
