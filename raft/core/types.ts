// The data that goes in and out of the Raft core. Plain objects only: the driver encodes them
// (msgpackr) for the disk and the wire, the simulator copies them between nodes.

/** A member's id. 0 means "none" (no vote, no known leader). */
export type NodeId = number;
export const noNode: NodeId = 0;

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/**
 * A log entry. `kind: 'normal'` with empty data is the no-op a new leader appends.
 * A `'conf'` entry carries a membership change that takes effect when it is applied.
 */
export interface Entry {
  term: number;
  index: number;
  kind: 'normal' | 'conf';
  data: Uint8Array;
  change?: ConfChange;
}

/** What must be on disk before a vote is granted or a message depending on it is sent. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

/**
 * Membership changes go one at a time (Raft thesis section 4.1, single-server changes):
 * a leader has at most one unapplied conf entry in its log, and a new leader proposes none
 * before it has applied everything up to its own no-op.
 */
export type ConfChange =
  /** The founding membership: only ever the first entry of a founding member's log. */
  | { type: 'bootstrap'; node: 0; voters: NodeId[]; learners: NodeId[] }
  | { type: 'add-learner'; node: NodeId }
  | { type: 'add-voter'; node: NodeId }
  | { type: 'remove'; node: NodeId };

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

/** A state machine image at `meta.index`. `data` is opaque to the core. */
export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

export type MessageType =
  | 'pre-vote'
  | 'pre-vote-resp'
  | 'vote'
  | 'vote-resp'
  | 'append'
  | 'append-resp'
  | 'heartbeat'
  | 'heartbeat-resp'
  | 'snapshot'
  | 'timeout-now'
  | 'read-index'
  | 'read-index-resp';

/**
 * One message between members. Fields not used by a type are left at their zero values
 * (0, false, empty array) so every message has the same shape.
 *
 * - append: `index`/`logTerm` name the entry before `entries`; `commit` is the leader's.
 * - append-resp: `index` is the last index the follower now matches (or, on reject, the
 *   rejected index); `rejectHint`/`logTerm` are the conflict hints for fast backtracking.
 * - heartbeat / heartbeat-resp: `readSeq` confirms leadership for ReadIndex rounds.
 * - read-index / read-index-resp: `context` identifies the read; `index` is the read index.
 */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  readSeq: number;
  context: string;
  snapshot: Snapshot | null;
  /** Set on a vote request sent because of a leadership transfer: it bypasses the lease. */
  transfer: boolean;
}

/** A linearizable read may be served once the local applied index reaches `index`. */
export interface ReadState {
  index: number;
  context: string;
}

export interface SoftState {
  leader: NodeId;
  role: Role;
}

/**
 * Everything the driver must do, in order:
 * 1. persist `snapshot` (if any: it replaces the whole stored log), then `entries` (replacing
 *    any stored entries from entries[0].index on) and `hardState` (if any) with a sync write;
 * 2. send `messages` (they depend on step 1). `leaderMessages` replicate a leader's log and
 *    may be sent before or during step 1, in parallel with the leader's own write;
 * 3. install `snapshot` into the state machine, apply `committedEntries` in order, serve
 *    `readStates` once applied reaches their index;
 * 4. call `advance(ready)`.
 */
export interface Ready {
  softState: SoftState | null;
  hardState: HardState | null;
  entries: Entry[];
  snapshot: Snapshot | null;
  committedEntries: Entry[];
  messages: Message[];
  leaderMessages: Message[];
  readStates: ReadState[];
  /** True when step 1 writes anything that must be synced before step 2. */
  mustSync: boolean;
  /**
   * A follower needs a snapshot and this member has none since it (re)started: call
   * createSnapshot(applied, image) after handling this Ready.
   */
  snapshotWanted: boolean;
}

/** What a node recovers from its own disk on start. */
export interface InitialState {
  hardState: HardState;
  /** The last snapshot persisted (its meta gives the log's starting point), or null. */
  snapshot: SnapshotMeta | null;
  /** Persisted entries after the snapshot, contiguous. */
  entries: Entry[];
  /** The state machine's applied index (>= snapshot index), persisted with its state. */
  applied: number;
  /**
   * The founding membership, used only by a founding member on its very first start (nothing on
   * disk): it becomes the log's first entry. A member joining an existing cluster starts with
   * no voters and learns the membership from the leader's log or snapshot. Ignored otherwise.
   */
  conf: ConfState;
}

export function emptyMessage(type: MessageType, from: NodeId, to: NodeId, term: number): Message {
  return {
    type,
    from,
    to,
    term,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    readSeq: 0,
    context: '',
    snapshot: null,
    transfer: false,
  };
}
