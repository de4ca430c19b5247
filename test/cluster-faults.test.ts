// Real master processes under faults: every master killed mid-stream, a master that missed the
// compacted log, a peer with the wrong secret, and garbage on the peer port.
import t from 'tap';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { Level } from 'level';
import { entryKey } from '../raft/log-store.ts';
import { ProcessCluster, http, testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';
import { parseAddress } from '../store/server.ts';

t.test('SIGKILL of all three during a stream of writes: every acknowledged write survives', async (t) => {
  const cluster = new ProcessCluster({ basePort: testBasePort(0) });
  t.teardown(() => cluster.destroy());
  await cluster.startAll();
  const acknowledged: string[] = [];
  let stop = false;
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const key = `w${w}-${i}`;
      try {
        const res = await http('PUT', `${cluster.url(1 + (w % 3))}/v1/kv/${key}`, key, 5000);
        if (res.status === 200) acknowledged.push(key);
      } catch {
        // the masters are being killed: an unanswered write is indeterminate, not acknowledged
      }
    }
  };
  const writers = Array.from({ length: 8 }, (_, w) => writer(w));
  await waitFor('some acknowledged writes', async () => (acknowledged.length >= 200 ? true : undefined));
  await Promise.all([1, 2, 3].map((id) => cluster.kill(id, 'SIGKILL')));
  stop = true;
  await Promise.all(writers);
  const acked = [...acknowledged];
  t.comment(`${acked.length} writes acknowledged before every master was killed`);
  for (const id of [1, 2, 3]) cluster.start(id);
  await cluster.leader();
  const list = await http('GET', `${cluster.url(2)}/v1/kv?prefix=w&limit=10000`);
  const present = new Set((list.json() as { items: Array<{ key: string; value: string }> }).items.map((item) => item.key));
  const missing = acked.filter((key) => !present.has(key));
  t.same(missing, [], 'no acknowledged write is lost');
});

t.test('a master restarted after the others compacted their logs catches up by snapshot', async (t) => {
  const cluster = new ProcessCluster({ basePort: testBasePort(20), tweak: (c) => (c.snapshotEveryEntries = 40) });
  t.teardown(() => cluster.destroy());
  await cluster.startAll();
  const leader = await cluster.leader();
  const lagger = [1, 2, 3].find((id) => id !== leader)!;
  await cluster.kill(lagger, 'SIGKILL');
  for (let i = 0; i < 200; i++) {
    const res = await http('PUT', `${cluster.url(leader)}/v1/kv/k${i}`, `v${i}`);
    t.equal(res.status, 200);
  }
  const leaderStatus = await cluster.status(leader);
  t.ok((leaderStatus.firstIndex as number) > 40, `the leader compacted its log (first index ${leaderStatus.firstIndex})`);
  cluster.start(lagger);
  const caughtUp = await waitFor('the restarted master to catch up', async () => {
    const status = await cluster.status(lagger);
    return (status.appliedIndex as number) >= (leaderStatus.appliedIndex as number) ? status : undefined;
  });
  t.equal(caughtUp.snapshotsInstalled, 1, `it installed a snapshot (at ${caughtUp.snapshotIndex})`);
  const res = await http('GET', `${cluster.url(lagger)}/v1/kv/k0?consistency=serializable`);
  t.equal(res.body.toString(), 'v0', 'its state machine holds writes it never saw as entries');
  const last = await http('GET', `${cluster.url(lagger)}/v1/kv/k199?consistency=serializable`);
  t.equal(last.body.toString(), 'v199');
});

t.test('a peer with the wrong cluster secret is refused; the others go on', async (t) => {
  const cluster = new ProcessCluster({ basePort: testBasePort(60), tweak: (c) => c.id === 3 && (c.secret = 'not-the-secret') });
  t.teardown(() => cluster.destroy());
  for (const id of [1, 2, 3]) cluster.start(id);
  await waitFor('1 and 2 to elect a leader', async () => {
    const [s1, s2] = await Promise.all([cluster.status(1), cluster.status(2)]);
    return s1.leader !== 0 && s1.leader === s2.leader ? true : undefined;
  });
  await waitFor('the refusal to be logged', async () => (/bad secret/.test(cluster.log(1) + cluster.log(2)) ? true : undefined));
  const s3 = await cluster.status(3);
  t.equal(s3.leader, 0, 'member 3 never hears from the leader');
  t.ok(s3.term === 0 || s3.role !== 'leader', 'and leads nothing');
  const put = await http('PUT', `${cluster.url(1)}/v1/kv/x`, 'y');
  t.equal(put.status, 200, 'members 1 and 2 serve writes');
});

