// `keel lab sim` (and `npm run sim --`): one seeded simulator run, its trace, its verdict.

import { faultKinds, type Fault, type FaultSchedule } from './faults.ts';
import { clientsLine } from './linearizability.ts';
import { clientsMax, type SimOptions, type SimResult } from './options.ts';
import { figure8Options, figure8Schedule, seededRun } from './schedules.ts';
import { runSchedule } from './simulator.ts';

const exitViolations = 1;
const exitUsage = 2;
/** Bound on --steps: a run is kept in memory, trace and all. */
const stepsMax = 10_000_000;
/** Kv clients that --linearizable starts. */
export const clientsDefault = 5;

export const simHelp = `usage: keel lab sim [options]      (npm run sim -- [options])

Runs the seeded deterministic cluster simulator: a virtual clock, a network that drops,
duplicates, delays and reorders messages, partitions, crashes and restarts, a client
workload, snapshots, leadership transfers and membership changes, with the Raft safety
properties checked after every step and liveness checked once the faults heal. The same
options print the same trace, byte for byte. The last line is \`violations: K\`; the exit
code is 1 when K > 0.

options:
  --seed N         the run's seed, 0..4294967295; it picks the fault schedule, the
                   network's choices, the election timeouts, everything (default 1)
  --steps M        virtual milliseconds to simulate, one step each; a Raft tick is 10 ms,
                   elections time out after 100-200 ms (default 4000)
  --nodes 3|5      voting members (default 3)
  --schedule S     the faults: \`seeded\` (drawn from the seed, the default), \`none\`,
                   \`figure8\` (the Raft paper's Figure 8 on 3 members; pair it with
                   --unsafe-commit to watch the checker catch it), or a JSON array of
                   faults as printed on a \`schedule:\` line (to replay a property test)
  --unsafe-commit  turn on the core's test-only Figure 8 bug (commit entries of earlier
                   terms by counting replicas)
  --clients N      also run N kv clients (0..${clientsMax}), each doing one keel operation at a
                   time on 4 keys: get (linearizable, through ReadIndex at the leader or a
                   follower), put, delete, cas; at the end their history is checked for
                   linearizability (a \`clients:\` line; a non-linearizable history is a
                   violation). Default 0
  --linearizable   the same as --clients ${clientsDefault}
  --unsafe-stale-reads
                   a test-only bug for the kv clients: members that do not lead serve
                   reads from their own state without ReadIndex (implies --linearizable)
  --apply-lag-ms N each member applies committed entries up to N ms after the Ready that
                   hands them out, as keel's driver applies beside its loop (0..1000).
                   Default: drawn from the seed (0 in half the runs, else 10..40)
  --unsafe-reads-before-apply
                   a test-only bug for the kv clients: a read is served as soon as its
                   read index is known, before the member has applied up to it (implies
                   --linearizable; it shows only with an apply lag)
  --messages       also trace every message sent and delivered
  --quiet          print only the schedule, the summary and the violations, not the trace
  --help, -h       show this help

examples:
  npm run sim -- --seed 42 --nodes 5
  npm run sim -- --schedule figure8 --unsafe-commit --quiet
  npm run sim -- --seed 7 --linearizable --quiet
  npm run sim -- --seed 7 --unsafe-stale-reads --quiet
  npm run sim -- --seed 3 --apply-lag-ms 20 --unsafe-reads-before-apply --quiet`;

interface Flags {
  seed: number;
  steps: number;
  nodes: number;
  schedule: string;
  unsafe: boolean;
  clients: number | null;
  linearizable: boolean;
  staleReads: boolean;
  readsBeforeApply: boolean;
  /** Null: the seed's draw. */
  applyLagMs: number | null;
  messages: boolean;
  quiet: boolean;
  help: boolean;
}

class UsageError extends Error {}

export async function runSimCommand(argv: string[]): Promise<number> {
  let flags: Flags;
  let run: { schedule: FaultSchedule; options: SimOptions };
  try {
    flags = parseFlags(argv);
    if (flags.help) {
      console.log(simHelp);
      return 0;
    }
    run = planRun(flags);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`keel lab sim: ${error.message}\nRun \`keel lab sim --help\` for the options.`);
    return exitUsage;
  }
  const result = runSchedule(flags.seed, run.schedule, run.options);
  printResult(result, flags);
  return result.violationCount > 0 ? exitViolations : 0;
}

const valueFlags = new Set(['--seed', '--steps', '--nodes', '--schedule', '--clients', '--apply-lag-ms']);
const booleanFlags: Record<string, keyof Flags> = {
  '--unsafe-commit': 'unsafe',
  '--linearizable': 'linearizable',
  '--unsafe-stale-reads': 'staleReads',
  '--unsafe-reads-before-apply': 'readsBeforeApply',
  '--messages': 'messages',
  '--quiet': 'quiet',
  '--help': 'help',
  '-h': 'help',
};

