import { assert } from './assert.ts';
import type { Entry, Snapshot } from './types.ts';

/**
 * The in-memory Raft log of one member: the entries after the last compaction point, which of
 * them are on disk (`stableIndex`), the commit index and the applied index.
 *
 * The entry at `offsetIndex` (the compaction point) is represented only by its term; entries
 * live in `#entries`, where `#entries[i].index === offsetIndex + 1 + i`.
 */
export class RaftLog {
  #entries: Entry[] = [];
  #offsetIndex: number;
  #offsetTerm: number;
  /** The highest index known to be on disk. */
  stableIndex: number;
  committed: number;
  /** The highest index the application has applied (acknowledged through advance). */
  applied: number;
  /** The highest committed index handed to the application, applied or not yet. */
  applying: number;
  /** A snapshot received from the leader, not yet persisted and installed. */
  pendingSnapshot: Snapshot | null = null;

  constructor(offsetIndex: number, offsetTerm: number, entries: Entry[], committed: number, applied: number) {
    this.#offsetIndex = offsetIndex;
    this.#offsetTerm = offsetTerm;
    for (let i = 0; i < entries.length; i++) {
      assert(entries[i].index === offsetIndex + 1 + i, `log gap at ${offsetIndex + 1 + i}`);
      this.#entries.push(entries[i]);
    }
    this.stableIndex = this.lastIndex();
    assert(applied >= offsetIndex, `applied ${applied} is behind the snapshot at ${offsetIndex}`);
    this.committed = Math.max(committed, applied);
    assert(this.committed <= this.lastIndex(), `commit ${this.committed} beyond the last index ${this.lastIndex()}`);
    this.applied = applied;
    this.applying = applied;
  }

  firstIndex(): number {
    return this.#offsetIndex + 1;
  }

  lastIndex(): number {
    return this.#offsetIndex + this.#entries.length;
  }

  lastTerm(): number {
    const length = this.#entries.length;
    return length === 0 ? this.#offsetTerm : this.#entries[length - 1].term;
  }

  /** The term of the entry at `index`, or null when it is compacted or beyond the end. */
  term(index: number): number | null {
    if (index === this.#offsetIndex) return this.#offsetTerm;
    if (index < this.#offsetIndex || index > this.lastIndex()) return null;
    return this.#entries[index - this.#offsetIndex - 1].term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft's up-to-date rule (paper section 5.4.1): compare last terms, then last indexes. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Appends entries after (prevIndex, prevTerm) as a follower. Returns the last index now known
   * to match the leader, or null when the log does not contain (prevIndex, prevTerm).
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, entries: Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    const conflict = this.#findConflict(entries);
    if (conflict !== 0) {
      assert(conflict > this.committed, `entry ${conflict} conflicts with the committed log (commit ${this.committed})`);
      this.append(entries.slice(conflict - entries[0].index));
    }
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** Appends entries, truncating any existing suffix from entries[0].index on. */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0].index;
    assert(first > this.committed, `truncation at ${first} would remove committed entries (commit ${this.committed})`);
    assert(first <= this.lastIndex() + 1, `log gap: appending ${first} after ${this.lastIndex()}`);
    if (first <= this.lastIndex()) {
      this.#entries.length = first - this.#offsetIndex - 1;
      this.stableIndex = Math.min(this.stableIndex, first - 1);
    }
    for (const entry of entries) this.#entries.push(entry);
  }

  /** The first entry whose term differs from ours (0 when all are present and match). */
  #findConflict(entries: Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * Fast backtracking: the largest index <= `index` whose term is <= `term`. A follower uses it
   * to hint where its log may match; the leader uses it to skip a whole term of mismatches.
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    while (i > this.#offsetIndex) {
      const t = this.term(i)!;
      if (t <= term) return i;
      i--;
    }
    return i;
  }

