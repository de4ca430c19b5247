// What a run's report draws, derived from its history (lab/nemesis/history.ts) and its events
// (lab/nemesis/events.ts), both on one clock (ms since the run's origin): the faults as bands,
// each member's role over time, the leader the cluster had over time and where the term changed,
// and the operations lane by lane. Pure functions of the two files, so a test can feed them a
// synthetic run.
import type { Fault, FaultKind } from '../nemesis/faults.ts';
import type { NemesisEvent } from '../nemesis/events.ts';
import type { HistoryOp } from '../nemesis/history.ts';

export interface FaultBand {
  id: number;
  kind: FaultKind;
  /** Short, for the band: "isolate m2 (leader)". */
  label: string;
  /** A sentence, for the tooltip and the table. */
  text: string;
  from: number;
  to: number;
}

export type Role = 'leader' | 'follower' | 'candidate' | 'learner' | 'unreachable';

export interface RoleSegment {
  member: number;
  role: Role;
  term: number;
  from: number;
  to: number;
}

/** Who the cluster's leader was: the member saying it leads in the highest term any member reported (0: none). */
export interface LeaderSegment {
  leader: number;
  term: number;
  from: number;
  to: number;
}

export interface Marker {
  at: number;
  kind: 'term' | 'heal-all' | 'healthy';
  label: string;
}

export interface Timeline {
  /** The end of the drawing, ms: the last answer or event. Indeterminate operations reach it. */
  endMs: number;
  members: number[];
  faults: FaultBand[];
  roles: RoleSegment[];
  leaders: LeaderSegment[];
  markers: Marker[];
}

export function timelineOf(ops: HistoryOp[], events: NemesisEvent[]): Timeline {
  const endMs = Math.max(1, ...ops.map((op) => op.return ?? op.call), ...events.map((e) => e.at));
  const members = [...new Set([...ops.map((op) => op.member), ...events.flatMap((e) => ('member' in e ? [e.member] : []))])].sort((a, b) => a - b);
  return { endMs, members, faults: faultBands(events, endMs), roles: roleSegments(events, endMs), ...leadership(events, endMs) };
}

function faultBands(events: NemesisEvent[], endMs: number): FaultBand[] {
  const bands: FaultBand[] = [];
  for (const e of events) {
    if (e.type !== 'fault-start') continue;
    const end = events.find((x) => x.type === 'fault-end' && x.id === e.id);
    const { label, text } = describeFault(e.fault, e.members, e.note);
    bands.push({ id: e.id, kind: e.fault.kind, label, text, from: e.at, to: end?.at ?? endMs });
  }
  return bands;
}

/** A fault in words, with the member(s) it resolved to. */
export function describeFault(fault: Fault, members: number[], note?: string): { label: string; text: string } {
  const m = members.length > 0 ? `m${members[0]}` : '?';
  const who = 'node' in fault && typeof fault.node === 'string' ? ` (${fault.node})` : '';
  const noted = note === undefined ? '' : ` (${note})`;
  switch (fault.kind) {
    case 'partition':
      if (fault.shape === 'one-way') {
        return fault.direction === 'out'
          ? { label: `${m}${who} cannot send`, text: `partition, one way: ${m}${who}'s messages to its peers are cut; it still receives theirs${noted}` }
          : { label: `${m}${who} cannot receive`, text: `partition, one way: messages to ${m}${who} are cut; it still sends its own${noted}` };
      }
      if (fault.shape === 'bridge') return { label: `bridge ${m}${who}`, text: `partition: the other two members cannot reach each other; both still reach ${m}${who}${noted}` };
      return { label: `isolate ${m}${who}`, text: `partition: ${m}${who} cannot reach the other members, nor they it${noted}` };
    case 'kill':
      return { label: `kill ${m}${who}`, text: `kill: ${m}${who} killed (SIGKILL), restarted from its data when the band ends${noted}` };
    case 'pause':
      return { label: `pause ${m}${who}`, text: `pause: ${m}${who} stopped (SIGSTOP), continued (SIGCONT) when the band ends${noted}` };
    case 'slow-disk':
      return { label: `slow disk ${m}${who} ${fault.syncDelayMs} ms`, text: `slow disk: every sync write of ${m}${who} waits ${fault.syncDelayMs} ms first${noted}` };
    case 'latency':
      return { label: `latency ${fault.latencyMs} ms`, text: `latency: every peer link delays everything by ${fault.latencyMs} ms, both ways` };
    case 'drop':
      return { label: `drop ${(fault.rate * 100).toFixed(1)}%`, text: `drops: every peer link loses ${(fault.rate * 100).toFixed(1)}% of its chunks, each with its connection` };
  }
}

