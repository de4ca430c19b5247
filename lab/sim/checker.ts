// The safety checker (Raft paper, Figure 3) and the liveness check after faults heal.
// It is fed events as they happen (a member persists, applies, becomes leader) and keeps a
// global history, so every property is checked incrementally after every simulator step.

import type { Entry, NodeId } from '../../raft/core/index.ts';
import type { LogView } from './disk.ts';
import { hashEntry } from './digest.ts';
import { formatTime } from './trace.ts';

/** Violations kept per run; the rest are counted only (one bug tends to repeat). */
export const violationsKeptMax = 50;

interface LogRecord {
  hash: number;
  /** The term of the entry before it; -1 when the writer no longer had it (compacted). */
  prevTerm: number;
  node: NodeId;
}

interface AppliedRecord {
  term: number;
  hash: number;
  node: NodeId;
}

export class Checker {
  readonly violations: string[] = [];
  violationCount = 0;
  #leaders = new Map<number, NodeId>();
  #log = new Map<number, Map<number, LogRecord>>();
  #applied = new Map<number, AppliedRecord>();
  #digests = new Map<number, { digest: number; node: NodeId }>();
  #lastApplied = new Map<NodeId, number>();
  #livenessDeadlineMs = -1;
  #healMs = -1;
  #progressed = false;

  /** Terms that had a leader. */
  get leaderTerms(): number {
    return this.#leaders.size;
  }

  violation(timeMs: number, text: string): void {
    this.violationCount += 1;
    if (this.violations.length < violationsKeptMax) this.violations.push(`${formatTime(timeMs)} ${text}`);
  }

  /** A member (re)started with the state machine at `applied`. */
  observeStart(node: NodeId, applied: number): void {
    this.#lastApplied.set(node, applied);
  }

  /** Election Safety and Leader Completeness, when `node` is seen as leader of `term`. */
  observeLeader(timeMs: number, node: NodeId, term: number, log: LogView): void {
    const other = this.#leaders.get(term);
    if (other !== undefined && other !== node) {
      this.violation(timeMs, `election safety: n${other} and n${node} are both leaders of term ${term}`);
    }
    if (other === node) return;
    this.#leaders.set(term, node);
    this.#checkCompleteness(timeMs, node, term, log);
  }