function parseFlags(argv: string[]): Flags {
  const flags: Flags = {
    seed: 1, steps: 4000, nodes: 3, schedule: 'seeded', unsafe: false, clients: null, linearizable: false, staleReads: false,
    readsBeforeApply: false, applyLagMs: null,
    messages: false, quiet: false, help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = splitFlag(argv[i]);
    const boolean = booleanFlags[name];
    if (boolean !== undefined && inline === undefined) {
      (flags[boolean] as boolean) = true;
      continue;
    }
    if (!valueFlags.has(name)) throw new UsageError(`unknown option: ${argv[i]}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    setValue(flags, name, value);
  }
  return flags;
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function setValue(flags: Flags, name: string, value: string): void {
  if (name === '--seed') flags.seed = parseInteger(name, value, 0, 0xffff_ffff);
  else if (name === '--steps') flags.steps = parseInteger(name, value, 1, stepsMax);
  else if (name === '--clients') flags.clients = parseInteger(name, value, 0, clientsMax);
  else if (name === '--apply-lag-ms') flags.applyLagMs = parseInteger(name, value, 0, 1000);
  else if (name === '--nodes') {
    flags.nodes = parseInteger(name, value, 3, 5);
    if (flags.nodes === 4) throw new UsageError('--nodes must be 3 or 5, got 4');
  } else flags.schedule = value;
}

function parseInteger(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`${name} must be in ${min}..${max}, got ${value}`);
  return n;
}

function planRun(flags: Flags): { schedule: FaultSchedule; options: SimOptions } {
  const seeded = seededRun(flags.seed, flags.nodes, flags.steps);
  let schedule = seeded.schedule;
  let options: SimOptions = seeded.options;
  if (flags.schedule === 'none') schedule = [];
  else if (flags.schedule === 'figure8') {
    if (flags.nodes !== 3) throw new UsageError('--schedule figure8 runs on 3 members (--nodes 3)');
    schedule = figure8Schedule();
    options = { ...figure8Options(flags.unsafe), steps: flags.steps, extendForLiveness: false };
  } else if (flags.schedule !== 'seeded') schedule = parseSchedule(flags.schedule, flags.nodes);
  return {
    schedule,
    options: {
      ...options,
      unsafeCommitPreviousTermByCount: flags.unsafe,
      clients: clientsOf(flags),
      unsafeFollowerLocalReads: flags.staleReads,
      unsafeReadsBeforeApply: flags.readsBeforeApply,
      applyLagMsMax: flags.applyLagMs ?? options.applyLagMsMax,
      traceMessages: flags.messages,
      keepTrace: !flags.quiet,
    },
  };
}

function clientsOf(flags: Flags): number {
  const clients = flags.clients ?? (flags.linearizable || flags.staleReads || flags.readsBeforeApply ? clientsDefault : 0);
  if (flags.staleReads && clients === 0) throw new UsageError('--unsafe-stale-reads needs kv clients (--clients N with N > 0)');
  if (flags.readsBeforeApply && clients === 0) throw new UsageError('--unsafe-reads-before-apply needs kv clients (--clients N with N > 0)');
  return clients;
}

function parseSchedule(text: string, nodes: number): FaultSchedule {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--schedule must be seeded, none, figure8 or a JSON array of faults; got ${JSON.stringify(text.slice(0, 40))}`);
  }
  if (!Array.isArray(parsed)) throw new UsageError('--schedule JSON must be an array of faults');
  return parsed.map((fault, i) => checkFault(fault, i, nodes));
}

function checkFault(fault: unknown, i: number, nodes: number): Fault {
  const f = fault as { kind?: unknown; at?: unknown; node?: unknown };
  if (typeof f !== 'object' || f === null || !faultKinds.includes(f.kind as Fault['kind'])) {
    throw new UsageError(`--schedule fault ${i}: kind must be one of ${faultKinds.join(', ')}`);
  }
  if (!Number.isInteger(f.at) || (f.at as number) < 0) throw new UsageError(`--schedule fault ${i}: at must be a whole number of ms`);
  if (typeof f.node === 'number' && (f.node < 1 || f.node > nodes)) throw new UsageError(`--schedule fault ${i}: node ${f.node} is not a member 1..${nodes}`);
  return fault as Fault;
}

function printResult(result: SimResult, flags: Flags): void {
  if (!flags.quiet) for (const line of result.trace) console.log(line);
  console.log(`schedule: ${JSON.stringify(result.schedule)}`);
  console.log(summaryLine(result));
  if (result.clients !== null) console.log(clientsLine(result.clients));
  if (flags.quiet) for (const violation of result.violations) console.log(`violation: ${violation}`);
  console.log(`violations: ${result.violationCount}`);
}

export function summaryLine(result: SimResult): string {
  const s = result.stats;
  const m = s.messages;
  return [
    `summary: seed=${result.seed} nodes=${result.nodes} steps=${s.steps} faults=${result.schedule.length}`,
    `heal=${s.healMs}ms liveness=${s.livenessChecked ? 'checked' : 'not-reached'} apply-lag<=${s.applyLagMsMax}ms`,
    `leader-terms=${s.leaderTerms} max-term=${s.maxTerm} applied=${s.appliedMax}`,
    `proposals=${s.proposalsAccepted}/${s.proposalsAccepted + s.proposalsRefused} crashes=${s.crashes}`,
    `snapshots=${s.snapshotsTaken}+${s.snapshotsInstalled}-installed`,
    `messages=${m.sent} delivered=${m.delivered} dropped=${m.dropped} duplicated=${m.duplicated} blocked=${m.blocked}`,
  ].join(' ');
}
