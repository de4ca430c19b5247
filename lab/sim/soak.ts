// `npm run sim:soak -- --runs N`: many seeded runs with random fault schedules. Prints a
// progress line now and then, the totals at the end, and for every violating run its seed
// and the command that replays it. Exits 1 on any violation, 2 on a bad command line.
// `npm run sim:soak:lin` adds kv clients to every run and checks their histories for
// linearizability.

import { pathToFileURL } from 'node:url';
import { clientsMax } from './options.ts';
import { seededRun } from './schedules.ts';
import { runSchedule } from './simulator.ts';

const exitViolations = 1;
const exitUsage = 2;
/** Violating runs printed in full; the rest are counted. */
const failuresPrintedMax = 20;

export const soakHelp = `usage: npm run sim:soak -- [options]      (tsx lab/sim/soak.ts [options])

Runs many seeded simulator runs, each with the random fault schedule its seed names, and
reports the totals. A violating run is printed with the command that replays it.

options:
  --runs N         runs to do (default 10000)
  --seed-start S   the first seed; run i uses seed S + i (default 1)
  --steps M        virtual ms per run (default 4000)
  --nodes 3|5|mix  members per run; mix alternates 3 and 5 (default mix)
  --every K        a progress line every K runs (default 500)
  --clients C      C kv clients per run, whose history is checked for linearizability
                   (0..${clientsMax}; default 0; npm run sim:soak:lin sets 5)
  --help, -h       show this help`;

interface SoakFlags {
  runs: number;
  seedStart: number;
  steps: number;
  nodes: 'mix' | 3 | 5;
  every: number;
  clients: number;
}

export interface SoakTotals {
  runs: number;
  steps: number;
  violatingRuns: number;
  violations: number;
  livenessChecked: number;
  crashes: number;
  leaderTerms: number;
  /** With kv clients: their operations, and the runs whose linearizability check ran out of time or memory. */
  clientOps: number;
  lincheckUnknown: number;
}

export function runSoak(flags: SoakFlags, print: (line: string) => void): SoakTotals {
  const totals: SoakTotals = {
    runs: 0, steps: 0, violatingRuns: 0, violations: 0, livenessChecked: 0, crashes: 0, leaderTerms: 0, clientOps: 0, lincheckUnknown: 0,
  };
  const clientsFlag = flags.clients > 0 ? ` --clients ${flags.clients}` : '';
  for (let i = 0; i < flags.runs; i++) {
    const seed = (flags.seedStart + i) >>> 0;
    const nodes = flags.nodes === 'mix' ? (i % 2 === 0 ? 3 : 5) : flags.nodes;
    const { schedule, options } = seededRun(seed, nodes, flags.steps);
    const result = runSchedule(seed, schedule, { ...options, keepTrace: false, clients: flags.clients });
    totals.runs += 1;
    if (result.clients !== null) {
      totals.clientOps += result.clients.ops;
      if (result.clients.verdict === 'unknown') {
        totals.lincheckUnknown += 1;
        print(`UNKNOWN seed=${seed} nodes=${nodes}: the linearizability check gave up (${result.clients.unknownReason ?? '?'})`);
      }
    }
    totals.steps += result.stats.steps;
    totals.crashes += result.stats.crashes;
    totals.leaderTerms += result.stats.leaderTerms;
    if (result.stats.livenessChecked) totals.livenessChecked += 1;
    if (result.violationCount > 0) {
      totals.violatingRuns += 1;
      totals.violations += result.violationCount;
      if (totals.violatingRuns <= failuresPrintedMax) {
        print(`VIOLATION seed=${seed} nodes=${nodes}: ${result.violations[0]}`);
        print(`  replay: npm run sim -- --seed ${seed} --steps ${flags.steps} --nodes ${nodes}${clientsFlag}`);
      }
    }
    if ((i + 1) % flags.every === 0) print(progressLine(totals));
  }
  return totals;
}

function progressLine(t: SoakTotals): string {
  return `progress: runs=${t.runs} steps=${t.steps} violating-runs=${t.violatingRuns} liveness-checked=${t.livenessChecked}${clientTotals(t)}`;
}

function clientTotals(t: SoakTotals): string {
  return t.clientOps > 0 ? ` client-ops=${t.clientOps} lincheck-unknown=${t.lincheckUnknown}` : '';
}

function parseSoakFlags(argv: string[]): SoakFlags | 'help' | string {
  const flags: SoakFlags = { runs: 10_000, seedStart: 1, steps: 4000, nodes: 'mix', every: 500, clients: 0 };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (name === '--help' || name === '-h') return 'help';
    const value = argv[++i];
    if (value === undefined) return `${name} needs a value`;
    if (name === '--nodes') {
      if (value !== 'mix' && value !== '3' && value !== '5') return `--nodes must be 3, 5 or mix, got ${value}`;
      flags.nodes = value === 'mix' ? 'mix' : (Number(value) as 3 | 5);
      continue;
    }
    if (!/^\d+$/.test(value)) return `${name} must be a whole number, got ${JSON.stringify(value)}`;
    const n = Number(value);
    if (name === '--runs') flags.runs = n;
    else if (name === '--seed-start') flags.seedStart = n;
    else if (name === '--steps' && n > 0) flags.steps = n;
    else if (name === '--every' && n > 0) flags.every = n;
    else if (name === '--clients' && n <= clientsMax) flags.clients = n;
    else return `unknown option or bad value: ${name} ${value}`;
  }
  return flags;
}

export function runSoakCommand(argv: string[]): number {
  const flags = parseSoakFlags(argv);
  if (flags === 'help') {
    console.log(soakHelp);
    return 0;
  }
  if (typeof flags === 'string') {
    console.error(`sim:soak: ${flags}\nRun with --help for the options.`);
    return exitUsage;
  }
  const totals = runSoak(flags, (line) => console.log(line));
  console.log(
    `totals: schedules=${totals.runs} steps=${totals.steps} violating-runs=${totals.violatingRuns} violations=${totals.violations} ` +
      `liveness-checked=${totals.livenessChecked} crashes=${totals.crashes} leader-terms=${totals.leaderTerms}${clientTotals(totals)}`,
  );
  return totals.violatingRuns > 0 ? exitViolations : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = runSoakCommand(process.argv.slice(2));
