// The history of a client workload (lab/nemesis/workload.ts): JSON lines, one object per
// operation, written when the operation ends (so in order of return, not of call):
//
//   {"process":3,"call":1203.417,"return":1210.902,"op":"cas","key":"r",
//    "input":{"from":"1-4","to":"3-7"},"output":true,"outcome":"ok","member":2}
//
// process  the logical client, an integer. An operation that ended `info` may still take effect
//          at any later time, so its client goes on as a new process (the old number plus the
//          number of clients), as in Jepsen: a process never has two operations open at once.
// call     ms since the run's origin (performance.now() in the recording process), just before
//          the request was sent.
// return   ms since the origin when the answer arrived; null for `info` (open forever).
// op       read | write | cas on the single register; get | put | delete | cas on the multi-key
//          workload.
// key      the key operated on.
// input    read, get, delete: null. write, put: the value written (a string, unique in the run).
//          cas: {"from": value or null, "to": value}: swap to `to` if the key holds `from`
//          (from null: if the key does not exist).
// output   for `ok` only (null otherwise). read, get: the value, null when there is no key.
//          write, put: null. delete: keys deleted (0 or 1). cas: true when it swapped, false
//          when the comparison failed (still `ok`: it saw another value and changed nothing).
// outcome  ok: took effect, answer known. fail: certainly did not take effect (a refusal
//          before anything was proposed, a proposal replaced by another leader; a read that got
//          no answer too, since a read has no effect to leave open). info: may or may not have
//          taken effect (timeout, connection lost after sending, leader unreachable from the
//          follower that forwarded it).
// error    fail and info only: the server's error code (KEEL_TIMEOUT, ...) or the client's
//          (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ...).
// member   the master the request was sent to (it may have forwarded it to the leader).
//
// Reads are linearizable (the API's default consistency).
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

export type OpName = 'read' | 'write' | 'cas' | 'get' | 'put' | 'delete';
export type Outcome = 'ok' | 'fail' | 'info';

export interface CasInput {
  from: string | null;
  to: string;
}

export interface HistoryOp {
  process: number;
  call: number;
  return: number | null;
  op: OpName;
  key: string;
  input: string | CasInput | null;
  output: string | number | boolean | null;
  outcome: Outcome;
  error?: string;
  member: number;
}

const opNames: ReadonlySet<string> = new Set<OpName>(['read', 'write', 'cas', 'get', 'put', 'delete']);
const outcomes: ReadonlySet<string> = new Set<Outcome>(['ok', 'fail', 'info']);

/** Appends operations to a history file; times are ms since `originMs` (a performance.now() value). */
export class HistoryWriter {
  readonly file: string;
  readonly originMs: number;

  constructor(file: string, originMs = performance.now()) {
    this.file = file;
    this.originMs = originMs;
    writeFileSync(file, '');
  }

  /** ms since the origin, to the microsecond. */
  now(): number {
    return Math.round((performance.now() - this.originMs) * 1000) / 1000;
  }

  append(op: HistoryOp): void {
    // One synchronous append per operation: a run that dies keeps every line written so far.
    appendFileSync(this.file, `${JSON.stringify(op)}\n`);
  }
}

/** What is wrong with one parsed history line, or null when it is well-formed. */
export function historyLineProblem(line: unknown): string | null {
  if (typeof line !== 'object' || line === null) return 'not an object';
  const op = line as Record<string, unknown>;
  if (!Number.isSafeInteger(op.process) || (op.process as number) < 0) return 'process is not a non-negative integer';
  if (typeof op.call !== 'number' || op.call < 0) return 'call is not a time';
  if (typeof op.op !== 'string' || !opNames.has(op.op)) return `op ${JSON.stringify(op.op)} is unknown`;
  if (typeof op.key !== 'string') return 'key is not a string';
  if (typeof op.outcome !== 'string' || !outcomes.has(op.outcome)) return `outcome ${JSON.stringify(op.outcome)} is unknown`;
  if (!Number.isSafeInteger(op.member)) return 'member is not an id';
  if (op.outcome === 'info') {
    if (op.return !== null) return 'an info operation has a return time';
  } else if (typeof op.return !== 'number' || op.return < op.call) {
    return 'return is not a time at or after call';
  }
  if (op.outcome !== 'ok' && op.output !== null) return `a ${op.outcome} operation has an output`;
  if (op.outcome !== 'ok' && typeof op.error !== 'string') return `a ${op.outcome} operation has no error code`;
  return inputProblem(op);
}

function inputProblem(op: Record<string, unknown>): string | null {
  switch (op.op) {
    case 'read':
    case 'get':
    case 'delete':
      return op.input === null ? null : `${op.op} has an input`;
    case 'write':
    case 'put':
      return typeof op.input === 'string' ? null : `${op.op} input is not a string`;
    default: {
      const input = op.input as CasInput | null;
      const ok = typeof input === 'object' && input !== null && typeof input.to === 'string' && (input.from === null || typeof input.from === 'string');
      return ok ? null : 'cas input is not {from, to}';
    }
  }
}

/** Every operation of a history file; throws on the first malformed line, naming it. */
export function readHistory(file: string): HistoryOp[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  return lines.map((text, i) => {
    const line = JSON.parse(text) as unknown;
    const problem = historyLineProblem(line);
    if (problem !== null) throw new Error(`${file}:${i + 1}: ${problem}: ${text}`);
    return line as HistoryOp;
  });
}
