// The shared corpus of histories with known verdicts (../shared/linearizability-corpus next to
// the repository; its README.md describes it): the list of files and what each must give.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Verdict } from './check.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const corpusDirDefault = resolve(repoRoot, '..', 'shared', 'linearizability-corpus');

export interface CorpusEntry {
  /** Relative to the corpus folder, e.g. `jepsen/etcd_002.log`. */
  file: string;
  /** The corpus's model name: `etcd-register` or `kv`. */
  model: string;
  expected: Exclude<Verdict, 'unknown'>;
  /** Porcupine's time for the file (porcupine-timings.tsv), ms; null when not listed. */
  porcupineMs: number | null;
}

/** The entries of EXPECTED.tsv with Porcupine's timings; throws, naming the folder, when it is missing. */
export function readCorpus(dir: string = corpusDirDefault): CorpusEntry[] {
  const expectedPath = join(dir, 'EXPECTED.tsv');
  if (!existsSync(expectedPath)) throw new Error(`the linearizability corpus is missing: no ${expectedPath}`);
  const timings = new Map(readTsv(join(dir, 'porcupine-timings.tsv'), false).map((row) => [row.file, Number(row.porcupine_ms_per_check)]));
  return readTsv(expectedPath, true).map((row) => {
    if (row.expected !== 'linearizable' && row.expected !== 'not-linearizable') throw new Error(`EXPECTED.tsv: ${row.file} has verdict ${row.expected}`);
    return { file: row.file, model: row.model, expected: row.expected, porcupineMs: timings.get(row.file) ?? null };
  });
}

function readTsv(path: string, required: boolean): Record<string, string>[] {
  if (!existsSync(path)) {
    if (required) throw new Error(`missing ${path}`);
    return [];
  }
  const [header, ...rows] = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const names = header.split('\t');
  return rows.map((line) => Object.fromEntries(line.split('\t').map((cell, i) => [names[i], cell])));
}
