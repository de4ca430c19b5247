// `npm run lab:soak -- --runs N --duration 30s`: many `keel lab run`s one after another, each
// with its own seed (and, unless --nemesis names them, its own subset of fault kinds drawn from
// that seed). Prints a line per run and the totals; a run that is not linearizable, or whose
// verdict is unknown, keeps its directory and is printed with the command that replays it.
// Exits 1 when a run is not linearizable, else 2 when one is unknown or went wrong, else 0.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Prng } from '../../raft/core/index.ts';
import { faultKinds, type FaultKind } from '../nemesis/faults.ts';
import type { WorkloadKind } from '../nemesis/workload.ts';
import { parseDuration, parseKinds, replayCommand } from './cli.ts';
import { LabRun } from './run.ts';

const exitNotLinearizable = 1;
const exitNoAnswer = 2;
const runsMax = 100_000;

export const soakHelp = `usage: npm run lab:soak -- [options]      (tsx lab/run/soak.ts [options])

Runs \`keel lab run\` again and again against fresh three-master clusters, run i with seed
S + i, and prints a line per run and the totals. A run that is not linearizable (or whose
verdict is unknown) keeps its directory, with report.html, and is printed with the command
that replays it; the others' directories are removed unless --keep.

options:
  --runs N          runs to do (default 10)
  --duration D      faults per run: 30s, 2m, 1500ms (default 30s)
  --seed-start S    the first seed (default: drawn at random)
  --nemesis K,K     fault kinds for every run (default: a subset of ${faultKinds.join(', ')}
                    drawn from each run's seed)
  --clients N       clients per run (default 10)
  --workload W      register, multi-key or mix (alternate; the default)
  --out DIR         where the runs' directories go (default ./.keel/lab/soak-<time>/)
  --keep            keep every run's directory
  --help, -h        show this help`;

interface SoakFlags {
  runs: number;
  durationMs: number;
  seedStart: number;
  kinds: FaultKind[] | null;
  clients: number;
  workload: WorkloadKind | 'mix';
  out: string | null;
  keep: boolean;
}

interface Totals {
  runs: number;
  operations: number;
  faults: number;
  linearizable: number;
  violations: number;
  unknown: number;
}

/** A non-empty subset of the fault kinds, from a seed. */
export function kindsOf(seed: number): FaultKind[] {
  const prng = new Prng(seed ^ 0x5eed);
  const kinds = faultKinds.filter(() => prng.chance(0.5));
  return kinds.length > 0 ? kinds : [faultKinds[prng.int(faultKinds.length)]];
}

export async function runSoak(flags: SoakFlags, print: (line: string) => void): Promise<Totals> {
  const root = resolve(flags.out ?? `.keel/lab/soak-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const totals: Totals = { runs: 0, operations: 0, faults: 0, linearizable: 0, violations: 0, unknown: 0 };
  print(`lab soak: ${flags.runs} runs of ${flags.durationMs / 1000} s from seed ${flags.seedStart}; directories in ${root}`);
  for (let i = 0; i < flags.runs; i++) {
    const seed = (flags.seedStart + i) >>> 0;
    const kinds = flags.kinds ?? kindsOf(seed);
    const workload: WorkloadKind = flags.workload === 'mix' ? (i % 2 === 0 ? 'register' : 'multi-key') : flags.workload;
    const shape = { kinds, durationMs: flags.durationMs, clients: flags.clients, workload };
    const command = replayCommand(shape, seed);
    const outDir = join(root, `seed${seed}`);
    const result = await new LabRun({ ...shape, seed, outDir, command }).run();
    totals.runs++;
    totals.operations += result.stats.operations;
    totals.faults += result.faults;
    if (result.verdict === 'linearizable') totals.linearizable++;
    else if (result.verdict === 'not-linearizable') totals.violations++;
    else totals.unknown++;
    print(`run ${i + 1}/${flags.runs} seed ${seed} ${kinds.join(',')} ${workload}: ${result.faults} faults, ${result.stats.operations} ops, ${result.verdict}${result.error ? ` (the run went wrong: ${result.error.split('\n')[0]})` : ''}`);
    if (result.verdict !== 'linearizable') print(`  report: ${result.report}\n  replay: ${command}`);
    else if (!flags.keep) rmSync(outDir, { recursive: true, force: true });
  }
  print(`totals: ${totals.runs} runs, ${totals.faults} faults, ${totals.operations} operations; ${totals.linearizable} linearizable, ${totals.violations} not linearizable, ${totals.unknown} unknown`);
  return totals;
}

function parseSoakFlags(argv: string[]): SoakFlags | 'help' {
  const flags: SoakFlags = { runs: 10, durationMs: 30_000, seedStart: Math.floor(Math.random() * 0xffff_ffff), kinds: null, clients: 10, workload: 'mix', out: null, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (name === '--help' || name === '-h') return 'help';
    if (name === '--keep') {
      flags.keep = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === '--runs') flags.runs = integer(name, value, 1, runsMax);
    else if (name === '--duration') flags.durationMs = parseDuration(value);
    else if (name === '--seed-start') flags.seedStart = integer(name, value, 0, 0xffff_ffff);
    else if (name === '--nemesis') flags.kinds = parseKinds(value);
    else if (name === '--clients') flags.clients = integer(name, value, 1, 100);
    else if (name === '--out') flags.out = value;
    else if (name === '--workload') {
      if (value !== 'register' && value !== 'multi-key' && value !== 'mix') throw new Error(`--workload must be register, multi-key or mix, got ${JSON.stringify(value)}`);
      flags.workload = value;
    } else throw new Error(`unknown option: ${name}`);
  }
  return flags;
}

function integer(name: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw new Error(`${name} must be a whole number in ${min}..${max}, got ${JSON.stringify(value)}`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  let flags: SoakFlags | 'help';
  try {
    flags = parseSoakFlags(argv);
  } catch (error) {
    console.error(`lab soak: ${(error as Error).message}\nRun \`npm run lab:soak -- --help\` for the options.`);
    return exitNoAnswer;
  }
  if (flags === 'help') {
    console.log(soakHelp);
    return 0;
  }
  const totals = await runSoak(flags, (line) => console.log(line));
  if (totals.violations > 0) return exitNotLinearizable;
  return totals.unknown > 0 ? exitNoAnswer : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main(process.argv.slice(2));