function roleSegments(events: NemesisEvent[], endMs: number): RoleSegment[] {
  const open = new Map<number, RoleSegment>();
  const segments: RoleSegment[] = [];
  const close = (member: number, at: number): void => {
    const segment = open.get(member);
    if (segment === undefined) return;
    segment.to = at;
    if (segment.to > segment.from) segments.push(segment);
    open.delete(member);
  };
  for (const e of events) {
    if (e.type === 'status') {
      const role = (['leader', 'follower', 'candidate', 'learner'] as const).find((r) => r === e.role) ?? 'candidate';
      const last = open.get(e.member);
      if (last !== undefined && last.role === role && last.term === e.term) continue;
      close(e.member, e.at);
      open.set(e.member, { member: e.member, role, term: e.term, from: e.at, to: endMs });
    } else if (e.type === 'unreachable') {
      close(e.member, e.at);
      open.set(e.member, { member: e.member, role: 'unreachable', term: 0, from: e.at, to: endMs });
    }
  }
  for (const member of [...open.keys()]) close(member, endMs);
  return segments.sort((a, b) => a.member - b.member || a.from - b.from);
}

function leadership(events: NemesisEvent[], endMs: number): { leaders: LeaderSegment[]; markers: Marker[] } {
  const views = new Map<number, { role: string; term: number } | null>();
  const leaders: LeaderSegment[] = [];
  const markers: Marker[] = [];
  let current: LeaderSegment | null = null;
  let maxTerm = 0;
  for (const e of events) {
    if (e.type === 'heal-all') markers.push({ at: e.at, kind: 'heal-all', label: 'every fault healed' });
    if (e.type === 'healthy') markers.push({ at: e.at, kind: 'healthy', label: `healthy: m${e.leader} leads in term ${e.term}, every member caught up` });
    if (e.type !== 'status' && e.type !== 'unreachable') continue;
    views.set(e.member, e.type === 'status' ? { role: e.role, term: e.term } : null);
    const answering = [...views].filter((entry): entry is [number, { role: string; term: number }] => entry[1] !== null);
    const term = Math.max(0, ...answering.map(([, view]) => view.term));
    // A leader of an older term has been deposed and has not heard yet: not the cluster's leader.
    const leader = answering.find(([, view]) => view.role === 'leader' && view.term === term)?.[0] ?? 0;
    if (term > maxTerm) {
      maxTerm = term;
      markers.push({ at: e.at, kind: 'term', label: `term ${term}` });
    }
    if (current !== null && current.leader === leader && current.term === term) continue;
    if (current !== null) {
      current.to = e.at;
      leaders.push(current);
    }
    current = { leader, term, from: e.at, to: endMs };
  }
  if (current !== null) leaders.push(current);
  return { leaders: leaders.filter((s) => s.to > s.from), markers };
}

/** One client's lane: its operations, and which thin track under it each indeterminate one takes. */
export interface Lane {
  client: number;
  ops: HistoryOp[];
  /** Indeterminate operations in call order; the i-th is drawn on track min(i, tracksMax - 1). */
  open: HistoryOp[];
}

/** Thin tracks under a lane for indeterminate operations; more share the last one. */
export const openTracksMax = 6;

export function lanesOf(ops: HistoryOp[], clients: number): Lane[] {
  const lanes: Lane[] = Array.from({ length: clients }, (_, client) => ({ client, ops: [], open: [] }));
  for (const op of ops) {
    const lane = lanes[op.process % clients];
    if (op.type === 'info') lane.open.push(op);
    else lane.ops.push(op);
  }
  for (const lane of lanes) {
    lane.ops.sort((a, b) => a.call - b.call);
    lane.open.sort((a, b) => a.call - b.call);
  }
  return lanes;
}
