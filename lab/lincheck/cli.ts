// `keel lab check FILE`: reads a history, checks it for linearizability, prints the verdict,
// the partitions and, for a violation, where the search got stuck.
import { readFileSync } from 'node:fs';
import { check, type CheckResult, type PartitionReport } from './check.ts';
import { HistoryError } from './errors.ts';
import { formatNames, loadHistory, models, type FormatName, type LoadedHistory } from './formats/index.ts';
import { isIndeterminate, type Operation } from './history.ts';
import type { AnyModel } from './model.ts';

const exitNotLinearizable = 1;
/** Unknown verdict, unreadable history, bad usage: anything that is not an answer. */
const exitNoAnswer = 2;
const timeoutSecondsDefault = 60;
/** Bound on --timeout: a day. */
const timeoutSecondsMax = 86_400;

export const checkHelp = `usage: keel lab check FILE [options]

Checks whether a history of operations is linearizable: whether each operation can be given
one instant between its call and its return so that, taken in that order, every operation
returns what the model says. An operation whose outcome is unknown (a timeout, a crash) may
take effect at any time after its call, or never. A model with keys is checked one key at a
time; the check stops at the first key that is not linearizable.

Prints the format, the model, one line per key (operations, indeterminate ones, verdict) and
the verdict; for a violation, the key, the operation that cannot be placed and the length of
the longest linearizable prefix found.

options:
  --format F    jepsen (Jepsen's etcd register logs), porcupine-kv (Porcupine's kv logs) or
                keel (keel's JSON lines, one operation per line; see README.md "keel lab
                check"); default: detected from the first line
  --model M     register (read, write, cas), kv (get, put, append per key) or keel (get, put,
                delete, cas per key); default: the format's own (register for jepsen, kv for
                porcupine-kv, keel for keel). Only a keel history can name another.
  --timeout S   give up after S seconds; the verdict is then unknown (default ${timeoutSecondsDefault})
  --help, -h    show this help

exit code: 0 linearizable, 1 not linearizable, 2 unknown (time limit), a history that
cannot be read, or bad usage.

examples:
  npx keel lab check ../shared/linearizability-corpus/jepsen/etcd_002.log
  npx keel lab check ../shared/linearizability-corpus/kv/c10-bad.txt --timeout 10
  npx keel lab check history.jsonl --model keel`;

interface Flags {
  file: string | null;
  format: FormatName | undefined;
  model: string | undefined;
  timeoutSeconds: number;
  help: boolean;
}

class UsageError extends Error {}

export async function runCheckCommand(argv: string[]): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`keel lab check: ${error.message}\nRun \`keel lab check --help\` for the options.`);
    return exitNoAnswer;
  }
  if (flags.help) {
    console.log(checkHelp);
    return 0;
  }
  const loaded = load(flags);
  if (loaded === null) return exitNoAnswer;
  let result: CheckResult<unknown, unknown>;
  try {
    result = check(loaded.model, loaded.history, { timeoutMs: flags.timeoutSeconds * 1000 });
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    console.error(`keel lab check: ${flags.file}: ${error.message}`);
    return exitNoAnswer;
  }
  printResult(flags, loaded, result);
  if (result.verdict === 'linearizable') return 0;
  return result.verdict === 'not-linearizable' ? exitNotLinearizable : exitNoAnswer;
}

