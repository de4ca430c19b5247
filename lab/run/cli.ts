// `keel lab run`: a seeded nemesis run against three real masters, its history checked for
// linearizability, everything written to one directory with an HTML report.
import { resolve } from 'node:path';
import { faultKinds, type FaultKind } from '../nemesis/faults.ts';
import type { WorkloadKind } from '../nemesis/workload.ts';
import { LabRun, checkTimeoutMsDefault, type LabProgress, type LabRunResult } from './run.ts';

const exitNotLinearizable = 1;
/** Unknown verdict, a run that went wrong, bad usage. */
const exitNoAnswer = 2;
/** Bounds of the options. */
const durationMsMin = 1_000;
const durationMsMax = 3_600_000;
const clientsMax = 100;
const seedMax = 0xffff_ffff;
const checkTimeoutSecondsMax = 86_400;

export const runHelp = `usage: keel lab run [options]

Starts three masters on 127.0.0.1 with a fault-injecting proxy on every peer link, runs a
client workload against them while a fault schedule drawn from the seed partitions, kills
and pauses them, heals everything and waits until the cluster has caught up, then checks the
clients' history for linearizability (lab/lincheck). Prints a progress line while it runs
and a one-line verdict at the end, and writes to the output directory:

  history.jsonl   every operation: client, call and answer times, result (keel's history
                  format: \`keel lab check history.jsonl\` checks it again)
  events.jsonl    every fault's start and end, and every role, leader and term change seen
  m1.log..m3.log  the masters' logs
  report.html     the timeline of faults, leaders and every client's operations, the
                  verdict, the command that replays the run, and for a violation the
                  operation that cannot be placed with its key's operations around it

options:
  --nemesis K,K     fault kinds to draw from: ${faultKinds.join(', ')}
                    (default partition,kill,pause); one fault at a time, 1-3 s each
  --duration D      how long the faults go on: 30s, 2m, 1500ms (default 30s); the clients
                    go on until the healed cluster has caught up
  --clients N       concurrent clients, each sending one operation at a time to one master
                    (default 10)
  --workload W      register (one key: get, put, compare-and-swap) or multi-key (5 keys:
                    get, put, compare-and-swap, delete) (default register)
  --seed N          the seed of the fault schedule and the workload's choices, 0..${seedMax}
                    (default: drawn at random, and printed)
  --out DIR         where the files go (default ./.keel/lab/<time>-seed<N>/)
  --check-timeout S the check gives up after S seconds: verdict unknown (default ${checkTimeoutMsDefault / 1000})
  --help, -h        show this help

exit code: 0 linearizable, 1 not linearizable, 2 unknown (the check ran out of time, the
run went wrong) or bad usage.

The same seed replays the same faults at the same times and the same choices of operations;
the processes' own timing, and so the exact history, differ from run to run.

examples:
  npx keel lab run --nemesis partition,kill,pause --duration 30s --clients 10 --seed 7
  npx keel lab run --nemesis partition --workload multi-key --duration 1m --out /tmp/run1`;

interface Flags {
  kinds: FaultKind[];
  durationMs: number;
  clients: number;
  workload: WorkloadKind;
  seed: number | null;
  out: string | null;
  checkTimeoutSeconds: number;
  help: boolean;
}

class UsageError extends Error {}

export async function runLabRunCommand(argv: string[]): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`keel lab run: ${error.message}\nRun \`keel lab run --help\` for the options.`);
    return exitNoAnswer;
  }
  if (flags.help) {
    console.log(runHelp);
    return 0;
  }
  const seed = flags.seed ?? Math.floor(Math.random() * seedMax);
  const outDir = resolve(flags.out ?? `.keel/lab/${timestamp(new Date())}-seed${seed}`);
  const command = replayCommand(flags, seed);
  console.log(`keel lab run: seed ${seed}, ${flags.kinds.join(',')} for ${flags.durationMs / 1000} s, ${flags.clients} clients, ${flags.workload}; writing to ${outDir}`);
  const line = progressPrinter();
  const run = new LabRun({ seed, kinds: flags.kinds, durationMs: flags.durationMs, clients: flags.clients, workload: flags.workload, outDir, command, checkTimeoutMs: flags.checkTimeoutSeconds * 1000, onProgress: line.print });
  const interrupted = (): void => {
    line.done();
    console.error('keel lab run: interrupted; stopping the masters');
    void run.interrupt().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  let result: LabRunResult;
  try {
    result = await run.run();
  } finally {
    process.removeListener('SIGINT', interrupted);
    line.done();
  }
  printVerdict(result, command);
  if (result.verdict === 'linearizable') return 0;
  return result.verdict === 'not-linearizable' ? exitNotLinearizable : exitNoAnswer;
}

/** The command line that replays a run, every choice spelled out. */
export function replayCommand(flags: Pick<Flags, 'kinds' | 'durationMs' | 'clients' | 'workload'>, seed: number): string {
  return `npx keel lab run --nemesis ${flags.kinds.join(',')} --duration ${formatDuration(flags.durationMs)} --clients ${flags.clients} --workload ${flags.workload} --seed ${seed}`;
}

