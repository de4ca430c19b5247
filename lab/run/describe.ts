// Operations and violations in words, for the report and the terminal.
import { check } from '../lincheck/check.ts';
import type { Operation } from '../lincheck/history.ts';
import { keelModel, type KeelInput, type KeelOutput } from '../lincheck/models/keel.ts';
import type { HistoryOp } from '../nemesis/history.ts';

/** The small check behind a stale-read explanation gives up after this long, ms. */
const staleCheckMs = 2_000;

/** A value as the report prints it: quoted, or "nothing" for a key that does not exist. */
export function showValue(value: string | null | undefined): string {
  return value === null || value === undefined ? 'nothing' : JSON.stringify(value);
}

/** "put "k" = "3-7"", "get "k" → "3-7"", "cas "k" "1-2"→"3-7" ✓": the operation and, for ok, its result. */
export function describeOp(op: HistoryOp): string {
  const key = JSON.stringify(op.input.key);
  const out = op.output;
  switch (op.op) {
    case 'get':
      return `get ${key}${op.type === 'ok' ? ` → ${showValue(out?.value)}` : ''}`;
    case 'put':
      return `put ${key} = ${showValue((op.input as { value: string }).value)}`;
    case 'delete':
      return `delete ${key}${out?.deleted !== undefined ? ` (deleted ${out.deleted})` : ''}`;
    case 'cas': {
      const { expected, value } = op.input as { expected: string | null; value: string };
      const verdict = op.type !== 'ok' ? '' : out?.succeeded ? ' ✓ swapped' : ` ✗ not swapped${out?.current !== undefined ? `, held ${showValue(out.current)}` : ''}`;
      return `cas ${key} ${showValue(expected)}→${showValue(value)}${verdict}`;
    }
  }
}

/** What the outcome means, in words. */
export function describeOutcome(op: HistoryOp): string {
  if (op.type === 'ok') return 'ok';
  if (op.type === 'fail') return `failed (${op.error}): certainly did not take effect`;
  return `no answer (${op.error}): may or may not have taken effect`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

/** The tooltip of an operation: who, what, when. */
export function opTip(op: HistoryOp, clients: number): string {
  const when = op.return === null ? `called at ${seconds(op.call)}, never answered` : `called at ${seconds(op.call)}, answered at ${seconds(op.return)} (${(op.return - op.call).toFixed(1)} ms)`;
  return `client ${op.process % clients} (process ${op.process}) → m${op.member}\n${describeOp(op)}\n${describeOutcome(op)}\n${when}`;
}

/** The value an operation leaves the key holding when it takes effect, or undefined when it changes nothing. */
function written(op: HistoryOp): string | null | undefined {
  if (op.op === 'put') return (op.input as { value: string }).value;
  if (op.op === 'cas' && (op.type !== 'ok' || op.output?.succeeded === true)) return (op.input as { value: string }).value;
  if (op.op === 'delete' && (op.type !== 'ok' || op.output?.deleted === 1)) return null;
  return undefined;
}

/**
 * Why the culprit of a violation cannot be placed, in a sentence, when it is a read with an
 * evident cause: a value nobody wrote, or one already overwritten before the read began (a
 * stale read). Otherwise the general statement.
 */
export function explainViolation(ops: HistoryOp[], culprit: HistoryOp, clients: number): string {
  const general = `No order of the operations on this key, each put at one instant between its call and its answer, gives every operation the answer it got; this is the first one that cannot be placed after the longest order found.`;
  if (culprit.op !== 'get' || culprit.type !== 'ok') return general;
  const key = culprit.input.key;
  const value = culprit.output?.value ?? null;
  const onKey = ops.filter((op) => op.input.key === key && op.type !== 'fail' && op !== culprit);
  const writers = onKey.filter((op) => written(op) === value);
  if (value !== null && writers.length === 0) return `Nobody wrote ${showValue(value)} to ${JSON.stringify(key)}, yet this read returned it.`;
  const writer = writers.sort((a, b) => a.call - b.call)[0];
  if (writer !== undefined && writer.call > culprit.return!) {
    return `This read returned ${showValue(value)} at ${seconds(culprit.return!)}, but the write of ${showValue(value)} was only called at ${seconds(writer.call)}: a read cannot see the future.`;
  }
  // Overwritten: a write of another value that began after every write of this value had answered, and answered before the read began.
  const writtenBy = value === null ? null : Math.max(...writers.map((op) => op.return ?? Infinity));
  const over = onKey
    .filter((op) => op.type === 'ok' && written(op) !== undefined && written(op) !== value && op.return! < culprit.call && (writtenBy === null || op.call > writtenBy))
    .sort((a, b) => a.return! - b.return!)[0];
  if (over === undefined) return staleByCheck(onKey, culprit, value, clients) ?? general;
  const before = writer === undefined ? `${JSON.stringify(key)} did not exist at first` : `${showValue(value)} was written by client ${writer.process % clients} (${describeOp(writer)}, answered at ${seconds(writer.return ?? Infinity)})`;
  return `A stale read: ${before}; then ${describeOp(over)} by client ${over.process % clients} answered at ${seconds(over.return!)}, before this read was called at ${seconds(culprit.call)}, and yet the read returned ${showValue(value)}.`;
}

/**
 * A stale read shown by the operations called before it alone: those that answered before the
 * read was called as they were, those still open then as unanswered, and the read itself at the
 * instant it was called. When no order of these ends with the key holding the value read, the
 * read is stale whatever came later. Null when that is not so (or not decided quickly).
 */
function staleByCheck(onKey: HistoryOp[], culprit: HistoryOp, value: string | null, clients: number): string | null {
  const earlier = onKey.filter((op) => op.call < culprit.call);
  const history: Operation<KeelInput, KeelOutput>[] = earlier.map((op, i) => {
    const answered = op.return !== null && op.return < culprit.call;
    const decoded = keelModel.decode(op.op, op.input, answered ? op.output : undefined);
    return { process: i, call: op.call, return: answered ? op.return! : Infinity, input: decoded.input, output: decoded.output, line: 0 };
  });
  history.push({ process: -1, call: culprit.call, return: culprit.call, input: { op: 'get', key: culprit.input.key }, output: { value }, line: 0 });
  if (check(keelModel, history, { timeoutMs: staleCheckMs }).verdict !== 'not-linearizable') return null;
  const last = earlier
    .filter((op) => op.type === 'ok' && op.return! < culprit.call)
    .sort((a, b) => b.return! - a.return!)
    .slice(0, 4)
    .map((op) => `${describeOp(op)} (client ${op.process % clients}, answered at ${seconds(op.return!)})`);
  return `A stale read: by the time it was called at ${seconds(culprit.call)}, the operations on ${JSON.stringify(culprit.input.key)} that had already answered leave no way for the key to still hold ${showValue(value)}: no order of them ends with it. The last of them to answer: ${last.join('; ')}.`;
}
