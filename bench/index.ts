// `npm run bench -- [suite] [--quick]` (or `keel bench ...`): runs benchmark suites and writes
// their results to bench/results/<date>-<suite>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './machine.ts';

/** Where a suite's files go: `${dir}/${stem}.json` is written for it; it may add `${stem}.md` and the like. */
export interface SuiteOutput {
  dir: string;
  stem: string;
}

type Suite = (argv: string[], output: SuiteOutput) => Promise<unknown>;

const suites: Record<string, { describe: string; noFsync?: boolean; load: () => Promise<Suite> }> = {
  'raft-core': {
    describe: 'committed entries/s and CPU µs/entry of a 3-member in-memory Raft core cluster, batches 1, 16, 256',
    load: async () => (await import('./raft-core.ts')).main,
  },
  kv: {
    describe: 'writes/s, reads/s (linearizable, serializable) and latency p50/p90/p99/max via leader and follower of 3 real masters (fsync on), 1-256 clients',
    load: async () => (await import('./kv.ts')).main,
  },
  paced: {
    describe: 'writes at fixed rates to the leader of 3 real masters (fsync on): CPU µs/write and log syncs/s per master, fitted into CPU per sync and per write',
    load: async () => (await import('./paced.ts')).main,
  },
  compare: {
    describe: 'keel against etcd 3.4, 3 members each (fsync on): writes and reads/s and latency at 1-1000 clients, CPU and RSS per member, failover gaps (kill, pause, partition)',
    noFsync: true,
    load: async () => (await import('./compare.ts')).main,
  },
};

/** What `npm run bench` runs with no suite named: the comparison with etcd (under 10 minutes, --quick under 2). */
export const defaultSuites = ['compare'];

export const benchUsage = `usage: npm run bench -- [suite ...|all] [--quick] [--no-fsync]
       keel bench [suite ...|all] [--quick] [--no-fsync]

suites:
${Object.entries(suites).map(([name, s]) => `  ${name.padEnd(12)} ${s.describe}`).join('\n')}

With no suite, runs ${defaultSuites.join(', ')} (keel against etcd, the figures bench/README.md
reports); \`all\` runs every suite. --quick runs a shorter version of each. --no-fsync (compare
only) runs every system without fsync: NOT durable, labelled so in every output.
Results go to bench/results/<date>-<suite>.json (compare: also .md and .svg charts;
<date>-compare-no-fsync.* with --no-fsync).`;

/** The suites to run for the names given (`all`: every one), or why they cannot run. */
export function selectSuites(names: string[], noFsync: boolean): string[] | string {
  const fsyncless = Object.keys(suites).filter((n) => suites[n].noFsync === true);
  const selected = names.includes('all') ? Object.keys(suites) : names.length > 0 ? names : defaultSuites;
  if (noFsync && selected.some((n) => !fsyncless.includes(n))) return `--no-fsync applies to ${fsyncless.join(', ')} only`;
  return selected;
}

export async function runBench(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(benchUsage);
    return 0;
  }
  const names = argv.filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => n !== 'all' && !Object.hasOwn(suites, n));
  if (unknown.length > 0) {
    console.error(`bench: unknown suite ${unknown.join(', ')}\n\n${benchUsage}`);
    return 2;
  }
  const noFsync = argv.includes('--no-fsync');
  const selected = selectSuites(names, noFsync);
  if (typeof selected === 'string') {
    console.error(`bench: ${selected}\n\n${benchUsage}`);
    return 2;
  }
  const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(resultsDir, { recursive: true });
  for (const name of selected) {
    const date = new Date().toISOString().slice(0, 10);
    const stem = `${date}-${name}${noFsync ? '-no-fsync' : ''}`;
    const machine = machineInfo();
    const results = await (await suites[name].load())(argv, { dir: resultsDir, stem });
    const file = join(resultsDir, `${stem}.json`);
    const durability = noFsync ? { durability: 'NO FSYNC — not durable' } : {};
    writeFileSync(file, JSON.stringify({ suite: name, date, quick: argv.includes('--quick'), ...durability, machine, results }, null, 2) + '\n');
    console.log(`results: ${file}`);
  }
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await runBench(process.argv.slice(2));
}