function printVerdict(result: LabRunResult, command: string): void {
  const { stats } = result;
  const ops = `${stats.operations} ops (${stats.ok} ok, ${stats.fail} failed, ${stats.info} unanswered), ${result.faults} faults`;
  const check = result.check;
  if (result.error !== null) console.error(`keel lab run: the run went wrong: ${result.error.split('\n')[0]}`);
  if (check?.verdict === 'not-linearizable') {
    const v = check.violation!;
    console.log(`verdict: NOT linearizable: key ${JSON.stringify(v.key)}, ${keelOp(v.culprit.input, v.culprit.output)} (process ${v.culprit.process}, history line ${v.culprit.line}) cannot be placed; ${ops}`);
  } else if (result.verdict === 'linearizable') {
    console.log(`verdict: linearizable; ${ops}; checked in ${(check!.elapsedMs / 1000).toFixed(1)} s`);
  } else {
    const why = check === null ? 'not checked' : check.verdict === 'unknown' ? `the check stopped (${check.reason})` : 'the run went wrong';
    console.log(`verdict: unknown (${why}); ${ops}`);
  }
  console.log(`report: ${result.report}`);
  console.log(`replay: ${command}`);
}

function keelOp(input: { op: string; key: string; value?: string | null; expected?: string | null }, output: { value?: string | null; succeeded?: boolean } | undefined): string {
  if (input.op === 'get') return `get -> ${JSON.stringify(output?.value ?? null)}`;
  if (input.op === 'cas') return `cas ${JSON.stringify(input.expected)}->${JSON.stringify(input.value)}${output === undefined ? '' : output.succeeded ? ' ok' : ' failed'}`;
  if (input.op === 'put') return `put ${JSON.stringify(input.value)}`;
  return input.op;
}

/** One progress line, rewritten in place on a terminal; a line every 5 s otherwise. */
function progressPrinter(): { print: (p: LabProgress) => void; done: () => void } {
  const tty = process.stdout.isTTY === true;
  let lastPrintedMs = 0;
  let pending = false;
  return {
    print: (p) => {
      const text = progressLine(p);
      if (tty) {
        process.stdout.write(`\r\x1b[2K${text.slice(0, (process.stdout.columns ?? 120) - 1)}`);
        pending = true;
      } else if (performance.now() - lastPrintedMs >= 5_000 || p.phase === 'checking') {
        lastPrintedMs = performance.now();
        console.log(text);
      }
    },
    done: () => {
      if (pending) process.stdout.write('\n');
      pending = false;
    },
  };
}

export function progressLine(p: LabProgress): string {
  const elapsed = `${(p.elapsedMs / 1000).toFixed(1)}/${(p.durationMs / 1000).toFixed(0)} s`;
  const ops = `ops ${p.stats.operations} (ok ${p.stats.ok}, fail ${p.stats.fail}, info ${p.stats.info})`;
  const leader = p.leader === 0 ? 'no leader' : `leader m${p.leader} term ${p.term}`;
  if (p.phase === 'starting') return 'starting three masters...';
  if (p.phase === 'checking') return `checking ${p.stats.operations} operations for linearizability...`;
  return `[${p.phase === 'healing' ? 'healing' : elapsed}] ${ops} | fault: ${p.fault ?? 'none'} | ${leader}`;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { kinds: ['partition', 'kill', 'pause'], durationMs: 30_000, clients: 10, workload: 'register', seed: null, out: null, checkTimeoutSeconds: checkTimeoutMsDefault / 1000, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = splitFlag(argv[i]);
    if ((name === '--help' || name === '-h') && inline === undefined) {
      flags.help = true;
      continue;
    }
    if (!['--nemesis', '--duration', '--clients', '--workload', '--seed', '--out', '--check-timeout'].includes(name)) throw new UsageError(`unknown option: ${argv[i]}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    setValue(flags, name, value);
  }
  return flags;
}

function setValue(flags: Flags, name: string, value: string): void {
  switch (name) {
    case '--nemesis':
      flags.kinds = parseKinds(value);
      return;
    case '--duration':
      flags.durationMs = parseDuration(value);
      return;
    case '--clients':
      flags.clients = parseInteger(name, value, 1, clientsMax);
      return;
    case '--workload':
      if (value !== 'register' && value !== 'multi-key') throw new UsageError(`--workload must be register or multi-key, got ${JSON.stringify(value)}`);
      flags.workload = value;
      return;
    case '--seed':
      flags.seed = parseInteger(name, value, 0, seedMax);
      return;
    case '--out':
      flags.out = value;
      return;
    default: {
      const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
      if (!(seconds >= 0 && seconds <= checkTimeoutSecondsMax)) throw new UsageError(`--check-timeout must be a number of seconds in 0..${checkTimeoutSecondsMax}, got ${JSON.stringify(value)}`);
      flags.checkTimeoutSeconds = seconds;
    }
  }
}

export function parseKinds(value: string): FaultKind[] {
  const kinds = value.split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (kinds.length === 0) throw new UsageError('--nemesis needs at least one fault kind');
  for (const kind of kinds) {
    if (!(faultKinds as readonly string[]).includes(kind)) throw new UsageError(`--nemesis: unknown fault kind ${JSON.stringify(kind)} (known: ${faultKinds.join(', ')})`);
  }
  return [...new Set(kinds)] as FaultKind[];
}

/** "30s", "2m", "1500ms", or plain seconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value);
  if (m === null) throw new UsageError(`--duration must look like 30s, 2m or 1500ms, got ${JSON.stringify(value)}`);
  const ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1_000);
  if (ms < durationMsMin || ms > durationMsMax) throw new UsageError(`--duration must be within ${durationMsMin / 1000} s..${durationMsMax / 60_000} min, got ${value}`);
  return Math.round(ms);
}

function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function parseInteger(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`${name} must be in ${min}..${max}, got ${value}`);
  return n;
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

/** 20250101-120000, local time. */
function timestamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
