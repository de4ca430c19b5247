import type { RaftConfig } from './config.ts';
import type { ConfChange, ConfState, Entry, InitialState, Message, NodeId, Ready, Role, Snapshot } from './types.ts';

export interface ProgressStatus {
  match: number;
  next: number;
  state: 'probe' | 'replicate' | 'snapshot';
  learner: boolean;
  /** Ticks since the leader last heard from this member. */
  lastContactTicks: number;
}

export interface Status {
  id: NodeId;
  role: Role;
  term: number;
  vote: NodeId;
  leader: NodeId;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  conf: ConfState;
  /** Set while a leadership transfer is in flight. */
  transferee: NodeId;
  /** Per member, on a leader only. */
  progress: Map<NodeId, ProgressStatus>;
}

/** The pure Raft state machine, driven through tick/step/propose and Ready/advance. */
export class RawNode {
  constructor(config: RaftConfig, initial: InitialState) { void config; void initial; throw new Error('todo'); }
  tick(): void { throw new Error('todo'); }
  step(message: Message): void { void message; throw new Error('todo'); }
  campaign(): void { throw new Error('todo'); }
  propose(data: Uint8Array): { index: number; term: number } { void data; throw new Error('todo'); }
  proposeConfChange(change: ConfChange): { index: number; term: number } { void change; throw new Error('todo'); }
  readIndex(context: string): void { void context; throw new Error('todo'); }
  transferLeadership(to: NodeId): void { void to; throw new Error('todo'); }
  hasReady(): boolean { throw new Error('todo'); }
  ready(): Ready { throw new Error('todo'); }
  advance(ready: Ready): void { void ready; throw new Error('todo'); }
  createSnapshot(index: number, data: Uint8Array): Snapshot { void index; void data; throw new Error('todo'); }
  compact(index: number): void { void index; throw new Error('todo'); }
  reportUnreachable(id: NodeId): void { void id; throw new Error('todo'); }
  reportSnapshot(id: NodeId, ok: boolean): void { void id; void ok; throw new Error('todo'); }
  status(): Status { throw new Error('todo'); }
  entries(lo: number, hi: number): Entry[] { void lo; void hi; throw new Error('todo'); }
}
