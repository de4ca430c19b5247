// A master started by a harness with KEEL_EXIT_WITH_PARENT=1 stops when that harness dies
// without stopping it; without the variable it keeps running (a master outlives a shell).
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterConfigs } from '../control-plane/up.ts';
import { testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'keel.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a harness process that starts master 1 and prints its pid; then kills the harness. */
async function orphanMaster(t: Test, offset: number, env: Record<string, string>): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-parent-'));
  const config = clusterConfigs(dir, testBasePort(offset))[0];
  const file = join(dir, 'm1.json');
  writeFileSync(file, JSON.stringify(config));
  const harness = spawn(
    process.execPath,
    ['-e', `const c = require('node:child_process').spawn(process.execPath, [${JSON.stringify(bin)}, 'master', '--config', ${JSON.stringify(file)}], { stdio: 'ignore', env: { ...process.env, ...${JSON.stringify(env)} } }); console.log(c.pid); setInterval(() => {}, 1000);`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const pid = await new Promise<number>((resolve) => harness.stdout!.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim()))));
  t.teardown(() => {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await waitFor('the master to serve', async () => {
    try {
      const res = await fetch(`http://${config.apiAddress}/healthz`);
      return res.status > 0 ? true : undefined;
    } catch {
      return undefined;
    }
  });
  harness.kill('SIGKILL');
  await new Promise((resolve) => harness.once('exit', resolve));
  return pid;
}

t.test('with KEEL_EXIT_WITH_PARENT=1 a master stops when its parent dies', async (t) => {
  const pid = await orphanMaster(t, 60, { KEEL_EXIT_WITH_PARENT: '1' });
  await waitFor('the orphaned master to stop', async () => (alive(pid) ? undefined : true), 15_000);
  t.notOk(alive(pid));
});

t.test('without it, the master keeps running after its parent died', async (t) => {
  const pid = await orphanMaster(t, 70, {});
  await new Promise((resolve) => setTimeout(resolve, 2000));
  t.ok(alive(pid), 'still running two seconds later');
});
