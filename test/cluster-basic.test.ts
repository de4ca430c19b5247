// Three real master processes on loopback: election, the key-value API through any master,
// bad input, and a leader killed or stopped.
import t from 'tap';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { request } from 'undici';
import { ProcessCluster, http, waitFor } from '../lab/cluster/process-cluster.ts';
import { logsOnFailure } from './support/cluster-logs.ts';
import { apiListenBacklog } from '../store/http-api.ts';

const cluster = new ProcessCluster();
t.teardown(() => cluster.destroy());
logsOnFailure(t, cluster);

t.before(async () => {
  await cluster.startAll();
});

const others = (id: number): number[] => [1, 2, 3].filter((x) => x !== id);

t.test('a write through a follower is readable from all three', async (t) => {
  const leader = await cluster.leader();
  const follower = others(leader)[0];
  const put = await http('PUT', `${cluster.url(follower)}/v1/kv/greeting`, 'hello');
  t.equal(put.status, 200, put.body.toString());
  t.equal(put.headers['x-keel-leader'], String(leader), 'the follower names the leader');
  t.ok(Number(put.headers['x-keel-term']) >= 1, 'and the term');
  for (const id of [1, 2, 3]) {
    const get = await http('GET', `${cluster.url(id)}/v1/kv/greeting`);
    t.equal(get.status, 200, `member ${id}`);
    t.equal(get.body.toString(), 'hello', `member ${id} reads it (linearizable)`);
  }
  const revision = (put.json() as { revision: number }).revision;
  const list = await http('GET', `${cluster.url(follower)}/v1/kv?prefix=gree`);
  t.same(list.json(), {
    revision,
    count: 1,
    more: false,
    items: [{ key: 'greeting', value: 'hello', createRevision: revision, modRevision: revision, version: 1, lease: 0 }],
  });
  const del = await http('DELETE', `${cluster.url(follower)}/v1/kv/greeting`);
  t.same(del.json(), { revision: revision + 1, deleted: 1 });
  t.equal((await http('GET', `${cluster.url(leader)}/v1/kv/greeting`)).status, 404);
});

t.test('bad input gets a 4xx JSON error with a code, and nothing reaches the log', async (t) => {
  const url = cluster.url(1);
  const before = (await cluster.status(1)).lastIndex as number;
  const cases: Array<[string, string, string | Uint8Array | undefined, number, string]> = [
    ['PUT', '/v1/kv/', 'x', 400, 'KEEL_EMPTY_KEY'],
    ['PUT', `/v1/kv/${'k'.repeat(4097)}`, 'x', 400, 'KEEL_KEY_TOO_LONG'],
    ['PUT', '/v1/kv/%E0%A4%A', 'x', 400, 'KEEL_BAD_KEY'],
    ['PUT', '/v1/kv/big', new Uint8Array(1.5 * 1024 * 1024 + 1), 413, 'KEEL_VALUE_TOO_LARGE'],
    ['POST', '/v1/kv/x', 'x', 405, 'KEEL_METHOD_NOT_ALLOWED'],
    ['GET', '/v2/nothing', undefined, 404, 'KEEL_NOT_FOUND'],
    ['GET', '/v1/kv/x?consistency=eventual', undefined, 400, 'KEEL_BAD_REQUEST'],
    ['GET', '/v1/kv?limit=0', undefined, 400, 'KEEL_BAD_REQUEST'],
  ];
  for (const [method, path, body, status, code] of cases) {
    const res = await http(method, url + path, body);
    t.equal(res.status, status, `${method} ${path.slice(0, 40)}: ${res.body.toString().slice(0, 120)}`);
    t.equal((res.json() as { code: string }).code, code);
  }
  const max = await http('PUT', `${url}/v1/kv/max`, new Uint8Array(1.5 * 1024 * 1024));
  t.equal(max.status, 200, 'a value of exactly 1.5 MiB is accepted');
  const after = (await cluster.status(1)).lastIndex as number;
  t.equal(after, before + 1, 'only the good write reached the log');
  t.ok(cluster.running(1), 'the master is still up');
});

