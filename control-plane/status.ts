// `keel status`: a table of every master of a cluster started by `keel up`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { UsageError } from './usage-error.ts';

export interface ClusterFile {
  clusterId: string;
  members: Array<{ id: number; apiUrl: string; pid: number; config: string }>;
}

export interface MemberStatus {
  id: number;
  role: string;
  term: number;
  leader: number;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  pid: number;
}

export const statusUsage = `usage: keel status [--dir DIR]

Prints one line per master of the cluster in DIR (default ./.keel, as written by \`keel up\`):
its role, term, known leader, commit, applied and last log index, pid and API URL.`;

export function readClusterFile(dir: string): ClusterFile {
  const file = join(dir, 'cluster.json');
  if (!existsSync(file)) throw new UsageError(`no cluster in ${dir} (no ${file}); start one with \`keel up --dir ${dir}\``);
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterFile;
}

export async function fetchStatus(cluster: ClusterFile, timeoutMs: number): Promise<Array<{ id: number; status: MemberStatus | null; error: string }>> {
  return Promise.all(
    cluster.members.map(async ({ id, apiUrl }) => {
      try {
        const res = await request(`${apiUrl}/v1/status`, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
        if (res.statusCode !== 200) {
          await res.body.dump();
          return { id, status: null, error: `HTTP ${res.statusCode}` };
        }
        return { id, status: (await res.body.json()) as MemberStatus, error: '' };
      } catch (error) {
        return { id, status: null, error: (error as { code?: string }).code ?? (error as Error).message };
      }
    }),
  );
}

export function printStatusTable(cluster: ClusterFile, rows: Array<{ id: number; status: MemberStatus | null; error: string }>): void {
  const header = ['ID', 'ROLE', 'TERM', 'LEADER', 'COMMIT', 'APPLIED', 'LAST', 'PID', 'API'];
  const lines = rows.map(({ id, status, error }) => {
    const url = cluster.members.find((m) => m.id === id)?.apiUrl ?? '';
    if (status === null) return [String(id), `unreachable (${error})`, '', '', '', '', '', '', url];
    return [id, status.role, status.term, status.leader || '-', status.commitIndex, status.appliedIndex, status.lastIndex, status.pid, url].map(String);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  for (const line of [header, ...lines]) console.log(line.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
}

export async function runStatusCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(statusUsage);
    return 0;
  }
  let dir = '.keel';
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--dir' && argv[i + 1]) dir = argv[i + 1];
    else throw new UsageError(`bad argument ${argv[i]}\n\n${statusUsage}`);
  }
  const cluster = readClusterFile(dir);
  const rows = await fetchStatus(cluster, 2000);
  printStatusTable(cluster, rows);
  return rows.some((r) => r.status?.role === 'leader') ? 0 : 1;
}
