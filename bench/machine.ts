// The machine a benchmark ran on, recorded with every result: figures mean little without it.
import { spawnSync } from 'node:child_process';
import { cpus, release, tmpdir, totalmem } from 'node:os';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  /** Linux kernel release. */
  kernel: string;
  node: string;
  /** The file system the benchmarks' data directories live on (the temp dir's); fsync costs depend on it. */
  tmpdirFs: string;
  loadAverage: number[];
}

export function machineInfo(): Machine {
  const fs = spawnSync('findmnt', ['-n', '-o', 'FSTYPE,SOURCE', '-T', tmpdir()], { encoding: 'utf8' });
  const load = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' });
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    node: process.version,
    tmpdirFs: fs.status === 0 ? `${fs.stdout.trim().replace(/\s+/, ' on ')} (${tmpdir()})` : 'unknown',
    loadAverage: load.status === 0 ? load.stdout.split(' ').slice(0, 3).map(Number) : [],
  };
}