t.test('garbage on the peer port closes that connection, nothing more', async (t) => {
  const cluster = new ProcessCluster({ basePort: testBasePort(80) });
  t.teardown(() => cluster.destroy());
  await cluster.startAll();
  const leader = await cluster.leader();
  const { host, port } = parseAddress(cluster.configs[leader - 1].peerAddress)!;
  const payloads = [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]), Buffer.from([0, 0, 0, 4, 0xc1, 0xc1, 0xc1, 0xc1])];
  for (const payload of payloads) {
    await new Promise<void>((resolve) => {
      const socket = connect(port, host, () => socket.write(payload));
      socket.resume(); // read (and drop) the handshake nonce, so the close is seen
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.setTimeout(20_000, () => {
        t.fail('the master did not close a connection that sent garbage');
        socket.destroy();
      });
    });
  }
  await waitFor('three refusals logged', async () => ((cluster.log(leader).match(/; closed/g)?.length ?? 0) >= 3 ? true : undefined));
  t.ok(cluster.running(leader), 'the master is still running');
  const put = await http('PUT', `${cluster.url(leader)}/v1/kv/after-garbage`, 'ok');
  t.equal(put.status, 200, 'and still serves writes');
  t.equal(await cluster.leader(), leader, 'with no leader change');
});

t.test('a corrupted log entry stops the master with an error naming the directory and the index', async (t) => {
  const cluster = new ProcessCluster({ basePort: testBasePort(0) });
  t.teardown(() => cluster.destroy());
  await cluster.startAll();
  for (let i = 0; i < 5; i++) t.equal((await http('PUT', `${cluster.url(1)}/v1/kv/c${i}`, 'v')).status, 200);
  const victim = 3;
  await cluster.kill(victim, 'SIGTERM');
  const dataDir = cluster.configs[victim - 1].dataDir;
  const db = new Level<Uint8Array, Uint8Array>(join(dataDir, 'db'), { keyEncoding: 'view', valueEncoding: 'view' });
  const key = entryKey(3);
  const value = (await db.get(key))!;
  value[value.length - 1] ^= 0xff;
  await db.put(key, value);
  await db.close();
  cluster.start(victim);
  const exit = await waitFor('the master to stop', async () => cluster.exits.get(victim));
  t.equal(exit.code, 1);
  t.match(cluster.log(victim), new RegExp(`cannot start: corrupt Raft log in ${dataDir} at index 3: .*KEEL_CORRUPT_LOG`));
});

t.test('a master whose API port is taken stops with an error instead of running on without an API', async (t) => {
  const cluster = new ProcessCluster({ basePort: testBasePort(0) });
  t.teardown(() => cluster.destroy());
  const [host, port] = cluster.configs[0].apiAddress.split(':');
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(Number(port), host, () => resolve()));
  t.teardown(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
  // The peer transport and the node start before the API listens: all of it must be stopped again.
  cluster.start(1);
  const exit = await waitFor('the master to stop', async () => cluster.exits.get(1));
  t.equal(exit.code, 1);
  t.match(cluster.log(1), /cannot start: .*EADDRINUSE/);
});

t.test('with no leader, a request waits a bounded time and fails with 503 KEEL_NO_LEADER', async (t) => {
  const cluster = new ProcessCluster({ basePort: testBasePort(20) });
  t.teardown(() => cluster.destroy());
  cluster.start(1); // alone: no quorum, no leader
  await waitFor('member 1 to serve HTTP', async () => ((await http('GET', `${cluster.url(1)}/healthz`)).status === 200 ? true : undefined));
  const started = Date.now();
  const put = await http('PUT', `${cluster.url(1)}/v1/kv/x`, 'y');
  t.equal(put.status, 503);
  t.equal((put.json() as { code: string }).code, 'KEEL_NO_LEADER');
  t.ok(Date.now() - started >= 2500, 'after waiting for a leader');
  const get = await http('GET', `${cluster.url(1)}/v1/kv/x`);
  t.equal(get.status, 503, 'linearizable reads too');
  const stale = await http('GET', `${cluster.url(1)}/v1/kv/x?consistency=serializable`);
  t.equal(stale.status, 404, 'a serializable read answers from what the member has');
});