t.test('every response names the member, term and leader: JSON, bytes, errors, and a watch stream', async (t) => {
  const leader = await cluster.leader();
  const base = cluster.url(leader);
  const key = Buffer.from('named').toString('base64');
  const answers = {
    'etcd put': await http('POST', `${base}/v3/kv/put`, `{"key":"${key}","value":"${key}"}`),
    'etcd put with a query': await http('POST', `${base}/v3/kv/put?x=1`, `{"key":"${key}","value":"${key}"}`),
    'etcd range': await http('POST', `${base}/v3/kv/range`, `{"key":"${key}"}`),
    'etcd 405': await http('GET', `${base}/v3/kv/range`),
    'v1 bytes': await http('GET', `${base}/v1/kv/named`),
    'v1 404': await http('GET', `${base}/v1/kv/absent`),
    'no route': await http('GET', `${base}/nowhere`),
  };
  t.same(Object.values(answers).map((a) => a.status), [200, 200, 200, 405, 200, 404, 404]);
  for (const [what, answer] of Object.entries(answers)) {
    t.same([answer.headers['x-keel-member'], answer.headers['x-keel-leader']], [String(leader), String(leader)], what);
    t.ok(Number(answer.headers['x-keel-term']) >= 1, `${what}: the term`);
    t.equal(answer.headers['x-keel-leader-url'], base, `${what}: the leader's URL`);
    t.equal(Number(answer.headers['content-length']), answer.body.length, `${what}: the length`);
  }
  t.equal((answers['etcd range'].json() as { kvs: Array<{ key: string }> }).kvs[0].key, key);
  const watch = await request(`${base}/v1/watch?key=named`);
  t.equal(watch.statusCode, 200);
  t.same([watch.headers['x-keel-member'], watch.headers['x-keel-leader']], [String(leader), String(leader)], 'a watch stream too');
  watch.body.destroy();
});

