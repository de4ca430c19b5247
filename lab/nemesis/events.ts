// The events of a nemesis run (lab/nemesis/schedule.ts), JSON lines, for the report that lines
// them up with the history: the same origin, so `at` here and `call`/`return` there are on one
// clock (ms since the run's origin, performance.now() of the recording process).
//
//   {"type":"run","at":0,"seed":7,"kinds":["partition","kill"],"durationMs":10000,"schedule":[...]}
//   {"type":"fault-start","at":1520.3,"id":0,"fault":{"kind":"kill","node":"leader"},"members":[2]}
//   {"type":"fault-end","at":3520.9,"id":0,"fault":{...},"members":[2]}
//   {"type":"status","at":1610.2,"member":1,"role":"candidate","leader":0,"term":3}
//   {"type":"unreachable","at":1530.0,"member":2}
//   {"type":"heal-all","at":9800.1}
//   {"type":"healthy","at":10420.5,"leader":3,"term":4,"appliedIndex":412}
//
// fault-start's `members` are what the fault's targets resolved to ('leader' is the leader the
// runner saw then), with a `note` when a target could not be resolved as asked. A `status`
// line is written whenever a member's role, leader or term differs from its last poll; an
// `unreachable` one when a member that answered stops answering (paused, killed, restarting).
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import type { Fault, FaultKind, ScheduledFault } from './faults.ts';

export type NemesisEvent =
  | { type: 'run'; at: number; seed: number; kinds: FaultKind[]; durationMs: number; schedule: ScheduledFault[] }
  | { type: 'fault-start'; at: number; id: number; fault: Fault; members: number[]; note?: string }
  | { type: 'fault-end'; at: number; id: number; fault: Fault; members: number[] }
  | { type: 'status'; at: number; member: number; role: string; leader: number; term: number }
  | { type: 'unreachable'; at: number; member: number }
  | { type: 'heal-all'; at: number }
  | { type: 'healthy'; at: number; leader: number; term: number; appliedIndex: number };

/** An event without its time: EventLog.append stamps it. */
export type EventBody = NemesisEvent extends infer E ? (E extends NemesisEvent ? Omit<E, 'at'> : never) : never;

export class EventLog {
  readonly file: string;
  readonly originMs: number;
  readonly #onEvent: ((event: NemesisEvent) => void) | undefined;

  /** `onEvent` is told of every event as it is written (a progress line follows the run with it). */
  constructor(file: string, originMs = performance.now(), onEvent?: (event: NemesisEvent) => void) {
    this.file = file;
    this.originMs = originMs;
    this.#onEvent = onEvent;
    writeFileSync(file, '');
  }

  /** ms since the origin, to the microsecond. */
  now(): number {
    return Math.round((performance.now() - this.originMs) * 1000) / 1000;
  }

  append(event: EventBody): void {
    const { type, ...fields } = event;
    const stamped = { type, at: this.now(), ...fields } as NemesisEvent;
    appendFileSync(this.file, `${JSON.stringify(stamped)}\n`);
    this.#onEvent?.(stamped);
  }
}

export function readEvents(file: string): NemesisEvent[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as NemesisEvent);
}
