// The history of a client workload (lab/nemesis/workload.ts), written in keel's JSON-lines
// history format (lab/lincheck/formats/keel-jsonl.ts, README "The JSON-lines history format"),
// so that `keel lab check history.jsonl` reads it as it is, with the keel model. One object per
// operation, written when the operation ends (so in order of return, not of call):
//
//   {"process":3,"type":"ok","call":1203.417,"return":1210.902,"op":"cas",
//    "input":{"key":"register","expected":"1-4","value":"3-7"},"output":{"succeeded":true},"member":2}
//   {"process":1,"type":"info","call":1250.1,"return":null,"op":"put",
//    "input":{"key":"register","value":"1-9"},"error":"UND_ERR_HEADERS_TIMEOUT","member":1}
//
// process  the logical client, an integer. An operation that ended `info` may still take effect
//          at any later time, so its client goes on as a new process (the old number plus the
//          number of clients), as in Jepsen: a process never has two operations open at once.
//          The client is `process % clients`.
// type     ok: took effect, answer known. fail: certainly did not take effect (a refusal before
//          anything was proposed, a proposal replaced by another leader; a read that got no
//          answer too, since a read has no effect to leave open): the checker leaves it out.
//          info: may or may not have taken effect (timeout, connection lost after sending,
//          leader unreachable from the follower that forwarded it).
// call     ms since the run's origin (performance.now() in the recording process), just before
//          the request was sent.
// return   ms since the origin when the answer arrived; null for `info` (open forever).
// op       get | put | delete | cas, the keel model's operations; the single-register workload
//          uses get, put and cas on one key.
// input    {key}; put: {key, value} (a string unique in the run); cas: {key, expected, value}:
//          set the key to `value` if it holds `expected` (null: if it does not exist).
// output   `ok` only. get: {value} (null: no such key); put: {}; delete: {deleted} (0 or 1);
//          cas: {succeeded}, and when it failed {current}, the value its failure branch read.
// error    fail and info only: the server's error code (KEEL_TIMEOUT, ...) or the client's
//          (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ...). The checker does not read it.
// member   the master the request was sent to (it may have forwarded it to the leader). The
//          checker does not read it.
//
// Reads are linearizable (the API's default consistency).
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { HistoryError } from '../lincheck/errors.ts';
import { keelModel, type KeelOutput } from '../lincheck/models/keel.ts';

export type OpName = 'get' | 'put' | 'delete' | 'cas';
export type Outcome = 'ok' | 'fail' | 'info';

export type OpInput =
  | { key: string }
  | { key: string; value: string }
  /** Set the key to `value` if it holds `expected` (null: if it does not exist). */
  | { key: string; expected: string | null; value: string };

export interface HistoryOp {
  process: number;
  type: Outcome;
  call: number;
  return: number | null;
  op: OpName;
  input: OpInput;
  /** For `ok` only. */
  output?: KeelOutput;
  /** For `fail` and `info` only. */
  error?: string;
  member: number;
}

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
  if (typeof op.type !== 'string' || !outcomes.has(op.type)) return `type ${JSON.stringify(op.type)} is unknown`;
  if (typeof op.call !== 'number' || op.call < 0) return 'call is not a time';
  if (!Number.isSafeInteger(op.member)) return 'member is not an id';
  if (op.type === 'info') {
    if (op.return !== null) return 'an info operation has a return time';
  } else if (typeof op.return !== 'number' || op.return < op.call) {
    return 'return is not a time at or after call';
  }
  if (op.type !== 'ok' && op.output !== undefined) return `a ${op.type} operation has an output`;
  if (op.type === 'ok' && op.error !== undefined) return 'an ok operation has an error code';
  if (op.type !== 'ok' && typeof op.error !== 'string') return `a ${op.type} operation has no error code`;
  return operationProblem(op);
}

/** The operation, its input and its output as the checker's keel model reads them. */
function operationProblem(op: Record<string, unknown>): string | null {
  if (typeof op.op !== 'string') return 'op is not a string';
  try {
    const decoded = keelModel.decode(op.op, op.input, op.type === 'ok' ? op.output : undefined);
    if (decoded.input.op === 'cas' && decoded.input.value === null) return 'a cas of the workload sets a value';
    return null;
  } catch (error) {
    if (error instanceof HistoryError) return error.message;
    throw error;
  }
}

/** Every operation of a history file; throws on the first malformed line, naming it. */
export function readHistory(file: string): HistoryOp[] {
  return parseHistory(readFileSync(file, 'utf8'), file);
}

/** Every operation of a history's text; throws on the first malformed line, naming it (`where`:line). */
export function parseHistory(text: string, where = 'history'): HistoryOp[] {
  const lines = text.split('\n').filter((line) => line !== '');
  return lines.map((line, i) => {
    const op = JSON.parse(line) as unknown;
    const problem = historyLineProblem(op);
    if (problem !== null) throw new Error(`${where}:${i + 1}: ${problem}: ${line}`);
    return op as HistoryOp;
  });
}

/** The logical client of an operation, given the run's number of clients (see `process`). */
export function clientOf(op: HistoryOp, clients: number): number {
  return op.process % clients;
}