  #checkCompleteness(timeMs: number, node: NodeId, term: number, log: LogView): void {
    for (const [index, record] of this.#applied) {
      if (index <= log.snapshotIndex) continue;
      const have = log.termAt(index);
      if (have === record.term) continue;
      const what = have === undefined ? 'lacks it' : `has term ${have} there`;
      this.violation(
        timeMs,
        `leader completeness: n${node} leads term ${term} but entry ${index} (term ${record.term}, applied by n${record.node}) is missing: it ${what}`,
      );
      return;
    }
  }

  /**
   * Called before `node` writes `entries` over `log` (its persisted log as it was).
   * `leaderTerm` is the term it leads, or 0 when it is not the leader; `commit` its persisted commit.
   */
  observePersist(timeMs: number, node: NodeId, entries: Entry[], log: LogView, leaderTerm: number, commit: number): void {
    if (entries.length === 0) return;
    const first = entries[0].index;
    if (leaderTerm > 0 && first <= log.lastIndex) {
      this.violation(timeMs, `leader append-only: n${node}, leader of term ${leaderTerm}, rewrites its log from ${first} (last ${log.lastIndex})`);
    }
    for (let k = 0; k < entries.length; k++) {
      const entry = entries[k];
      const had = log.termAt(entry.index);
      if (entry.index <= commit && had !== undefined && had !== entry.term) {
        this.violation(timeMs, `committed entry overwritten: n${node} replaces ${entry.index} term ${had} (commit ${commit}) with term ${entry.term}`);
      }
      const prevTerm = k > 0 ? entries[k - 1].term : (log.termAt(entry.index - 1) ?? -1);
      this.#recordLogEntry(timeMs, node, entry, prevTerm);
    }
  }

  /** Log Matching: one (index, term) names one entry, with one predecessor term. */
  #recordLogEntry(timeMs: number, node: NodeId, entry: Entry, prevTerm: number): void {
    let byTerm = this.#log.get(entry.index);
    if (byTerm === undefined) {
      byTerm = new Map();
      this.#log.set(entry.index, byTerm);
    }
    const hash = hashEntry(entry);
    const known = byTerm.get(entry.term);
    if (known === undefined) {
      byTerm.set(entry.term, { hash, prevTerm, node });
      return;
    }
    if (known.hash !== hash) {
      this.violation(timeMs, `log matching: entry ${entry.index} term ${entry.term} differs between n${known.node} and n${node}`);
    } else if (known.prevTerm >= 0 && prevTerm >= 0 && known.prevTerm !== prevTerm) {
      this.violation(
        timeMs,
        `log matching: entry ${entry.index} term ${entry.term} follows term ${known.prevTerm} on n${known.node} but term ${prevTerm} on n${node}`,
      );
    } else if (known.prevTerm < 0) {
      known.prevTerm = prevTerm;
    }
  }

  /** State Machine Safety: no two members apply different entries at one index. */
  observeApply(timeMs: number, node: NodeId, entry: Entry, digest: number): void {
    const last = this.#lastApplied.get(node) ?? 0;
    if (entry.index !== last + 1) {
      this.violation(timeMs, `apply order: n${node} applies ${entry.index} after ${last}`);
    }
    this.#lastApplied.set(node, entry.index);
    const hash = hashEntry(entry);
    const known = this.#applied.get(entry.index);
    if (known === undefined) {
      this.#applied.set(entry.index, { term: entry.term, hash, node });
    } else if (known.term !== entry.term || known.hash !== hash) {
      this.violation(
        timeMs,
        `state machine safety: n${known.node} applied ${entry.index} term ${known.term} but n${node} applies term ${entry.term}${known.term === entry.term ? ' with other data' : ''}`,
      );
    }
    this.observeDigest(timeMs, node, entry.index, digest);
  }

  /** A state machine image at `index` (after an apply or a snapshot install) must match every other one there. */
  observeDigest(timeMs: number, node: NodeId, index: number, digest: number): void {
    const known = this.#digests.get(index);
    if (known === undefined) {
      this.#digests.set(index, { digest, node });
    } else if (known.digest !== digest) {
      this.violation(timeMs, `state machine safety: n${node}'s state at ${index} differs from n${known.node}'s`);
    }
  }

  /** A member installed a snapshot: its state machine jumps to `index`. */
  observeSnapshotInstall(timeMs: number, node: NodeId, index: number, digest: number, isLeader: boolean): void {
    if (isLeader) this.violation(timeMs, `leader append-only: leader n${node} installs a snapshot at ${index}`);
    this.#lastApplied.set(node, index);
    this.observeDigest(timeMs, node, index, digest);
  }

  /** From `healMs` on every fault is over; a new proposal must commit by `deadlineMs`. */
  expectLiveness(healMs: number, deadlineMs: number): void {
    this.#healMs = healMs;
    this.#livenessDeadlineMs = deadlineMs;
    this.#progressed = false;
  }

  /** A proposal made after the heal was applied. */
  observeProgress(): void {
    this.#progressed = true;
  }

  get progressed(): boolean {
    return this.#progressed;
  }

  afterStep(timeMs: number): void {
    if (this.#livenessDeadlineMs < 0 || this.#progressed || timeMs < this.#livenessDeadlineMs) return;
    this.violation(timeMs, `liveness: no proposal committed within ${this.#livenessDeadlineMs - this.#healMs} ms after the faults healed at ${formatTime(this.#healMs)}`);
    this.#livenessDeadlineMs = -1;
  }
}
