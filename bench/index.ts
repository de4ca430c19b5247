// `npm run bench -- [suite] [--quick]`: runs benchmark suites and writes their results to
// bench/results/<date>-<suite>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Suite = (argv: string[]) => Promise<unknown>;

const suites: Record<string, { describe: string; load: () => Promise<Suite> }> = {
  'raft-core': {
    describe: 'committed entries/s and CPU µs/entry of a 3-member in-memory Raft core cluster, batches 1, 16, 256',
    load: async () => (await import('./raft-core.ts')).main,
  },
  kv: {
    describe: 'writes/s, reads/s (linearizable, serializable) and latency p50/p90/p99/max via leader and follower of 3 real masters (fsync on), 1-256 clients',
    load: async () => (await import('./kv.ts')).main,
  },
};

const usage = `usage: npm run bench -- [suite ...] [--quick]

suites:
${Object.entries(suites).map(([name, s]) => `  ${name.padEnd(12)} ${s.describe}`).join('\n')}

With no suite, runs them all. --quick runs a shorter version of each.
Results go to bench/results/<date>-<suite>.json.`;

export async function runBench(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    return 0;
  }
  const names = argv.filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !(n in suites));
  if (unknown.length > 0) {
    console.error(`bench: unknown suite ${unknown.join(', ')}\n\n${usage}`);
    return 2;
  }
  const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(resultsDir, { recursive: true });
  for (const name of names.length > 0 ? names : Object.keys(suites)) {
    const results = await (await suites[name].load())(argv);
    const date = new Date().toISOString().slice(0, 10);
    const file = join(resultsDir, `${date}-${name}.json`);
    const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version };
    writeFileSync(file, JSON.stringify({ suite: name, date, quick: argv.includes('--quick'), machine, results }, null, 2) + '\n');
    console.log(`results: ${file}`);
  }
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await runBench(process.argv.slice(2));
}
