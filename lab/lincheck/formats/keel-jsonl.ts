// keel's own history format: JSON lines, one operation per line, in any order (the times say
// when things happened, not the line order):
//
//   {"process":1,"type":"ok","call":1041,"return":1187,"op":"put","input":{"key":"a","value":"1"},"output":{"prevValue":null}}
//   {"process":2,"type":"ok","call":1050,"return":1102,"op":"get","input":{"key":"a"},"output":{"value":null}}
//   {"process":3,"type":"info","call":1060,"return":null,"op":"cas","input":{"key":"a","expected":"1","value":"2"}}
//
// - process: who ran it, a number or a string; one operation at a time per process.
// - call, return: when the client sent it and got the answer, on one clock for the whole
//   history (any unit: ms, ns, a counter). Equal times count as concurrent.
// - type: "ok" it completed and `output` is what it returned; "fail" it certainly did not take
//   effect (keel's KEEL_PROPOSAL_DROPPED, a refused request), so it is left out; "info" nobody
//   knows (a timeout, a crash): `return` is null, `output` absent, and it may take effect at any
//   time after its call or never.
// - op, input, output: the operation and its arguments and result, as the model reads them
//   (Model.decode): `get`, `put`, `delete`, `cas` for the keel model, `read`, `write`, `cas` for
//   the register, `get`, `put`, `append` for kv. A compare-and-swap whose compare failed is
//   "ok" with `"output":{"succeeded":false}`: it happened, and saw a different value.
import { HistoryError } from '../errors.ts';
import type { History, Operation } from '../history.ts';
import type { Model, ModelState } from '../model.ts';
import type { ParsedHistory } from './jepsen.ts';

export function parseKeelJsonl<I, O>(text: string, model: Model<I, O, ModelState>): ParsedHistory<I, O> {
  const history: History<I, O> = [];
  let dropped = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    try {
      const op = operationOf(lines[i], model, i + 1);
      if (op === null) dropped++;
      else history.push(op);
    } catch (error) {
      if (error instanceof HistoryError && error.line === null) throw new HistoryError(error.message, i + 1);
      throw error;
    }
  }
  return { history, dropped };
}

function operationOf<I, O>(text: string, model: Model<I, O, ModelState>, line: number): Operation<I, O> | null {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(text);
  } catch {
    throw new HistoryError(`not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new HistoryError('a history line must be a JSON object');
  const { process, type, call, op } = record;
  if (typeof process !== 'number' && typeof process !== 'string') throw new HistoryError('process must be a number or a string');
  if (type !== 'ok' && type !== 'fail' && type !== 'info') throw new HistoryError(`type must be "ok", "fail" or "info", got ${JSON.stringify(type)}`);
  if (typeof call !== 'number' || !Number.isFinite(call)) throw new HistoryError('call must be a number');
  if (typeof op !== 'string') throw new HistoryError('op must be a string');
  const ret = returnOf(record.return, type);
  // An answer without its output would silently pass as "unknown": a recorder bug, not a history.
  if (type === 'ok' && (typeof record.output !== 'object' || record.output === null)) throw new HistoryError('output must be a JSON object for an "ok" operation');
  const decoded = model.decode(op, record.input, type === 'ok' ? record.output : undefined);
  if (type === 'fail') return null;
  return { process, call, return: ret, input: decoded.input, output: decoded.output, line };
}

function returnOf(value: unknown, type: string): number {
  if (type === 'info') {
    // Whenever the client gave up, the operation may still take effect later.
    if (value !== null && value !== undefined && typeof value !== 'number') throw new HistoryError('return must be a number or null');
    return Infinity;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new HistoryError(`return must be a number for a "${type}" operation (null only for "info")`);
  return value;
}

/**
 * A history as keel JSON lines, one operation per line in call order. Every input must carry
 * its operation's name in `op`, as the three models' inputs do.
 */
export function formatKeelJsonl(history: History<{ op: string }, unknown>): string {
  const sorted = [...history].sort((a, b) => a.call - b.call);
  return sorted
    .map((operation) => {
      const { op, ...input } = operation.input;
      const indeterminate = operation.return === Infinity;
      return JSON.stringify({
        process: operation.process,
        type: indeterminate ? 'info' : 'ok',
        call: operation.call,
        return: indeterminate ? null : operation.return,
        op,
        input,
        ...(indeterminate ? {} : { output: operation.output }),
      });
    })
    .map((line) => `${line}\n`)
    .join('');
}
