// `keel up`: a local three-master cluster on loopback. Writes each master's config and the
// cluster file, starts the masters, reports the leader, and stops them on Ctrl-C or SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MasterConfig } from '../store/server.ts';
import { fetchStatus, printStatusTable, type ClusterFile } from './status.ts';
import { UsageError } from './usage-error.ts';

export const upUsage = `usage: keel up [--dir DIR] [--base-port N]

Starts a local cluster of three masters on 127.0.0.1 and keeps it running until Ctrl-C or
SIGTERM, which stops every master (a leader hands over leadership first).
  --dir DIR        where configs, data and logs live (default ./.keel); run again on the same
                   DIR to restart the cluster on its data
  --base-port N    master i serves its API on N+i and talks to peers on N+10+i (default 7100)

It writes DIR/m1.json .. DIR/m3.json (configs that \`keel master --config\` accepts),
DIR/cluster.json (each member's id, API URL and pid) and DIR/mN.log (each master's log).`;

const binPath = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'keel.js');
/** How long `keel up` waits for the first leader before it says so, ms. */
const leaderWaitMs = 30_000;
/** How long a stopping master gets before it is killed, ms. */
const stopWaitMs = 10_000;

interface UpOptions {
  dir: string;
  basePort: number;
}

function parseUpFlags(argv: string[]): UpOptions {
  const options: UpOptions = { dir: '.keel', basePort: 7100 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--dir' && value) options.dir = value;
    else if (flag === '--base-port' && value && /^\d+$/.test(value) && Number(value) > 0 && Number(value) < 65500) options.basePort = Number(value);
    else throw new UsageError(`bad argument ${flag}${value ? ' ' + value : ''}\n\n${upUsage}`);
    i++;
  }
  return options;
}

/** The configs of a new cluster, or the existing ones of DIR (a restart on its data). */
export function clusterConfigs(dir: string, basePort: number): MasterConfig[] {
  const ids = [1, 2, 3];
  if (ids.every((id) => existsSync(join(dir, `m${id}.json`)))) {
    return ids.map((id) => JSON.parse(readFileSync(join(dir, `m${id}.json`), 'utf8')) as MasterConfig);
  }
  const secret = randomBytes(32).toString('hex');
  const clusterId = `keel-${randomBytes(4).toString('hex')}`;
  const members = ids.map((id) => ({ id, peerAddress: `127.0.0.1:${basePort + 10 + id}`, apiAddress: `127.0.0.1:${basePort + id}` }));
  return ids.map((id) => ({
    id,
    clusterId,
    secret,
    dataDir: resolve(dir, `m${id}`),
    peerAddress: members[id - 1].peerAddress,
    apiAddress: members[id - 1].apiAddress,
    members,
  }));
}

export async function runUpCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(upUsage);
    return 0;
  }
  const { dir, basePort } = parseUpFlags(argv);
  mkdirSync(dir, { recursive: true });
  const configs = clusterConfigs(dir, basePort);
  const children = new Map<number, ChildProcess>();
  for (const config of configs) {
    const file = join(dir, `m${config.id}.json`);
    writeFileSync(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
    const logFd = openSync(join(dir, `m${config.id}.log`), 'a');
    const child = spawn(process.execPath, [binPath, 'master', '--config', file], { stdio: ['ignore', logFd, logFd] });
    children.set(config.id, child);
    child.on('exit', (code, signal) => {
      if (!stopping) console.log(`keel up: master ${config.id} exited (${signal ?? `code ${code}`}); see ${join(dir, `m${config.id}.log`)}`);
    });
  }
  const cluster: ClusterFile = {
    clusterId: configs[0].clusterId,
    members: configs.map((c) => ({ id: c.id, apiUrl: `http://${c.apiAddress}`, pid: children.get(c.id)!.pid ?? 0, config: join(dir, `m${c.id}.json`) })),
  };
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify(cluster, null, 2) + '\n');
  console.log(`keel up: cluster ${cluster.clusterId}, 3 masters, data in ${resolve(dir)}`);
  let stopping = false;
  const stopped = new Promise<void>((done) => {
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      console.log(`keel up: ${signal}: stopping the masters`);
      void stopChildren(children).then(done);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await reportLeader(cluster);
  if (!stopping) console.log('keel up: running; Ctrl-C stops the cluster');
  await stopped;
  console.log('keel up: stopped');
  return 0;
}

async function reportLeader(cluster: ClusterFile): Promise<void> {
  const deadline = Date.now() + leaderWaitMs;
  while (Date.now() < deadline) {
    const statuses = await fetchStatus(cluster, 1000);
    if (statuses.some((s) => s.status?.role === 'leader')) {
      printStatusTable(cluster, statuses);
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`keel up: no leader after ${leaderWaitMs / 1000} s; the masters' logs say why`);
}

async function stopChildren(children: Map<number, ChildProcess>): Promise<void> {
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const timer = setTimeout(() => child.kill('SIGKILL'), stopWaitMs);
          child.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
