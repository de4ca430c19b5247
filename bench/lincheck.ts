// `npx tsx bench/lincheck.ts [--runs N] [--only TEXT] [--dir DIR]` (npm run lincheck:bench):
// times the linearizability checker on every history of the shared corpus and compares with
// Porcupine's published times (porcupine-timings.tsv). Parsing is done once, outside the timing,
// as in Porcupine's own benchmark. Each file's time is the best of N runs (default 5); a fast
// file gets more runs, up to runsMax within quickFileMs, because Go's benchmark harness repeats
// each check thousands of times and so measures warm code. Exit code 1 when a verdict is wrong.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check } from '../lab/lincheck/index.ts';
import { corpusDirDefault, readCorpus, type CorpusEntry } from '../lab/lincheck/corpus.ts';
import { loadHistory } from '../lab/lincheck/formats/index.ts';

const runsDefault = 5;
/** A file gets no further run once its runs took this long, ms (it has at least one). */
const fileBudgetMs = 3_000;
/** Runs of a fast file: more runs while they add up to less than quickFileMs. */
const runsMax = 50;
const quickFileMs = 100;
const timeoutMs = 60_000;

interface Timing {
  entry: CorpusEntry;
  verdict: string;
  bestMs: number;
  runs: number;
}

export async function main(argv: string[]): Promise<number> {
  const runs = Number(flag(argv, '--runs') ?? runsDefault);
  const only = flag(argv, '--only');
  const dir = flag(argv, '--dir') ?? corpusDirDefault;
  const entries = readCorpus(dir).filter((e) => only === undefined || e.file.includes(only));
  console.log(`${'file'.padEnd(22)} ${'expected'.padEnd(17)} ${'verdict'.padEnd(17)} ${'ms'.padStart(9)} ${'porcupine'.padStart(10)} ${'ratio'.padStart(7)}`);
  const timings: Timing[] = [];
  for (const entry of entries) {
    const timing = timeFile(dir, entry, runs);
    timings.push(timing);
    const ratio = entry.porcupineMs === null ? '' : (timing.bestMs / entry.porcupineMs).toFixed(2);
    const mark = timing.verdict === entry.expected ? '' : '  WRONG';
    console.log(`${entry.file.padEnd(22)} ${entry.expected.padEnd(17)} ${timing.verdict.padEnd(17)} ${timing.bestMs.toFixed(3).padStart(9)} ${(entry.porcupineMs?.toFixed(3) ?? '-').padStart(10)} ${ratio.padStart(7)}${mark}`);
  }
  console.log('');
  for (const folder of ['jepsen/', 'kv/']) summarize(folder, timings.filter((t) => t.entry.file.startsWith(folder)));
  const wrong = timings.filter((t) => t.verdict !== t.entry.expected);
  console.log(`verdicts: ${timings.length - wrong.length}/${timings.length} right`);
  return wrong.length === 0 ? 0 : 1;
}

function timeFile(dir: string, entry: CorpusEntry, runs: number): Timing {
  const { model, history } = loadHistory(readFileSync(join(dir, entry.file), 'utf8'));
  let bestMs = Infinity;
  let verdict = '';
  let spentMs = 0;
  let run = 0;
  const wanted = () => (run < runs && spentMs < fileBudgetMs) || (run < runsMax && spentMs < quickFileMs);
  while (run === 0 || wanted()) {
    const startMs = performance.now();
    verdict = check(model, history, { timeoutMs }).verdict;
    const ms = performance.now() - startMs;
    bestMs = Math.min(bestMs, ms);
    spentMs += ms;
    run++;
  }
  return { entry, verdict, bestMs, runs: run };
}

function summarize(folder: string, timings: Timing[]): void {
  if (timings.length === 0) return;
  const ours = timings.reduce((sum, t) => sum + t.bestMs, 0);
  const theirs = timings.reduce((sum, t) => sum + (t.entry.porcupineMs ?? 0), 0);
  console.log(`total ${folder.padEnd(8)} ${timings.length} files  ${ours.toFixed(1)} ms  porcupine ${theirs.toFixed(1)} ms  ratio ${(ours / theirs).toFixed(2)}`);
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