function load(flags: Flags): LoadedHistory | null {
  let text: string;
  try {
    text = readFileSync(flags.file!, 'utf8');
  } catch (error) {
    console.error(`keel lab check: cannot read ${flags.file}: ${(error as Error).message}`);
    return null;
  }
  try {
    return loadHistory(text, { format: flags.format, model: flags.model });
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    console.error(`keel lab check: ${flags.file}: ${error.message}`);
    return null;
  }
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { file: null, format: undefined, model: undefined, timeoutSeconds: timeoutSecondsDefault, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = splitFlag(argv[i]);
    if ((name === '--help' || name === '-h') && inline === undefined) {
      flags.help = true;
      continue;
    }
    if (!name.startsWith('-')) {
      if (flags.file !== null) throw new UsageError(`one history at a time, got ${flags.file} and ${name}`);
      flags.file = name;
      continue;
    }
    if (name !== '--format' && name !== '--model' && name !== '--timeout') throw new UsageError(`unknown option: ${argv[i]}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    setValue(flags, name, value);
  }
  if (flags.file === null && !flags.help) throw new UsageError('which history? (keel lab check FILE)');
  return flags;
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function setValue(flags: Flags, name: string, value: string): void {
  if (name === '--format') {
    if (!(formatNames as readonly string[]).includes(value)) throw new UsageError(`--format must be one of ${formatNames.join(', ')}, got ${JSON.stringify(value)}`);
    flags.format = value as FormatName;
  } else if (name === '--model') {
    if (!Object.hasOwn(models, value)) throw new UsageError(`--model must be one of ${Object.keys(models).join(', ')}, got ${JSON.stringify(value)}`);
    flags.model = value;
  } else {
    const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
    if (!(seconds >= 0 && seconds <= timeoutSecondsMax)) throw new UsageError(`--timeout must be a number of seconds in 0..${timeoutSecondsMax}, got ${JSON.stringify(value)}`);
    flags.timeoutSeconds = seconds;
  }
}

function printResult(flags: Flags, loaded: LoadedHistory, result: CheckResult<unknown, unknown>): void {
  const { history, model } = loaded;
  const indeterminate = history.filter(isIndeterminate).length;
  console.log(`history: ${flags.file}`);
  console.log(`format: ${loaded.format}, model: ${model.name}, operations: ${history.length} (${indeterminate} indeterminate; ${loaded.dropped} failed, left out)`);
  console.log(`partitions: ${result.partitions.length}`);
  if (result.partitions.length > 0) printPartitions(result.partitions);
  console.log(`search: ${result.steps} steps in ${result.elapsedMs.toFixed(1)} ms`);
  console.log(`verdict: ${result.verdict}${verdictNote(result, flags)}`);
  const violation = result.violation;
  if (violation === null) return;
  const total = result.partitions.find((p) => p.key === violation.key)?.operations ?? 0;
  console.log(`violation: key ${showKey(violation.key)}`);
  console.log(`  cannot place: ${describe(model, violation.culprit)}`);
  console.log(`  longest linearizable prefix: ${violation.prefix.length} of ${total} operations, leaving the state at ${violation.state}`);
}

function printPartitions(partitions: PartitionReport[]): void {
  const keys = partitions.map((p) => showKey(p.key));
  const width = Math.max(3, ...keys.map((k) => k.length));
  console.log(`  ${'key'.padEnd(width)}  ${'operations'.padStart(10)}  ${'indeterminate'.padStart(13)}  verdict`);
  partitions.forEach((p, i) => {
    // A partition without a verdict was stopped: by the time limit, or by a violation elsewhere.
    const verdict = p.verdict === 'unknown' ? 'unfinished' : p.verdict;
    console.log(`  ${keys[i].padEnd(width)}  ${String(p.operations).padStart(10)}  ${String(p.indeterminate).padStart(13)}  ${verdict}`);
  });
}

function verdictNote(result: CheckResult<unknown, unknown>, flags: Flags): string {
  if (result.reason === 'timeout') return ` (the time limit of ${flags.timeoutSeconds} s ran out; --timeout S gives the search more)`;
  if (result.reason === 'memory') return ' (the search ran out of memory)';
  if (result.reason !== null) return ` (${result.reason})`;
  return '';
}

/** The key of a model without keys is '', shown as `-`. */
function showKey(key: string): string {
  return key === '' ? '-' : JSON.stringify(key);
}

function describe(model: AnyModel, op: Operation<unknown, unknown>): string {
  const where = op.line > 0 ? `line ${op.line}, ` : '';
  const returned = isIndeterminate(op) ? 'never returned' : `returned at ${op.return}`;
  return `${where}process ${op.process}: ${model.describeOperation(op.input, op.output)} (called at ${op.call}, ${returned})`;
}
