// The `keel` command line. Entry points: `bin/keel.js` (installed as `keel`) and `npm start`
// (`keel up`). Each subcommand returns an exit code; nothing here calls process.exit from
// deep inside, so a command can be run from a test in-process too.
//
// Layering exception: control-plane/ does not import lab/ or bench/ anywhere else; the CLI does,
// because `keel lab ...` and `keel bench ...` are how people run them (DESIGN.md: "nothing
// imports lab/ but tests, bench and the CLI"). test/imports.test.ts allows exactly this file.
import { runCheckCommand } from '../lab/lincheck/cli.ts';
import { runLabRunCommand } from '../lab/run/cli.ts';
import { runSimCommand } from '../lab/sim/cli.ts';
import { kvUsage, runKvCommand } from './kv.ts';
import { runMasterCommand } from './master.ts';
import { masterUsage } from './master-config.ts';
import { runStatusCommand, statusUsage } from './status.ts';
import { runUpCommand, upUsage } from './up.ts';

/** Exit code for a command line that keel does not understand (as with most Unix tools). */
const exitUsage = 2;

interface Command {
  summary: string;
  usage: string;
  help: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  up: {
    summary: 'start a local three-master cluster on loopback (what `npm start` runs)',
    usage: 'keel up [--dir DIR] [--base-port N]',
    help: upUsage.replace(/^usage: .*\n\n/, ''),
    run: runUpCommand,
  },
  master: {
    summary: 'run one master from a JSON config',
    usage: 'keel master --config FILE [flags]',
    help: masterUsage.replace(/^usage: [^]*?\n\n/, ''),
    run: runMasterCommand,
  },
  status: {
    summary: 'print a table of the masters of a local cluster',
    usage: 'keel status [--dir DIR]',
    help: statusUsage.replace(/^usage: .*\n\n/, ''),
    run: runStatusCommand,
  },
  kv: {
    summary: 'read, write, watch keys and leases of a running cluster',
    usage: 'keel kv <get|put|del|range|txn|watch|lease> ...',
    help: kvUsage.replace(/^usage: .*\n\n/, ''),
    run: runKvCommand,
  },
  lab: {
    summary: 'the failure-mode lab (deterministic simulator, faults against real masters, linearizability checker)',
    usage: 'keel lab sim [--seed N] [--steps M] [...] | keel lab run [--nemesis K,K] [--duration D] [--seed N] [...] | keel lab check FILE [--model M] [--format F] [--timeout S]',
    help: [
      'Subcommands:',
      '  sim    run the seeded cluster simulator; the same seed replays the exact run, and the',
      '         trace ends with `violations: K` (safety violations found by its checks).',
      '  run    start three real masters, inject a seeded schedule of faults while clients',
      '         record a history, check it for linearizability and write an HTML report;',
      '         exit 0 linearizable, 1 not, 2 unknown or error.',
      '  check  check a history of operations for linearizability (Jepsen, Porcupine or keel',
      '         JSON lines); exit 0 linearizable, 1 not, 2 unknown or unreadable.',
      '',
      'Run `keel lab sim --help`, `keel lab run --help` or `keel lab check --help` for their own options.',
      '`npm run sim -- ...` is the same as `keel lab sim ...`.',
    ].join('\n'),
    run: runLab,
  },
  bench: {
    summary: 'run the benchmarks (compare: keel against etcd, the default; raft-core, kv, paced; all); what `npm run bench` runs',
    usage: 'keel bench [suite ...|all] [--quick] [--no-fsync]',
    help: [
      'Runs benchmark suites and writes their results to bench/results/ (see bench/README.md):',
      '  raft-core  the Raft core alone, in memory',
      '  kv         three real masters under load',
      '  compare    keel against etcd 3.4 side by side, failover included',
      '',
      'Run `keel bench --help` for the suites\' own descriptions and flags. `npm run bench -- ...`',
      'is the same as `keel bench ...`.',
    ].join('\n'),
    // Loaded only when asked for, so that a master never loads the benchmarks.
    run: async (args) => (await import('../bench/index.ts')).runBench(args),
  },
  help: {
    summary: 'show help for keel or for one command',
    usage: 'keel help [command]',
    help: 'Shows the list of commands, or the help of one command.',
    run: async (args) => runHelp(args),
  },
};

async function runLab(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    printCommandHelp('lab');
    return sub === undefined ? exitUsage : 0;
  }
  if (sub === 'sim') return runSimCommand(rest);
  if (sub === 'run') return runLabRunCommand(rest);
  if (sub === 'check') return runCheckCommand(rest);
  return usageError(`unknown lab command: ${sub} (known: sim, run, check)`);
}

function runHelp(args: string[]): number {
  const [name] = args;
  if (name === undefined) {
    printHelp();
    return 0;
  }
  if (!Object.hasOwn(commands, name)) return usageError(`unknown command: ${name}`);
  printCommandHelp(name);
  return 0;
}

function printHelp(): void {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  console.log(
    [
      'keel: an embedded Raft key-value store with a Kubernetes-style control plane on top.',
      '',
      'Usage: keel <command> [arguments]',
      '',
      'Commands:',
      ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
      '',
      'Run `keel help <command>` or `keel <command> --help` for more.',
    ].join('\n'),
  );
}

function printCommandHelp(name: string): void {
  const command = commands[name]!;
  console.log(`Usage: ${command.usage}\n\n${command.help}`);
}

function usageError(message: string): number {
  console.error(`keel: ${message}\nRun \`keel --help\` for the list of commands.`);
  return exitUsage;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    printHelp();
    return name === undefined ? exitUsage : 0;
  }
  if (!Object.hasOwn(commands, name)) return usageError(`unknown command: ${name}`);
  // `keel lab --help`, `keel kv ... --help` and `keel bench --help` are handled by those commands; the others answer --help here.
  if (name !== 'lab' && name !== 'kv' && name !== 'bench' && (args.includes('--help') || args.includes('-h'))) {
    printCommandHelp(name);
    return 0;
  }
  try {
    return await commands[name]!.run(args);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'KEEL_BAD_CONFIG' || code === 'KEEL_USAGE') {
      console.error(`keel ${name}: ${(error as Error).message}`);
      return exitUsage;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
