// Streamed snapshots between real master processes: a lagging master catches up from an image
// of several MB sent in 64 KiB chunks, and one killed (SIGKILL) in the middle of installing
// that image comes back with the new state whole and catches up.
import t from 'tap';
import type { Test } from 'tap';
import { ProcessCluster, http, testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';

const chunkBytes = 64 * 1024;
const valueBytes = 10_000;
const writes = 300; // ~3 MB of values, more again in the history and revision log: dozens of chunks

function value(i: number): string {
  return `v${i}-`.padEnd(valueBytes, String.fromCharCode(97 + (i % 26)));
}

async function metric(cluster: ProcessCluster, id: number, name: string): Promise<number> {
  const text = (await http('GET', `${cluster.url(id)}/metrics`)).body.toString();
  const match = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/** Starts a cluster, kills a follower, writes past several compactions; returns the ids and the leader's status. */
async function laggingCluster(t: Test, offset: number) {
  const cluster = new ProcessCluster({
    basePort: testBasePort(offset),
    tweak: (c) => {
      c.snapshotEveryEntries = 40;
      c.snapshotChunkBytes = chunkBytes;
    },
  });
  t.teardown(() => cluster.destroy());
  await cluster.startAll();
  const leader = await cluster.leader();
  const lagger = [1, 2, 3].find((id) => id !== leader)!;
  await cluster.kill(lagger, 'SIGKILL');
  for (let i = 0; i < writes; i++) {
    const res = await http('PUT', `${cluster.url(leader)}/v1/kv/k${i}`, value(i));
    if (res.status !== 200) throw new Error(`write ${i}: ${res.status} ${res.body.toString()}`);
  }
  const leaderStatus = await cluster.status(leader);
  t.ok((leaderStatus.firstIndex as number) > 40, `the leader compacted its log (first index ${leaderStatus.firstIndex})`);
  return { cluster, leader, lagger, leaderStatus };
}

async function checkData(t: Test, cluster: ProcessCluster, id: number): Promise<void> {
  const list = await http('GET', `${cluster.url(id)}/v1/kv?prefix=k&limit=10000&consistency=serializable`);
  const items = (list.json() as { items: Array<{ key: string; value: string }> }).items;
  t.equal(items.length, writes, `member ${id} holds every key`);
  const wrong = items.filter((item) => item.value !== value(Number(item.key.slice(1))));
  t.same(wrong.map((item) => item.key), [], 'and every value');
}

t.test('a lagging master catches up by a snapshot streamed in many chunks', async (t) => {
  const { cluster, leader, lagger, leaderStatus } = await laggingCluster(t, 0);
  cluster.start(lagger);
  const caughtUp = await waitFor('the restarted master to catch up', async () => {
    const status = await cluster.status(lagger).catch(() => undefined);
    return status !== undefined && (status.appliedIndex as number) >= (leaderStatus.appliedIndex as number) ? status : undefined;
  });
  t.equal(caughtUp.snapshotsInstalled, 1, `it installed one snapshot (at ${caughtUp.snapshotIndex})`);
  const received = await metric(cluster, lagger, 'keel_snapshot_chunks_received_total');
  const sent = await metric(cluster, leader, 'keel_snapshot_chunks_sent_total');
  t.ok(received > 10, `${received} chunks of 64 KiB received`);
  t.ok(sent >= received, `${sent} chunks sent`);
  await checkData(t, cluster, lagger);
});

t.test('a master killed in the middle of installing a snapshot restarts with the new state whole and catches up', async (t) => {
  const { cluster, lagger, leaderStatus } = await laggingCluster(t, 20);
  cluster.start(lagger, { KEEL_TEST_KILL_INSTALL_AFTER_BATCHES: '5' });
  await waitFor('the master to kill itself mid-install', async () => cluster.exits.get(lagger));
  t.equal(cluster.exits.get(lagger)!.signal, 'SIGKILL');
  t.match(cluster.log(lagger), /killed in the middle of a snapshot install, after 5 batch/);
  cluster.start(lagger);
  const status = await waitFor('the master to serve again', async () => cluster.status(lagger).catch(() => undefined));
  t.ok((status.appliedIndex as number) >= 40, `it serves from applied index ${status.appliedIndex}: the snapshot's, finished at open`);
  await checkData(t, cluster, lagger);
  const caughtUp = await waitFor('the restarted master to catch up', async () => {
    const s = await cluster.status(lagger).catch(() => undefined);
    return s !== undefined && (s.appliedIndex as number) >= (leaderStatus.appliedIndex as number) ? s : undefined;
  });
  t.equal(caughtUp.snapshotsInstalled, 0, 'no second snapshot was needed');
  await checkData(t, cluster, lagger);
});
