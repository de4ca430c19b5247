// The end of a run with kv clients: their history, checked for linearizability with
// lab/lincheck's keel model (one partition per key). Operations that certainly failed are left
// out; indeterminate writes may take effect at any time after their call; an indeterminate
// read changes nothing and is left out too. Times are the order of the clients' calls and
// answers in the run, finer than its virtual ms.

import {
  check, keelModel, type History, type KeelInput, type KeelOutput, type Operation, type UnknownReason, type Verdict,
} from '../lincheck/index.ts';
import type { ClientOp } from './kv-clients.ts';
import { formatTime } from './trace.ts';

export interface ClientsReport {
  clients: number;
  ops: number;
  ok: number;
  failed: number;
  indeterminate: number;
  /** Operations handed to the checker. */
  checked: number;
  verdict: Verdict;
  /** Why the verdict is `unknown`. */
  unknownReason: UnknownReason | null;
  /** For a non-linearizable history: the key and the operation no order can place. */
  violation: string | null;
  /** Wall-clock time the check took, ms: machine-dependent, so it is never in the trace. */
  checkMs: number;
}

/** The history the checker sees, and for each of its operations the client operation it stands for. */
export function clientHistory(ops: ClientOp[]): { history: History<KeelInput, KeelOutput>; source: Map<Operation<KeelInput, KeelOutput>, ClientOp> } {
  const history: History<KeelInput, KeelOutput> = [];
  const source = new Map<Operation<KeelInput, KeelOutput>, ClientOp>();
  for (const op of ops) {
    const outcome = op.outcome;
    if (outcome === null || outcome.kind === 'fail') continue;
    if (outcome.kind === 'indeterminate' && op.request.input.op === 'get') continue;
    const output = outcome.kind === 'ok' ? outcome.output : undefined;
    const operation: Operation<KeelInput, KeelOutput> = { process: op.client, call: op.callAt, return: op.returnAt, input: op.request.input, output, line: 0 };
    history.push(operation);
    source.set(operation, op);
  }
  return { history, source };
}

export function checkClients(clients: number, ops: ClientOp[], timeoutMs: number): ClientsReport {
  const { history, source } = clientHistory(ops);
  const result = check(keelModel, history, { timeoutMs });
  let violation: string | null = null;
  if (result.violation !== null) {
    const { key, culprit, prefix, state } = result.violation;
    const op = source.get(culprit);
    const what = keelModel.describeOperation(culprit.input, culprit.output);
    const when = op === undefined ? '?' : `${formatTime(op.callMs)}..${op.returnMs === Infinity ? '?' : formatTime(op.returnMs)}`;
    violation =
      `linearizability: key ${JSON.stringify(key)}: ${op?.request.id ?? '?'} at n${op?.member ?? 0} (${when}) ${what} ` +
      `fits no linearization (the longest linearizable prefix has ${prefix.length} operations and leaves ${state})`;
  }
  const count = (kind: string): number => ops.filter((op) => op.outcome?.kind === kind).length;
  return {
    clients,
    ops: ops.length,
    ok: count('ok'),
    failed: count('fail'),
    indeterminate: count('indeterminate'),
    checked: history.length,
    verdict: result.verdict,
    unknownReason: result.reason,
    violation,
    checkMs: result.elapsedMs,
  };
}

/** The one-line account a run prints. */
export function clientsLine(report: ClientsReport): string {
  const verdict = report.verdict === 'unknown' ? `unknown (${report.unknownReason ?? '?'})` : report.verdict;
  return (
    `clients: clients=${report.clients} ops=${report.ops} ok=${report.ok} failed=${report.failed} ` +
    `indeterminate=${report.indeterminate} checked=${report.checked} linearizability=${verdict}`
  );
}