  /** Entries in [lo, hi), at most `countMax` and about `bytesMax` (always at least one). Null if lo is compacted. */
  slice(lo: number, hi: number, countMax: number, bytesMax: number): Entry[] | null {
    if (lo <= this.#offsetIndex) return null;
    hi = Math.min(hi, this.lastIndex() + 1, lo + countMax);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const entry = this.#entries[i - this.#offsetIndex - 1];
      bytes += entry.data.length;
      if (out.length > 0 && bytes > bytesMax) break;
      out.push(entry);
    }
    return out;
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), `commit ${index} beyond the last index ${this.lastIndex()}`);
    this.committed = index;
  }

  /** The first entries not yet on disk, up to `bytesMax` bytes of data (at least one entry). */
  unstableEntries(bytesMax = Number.MAX_SAFE_INTEGER): Entry[] {
    if (this.stableIndex >= this.lastIndex()) return [];
    return this.slice(this.stableIndex + 1, this.lastIndex() + 1, Number.MAX_SAFE_INTEGER, bytesMax)!;
  }

  /** Marks entries up to `index` stable, unless that entry was replaced since it was handed out. */
  stableTo(index: number, term: number): void {
    if (this.matchTerm(index, term) && index > this.stableIndex) this.stableIndex = index;
  }

  hasNextCommitted(): boolean {
    return this.committed > this.applying && this.pendingSnapshot === null;
  }

  /**
   * The next committed entries to apply, about `bytesMax` of them (at least one if any), none
   * beyond `upTo`: what will be on disk once the Ready that hands them out is written.
   */
  nextCommitted(bytesMax: number, upTo = this.committed): Entry[] {
    if (!this.hasNextCommitted()) return [];
    const lo = Math.max(this.applying + 1, this.firstIndex());
    const hi = Math.min(this.committed, upTo);
    if (hi < lo) return [];
    const entries = this.slice(lo, hi + 1, Number.MAX_SAFE_INTEGER, bytesMax);
    assert(entries !== null, `committed entries from ${lo} are compacted`);
    return entries;
  }

  /**
   * Committed entries already on disk and not yet handed out, about `bytesMax` of them, up to
   * (not including) the first membership change: what the application may apply while a Ready
   * is being written. Empty while a snapshot is pending.
   */
  nextCommittedStable(bytesMax: number): Entry[] {
    if (this.pendingSnapshot !== null) return [];
    const hi = Math.min(this.committed, this.stableIndex);
    if (hi <= this.applying) return [];
    const entries = this.slice(Math.max(this.applying + 1, this.firstIndex()), hi + 1, Number.MAX_SAFE_INTEGER, bytesMax);
    assert(entries !== null, `committed entries from ${this.applying + 1} are compacted`);
    const conf = entries.findIndex((e) => e.kind === 'conf');
    return conf === -1 ? entries : entries.slice(0, conf);
  }

  appliedTo(index: number): void {
    assert(index <= this.committed, `applied ${index} beyond commit ${this.committed}`);
    if (index > this.applied) this.applied = index;
    if (index > this.applying) this.applying = index;
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  restore(snapshot: Snapshot): void {
    this.#entries = [];
    this.#offsetIndex = snapshot.meta.index;
    this.#offsetTerm = snapshot.meta.term;
    this.stableIndex = snapshot.meta.index;
    this.committed = snapshot.meta.index;
    this.pendingSnapshot = snapshot;
  }

  /** The received snapshot is persisted and installed. */
  snapshotInstalled(snapshot: Snapshot): void {
    if (this.pendingSnapshot !== snapshot) return;
    this.pendingSnapshot = null;
    const index = snapshot.meta.index;
    this.applied = Math.max(this.applied, index);
    this.applying = Math.max(this.applying, index);
  }

  /** Drops entries up to and including `index`; its term stays known. */
  compact(index: number): void {
    if (index <= this.#offsetIndex) return;
    assert(index <= this.applied, `compacting ${index} beyond applied ${this.applied}`);
    const term = this.term(index)!;
    this.#entries = this.#entries.slice(index - this.#offsetIndex);
    this.#offsetIndex = index;
    this.#offsetTerm = term;
  }
}