t.test('a request cut off before its body ends writes nothing', async (t) => {
  const leader = await cluster.leader();
  const before = (await cluster.status(leader)).lastIndex as number;
  const { port } = new URL(cluster.url(leader));
  for (const [path, head] of [['/v1/kv/cut', 'PUT'], ['/v3/kv/put', 'POST']]) {
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    const body = path === '/v1/kv/cut' ? 'half of a value' : '{"key":"Y3V0","value":"aGFsZiBvZiBh';
    socket.write(`${head} ${path} HTTP/1.1\r\nhost: keel\r\ncontent-length: 100\r\n\r\n${body}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
  }
  const get = await http('GET', `${cluster.url(leader)}/v1/kv/cut`);
  t.equal(get.status, 404, 'the cut-off value was not written');
  t.equal((await cluster.status(leader)).lastIndex, before, 'nothing reached the log');
  t.ok(cluster.running(leader), 'the master is still up');
});

t.test('the API listens with a backlog for thousands of connecting clients, not Node\'s 511', async (t) => {
  const { port } = new URL(cluster.url(1));
  let out: string;
  try {
    out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  } catch (error) {
    t.fail(`ss (Debian's iproute2) is needed to read the listen backlog: ${(error as Error).message}`);
    return;
  }
  // For a listening socket, ss's Send-Q column is the backlog the kernel keeps.
  const backlog = Number(out.trim().split(/\s+/)[2]);
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  t.equal(backlog, Math.min(apiListenBacklog, somaxconn), `backlog ${backlog} (somaxconn ${somaxconn})`);
});

t.test('observability: healthz, status, metrics', async (t) => {
  t.equal((await http('GET', `${cluster.url(2)}/healthz`)).status, 200);
  const leader = await cluster.leader();
  const status = await cluster.status(leader);
  t.equal(status.role, 'leader');
  t.equal(status.pid, cluster.pid(leader));
  for (const field of ['term', 'commitIndex', 'appliedIndex', 'lastIndex']) t.type(status[field], 'number', field);
  t.same(Object.keys(status.peers as object).sort(), others(leader).map(String), 'per peer: match and last contact');
  const metrics = (await http('GET', `${cluster.url(leader)}/metrics`)).body.toString();
  for (const name of ['keel_raft_term', 'keel_raft_leader_changes_total', 'keel_raft_proposals_committed_total', 'keel_raft_commit_latency_seconds_bucket', 'keel_disk_fsync_seconds_bucket', 'keel_raft_append_batch_entries_bucket', 'keel_proposal_writes_per_entry_bucket', 'keel_peer_rtt_seconds', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes', 'nodejs_array_buffers_bytes']) {
    t.match(metrics, new RegExp(`^${name}`, 'm'), name);
  }
  const rss = Number(/^process_resident_memory_bytes (\d+)$/m.exec(metrics)?.[1]);
  const vmRss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${cluster.pid(leader)}/status`, 'utf8'))?.[1]) * 1024;
  t.ok(rss > vmRss / 2 && rss < vmRss * 2, `resident memory ${rss} B is the process's (${vmRss} B in /proc)`);
});

t.test('SIGKILL of the leader: a new leader serves writes; the old one restarts and catches up', async (t) => {
  const old = await cluster.leader();
  const termBefore = (await cluster.status(old)).term as number;
  await cluster.kill(old, 'SIGKILL');
  const killedAt = Date.now();
  const survivor = others(old)[0];
  const put = await waitFor('a write accepted after the leader died', async () => {
    const res = await http('PUT', `${cluster.url(survivor)}/v1/kv/after-kill`, 'v', 5000);
    return res.status === 200 ? res : undefined;
  });
  t.comment(`first write accepted ${Date.now() - killedAt} ms after SIGKILL of the leader`);
  t.ok(Number(put.headers['x-keel-term']) > termBefore, 'in a new term');
  cluster.start(old);
  await waitFor('the old leader to catch up', async () => {
    const res = await http('GET', `${cluster.url(old)}/v1/kv/after-kill?consistency=serializable`, undefined, 2000);
    return res.status === 200 && res.body.toString() === 'v' ? true : undefined;
  });
  t.pass('the restarted master has the write in its own state machine');
});

t.test('a master whose peers reach it while it still recovers its log comes back, and the cluster keeps its quorum', async (t) => {
  const leader = await cluster.leader();
  const follower = others(leader)[0];
  await cluster.kill(follower, 'SIGKILL');
  // Its peers dial it again and the leader's heartbeats (every 100 ms) arrive while it holds off
  // recovering for 1.5 s; then it recovers and runs.
  cluster.start(follower, { KEEL_TEST_RECOVERY_DELAY_MS: '1500' });
  await new Promise((resolve) => setTimeout(resolve, 2500));
  t.ok(cluster.running(follower), `the master is still running:\n${cluster.log(follower).split('\n').slice(-8).join('\n')}`);
  const put = await http('PUT', `${cluster.url(leader)}/v1/kv/after-recovery`, 'r', 5000);
  t.equal(put.status, 200);
  await waitFor('the recovered master to apply the write', async () => {
    const res = await http('GET', `${cluster.url(follower)}/v1/kv/after-recovery?consistency=serializable`, undefined, 2000);
    return res.status === 200 && res.body.toString() === 'r' ? true : undefined;
  });
  t.pass('it caught up');
});

t.test('SIGTERM of the leader: it hands leadership over, then exits 0', async (t) => {
  const old = await cluster.leader();
  const exit = await cluster.kill(old, 'SIGTERM');
  t.same(exit, { code: 0, signal: null });
  t.match(cluster.log(old), /handing leadership to member \d before stopping/);
  const next = await cluster.leader(10_000);
  t.not(next, old);
  cluster.start(old);
  await cluster.leader();
});
