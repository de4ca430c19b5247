// Jepsen's logs of one etcd register (the corpus's jepsen/*.log), one event per line:
//
//   INFO  jepsen.util - 3	:invoke	:cas	[1 4]
//   INFO  jepsen.util - 3	:fail	:cas	[1 4]
//
// The line number is the clock. `:fail :cas` is a compare that did not hold: an observation
// that the register was not F, kept as a failed cas. Any other `:fail` (a read that timed out,
// a write refused) changed nothing and observed nothing, so it is left out. `:info` is
// indeterminate: return at +infinity, output unknown.
import { HistoryError } from '../errors.ts';
import type { History } from '../history.ts';
import type { RegisterInput, RegisterOutput, RegisterValue } from '../models/register.ts';
import { Pairing } from './pairing.ts';

const lineRe = /^INFO[ \t]+jepsen\.util[ \t]+-[ \t]+(\d+)[ \t]+:(invoke|ok|fail|info)[ \t]+:(read|write|cas)[ \t]+(.*?)[ \t]*$/;
const casRe = /^\[[ \t]*(-?\d+)[ \t]+(-?\d+)[ \t]*\]$/;

export interface ParsedHistory<I, O> {
  history: History<I, O>;
  /** Completions left out: operations that did not happen or observed nothing. */
  dropped: number;
}

export function parseJepsen(text: string): ParsedHistory<RegisterInput, RegisterOutput> {
  const pairing = new Pairing<RegisterInput, RegisterOutput>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    if (lines[i].trim() === '') continue;
    const m = lineRe.exec(lines[i]);
    if (m === null) throw new HistoryError(`not a Jepsen register event: ${JSON.stringify(lines[i].slice(0, 80))}`, line);
    const [, process, type, f, value] = m;
    if (type === 'invoke') pairing.invoke(process, f, inputOf(f, value, line), line, line);
    else pairing.complete(process, f, line, line, outcomeOf(type, f, value, line));
  }
  const history = pairing.finish();
  return { history, dropped: pairing.dropped };
}

function inputOf(f: string, value: string, line: number): RegisterInput {
  if (f === 'read') return { op: 'read' };
  if (f === 'write') return { op: 'write', value: integerOf(value, line) };
  const [from, to] = pairOf(value, line);
  return { op: 'cas', from, to };
}

function outcomeOf(type: string, f: string, value: string, line: number): { output: RegisterOutput } | 'info' | 'drop' {
  if (type === 'info') return 'info';
  if (type === 'fail') return f === 'cas' ? { output: { ok: false } } : 'drop';
  if (f === 'read') return { output: { value: value === 'nil' ? null : integerOf(value, line) } };
  if (f === 'cas') return { output: { ok: true } };
  return { output: {} };
}

function integerOf(value: string, line: number): RegisterValue {
  if (!/^-?\d+$/.test(value)) throw new HistoryError(`expected an integer, got ${JSON.stringify(value)}`, line);
  return Number(value);
}

function pairOf(value: string, line: number): [RegisterValue, RegisterValue] {
  const m = casRe.exec(value);
  if (m === null) throw new HistoryError(`expected a cas pair [from to], got ${JSON.stringify(value)}`, line);
  return [Number(m[1]), Number(m[2])];
}
