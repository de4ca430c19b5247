// The benchmark's etcd launcher and peer proxies against the real etcd that .ci/run installs
// (Debian's etcd-server and etcd-client): a three-member cluster answers a put and reads through
// its JSON gateway and takes the load generator's v3 requests; then, behind the proxies, a
// partitioned leader is replaced and the cluster heals. Without etcd this fails, naming the
// package: a test that needs it must not pass without it.
import t from 'tap';
import { request } from 'undici';
import { EtcdCluster, etcdInstallHint, findEtcd } from '../bench/compare/etcd-cluster.ts';
import { EtcdSystem } from '../bench/compare/systems.ts';
import { runLoad } from '../bench/load-generator.ts';
import { testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await request(url, { method: 'POST', body: JSON.stringify(body), headersTimeout: 20_000, bodyTimeout: 20_000 });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

const binary = findEtcd();

t.test('etcd is installed', async (t) => {
  if (binary === null) t.fail(`etcd is not installed: install etcd-server and etcd-client (${etcdInstallHint})`);
  else t.pass(`etcd at ${binary}`);
});

t.test('a three-member etcd cluster answers a put and reads through its JSON gateway', { skip: binary === null ? 'etcd is not installed (the test above fails)' : false }, async (t) => {
  const cluster = new EtcdCluster({ binary: binary!, basePort: testBasePort(0) });
  t.teardown(() => cluster.destroy());
  await cluster.startAll();
  const { id: leader, term } = await cluster.leader();
  t.ok(term >= 1, `member ${leader} leads in term ${term}`);
  const follower = cluster.ids.find((id) => id !== leader)!;
  t.match(cluster.args(leader).join(' '), /--heartbeat-interval 100 --election-timeout 1000 --pre-vote=true/, 'the same timing as keel, PreVote on');

  const put = await post(`${cluster.url(follower)}/v3/kv/put`, { key: b64('k0000001'), value: b64('hello') });
  t.equal(put.status, 200, 'a put through a follower');
  const header = put.json.header as { raft_term: string };
  t.equal(Number(header.raft_term), term, 'answered in the leader\'s term');
  for (const serializable of [false, true]) {
    const range = await post(`${cluster.url(follower)}/v3/kv/range`, { key: b64('k0000001'), serializable });
    t.equal(range.status, 200);
    const kvs = range.json.kvs as Array<{ value: string }>;
    t.equal(Buffer.from(kvs[0].value, 'base64').toString(), 'hello', serializable ? 'a serializable read' : 'a linearizable read');
  }

  // The load generator's v3 requests, briefly: they must all be accepted.
  const urls = cluster.ids.map((id) => cluster.url(id));
  for (const mode of ['write', 'read-linearizable', 'read-serializable'] as const) {
    const result = await runLoad({ url: urls[0], urls, protocol: 'v3', mode, concurrency: 4, warmupMs: 50, durationMs: 300, keyspace: 10, valueBytes: 256, timeoutMs: 10_000, seed: 1 });
    t.ok(result.ops > 0, `${mode}: ${result.ops} requests answered`);
    t.equal(result.errorsTotal, 0, `${mode}: no errors ${JSON.stringify(result.errors)}`);
  }
});

t.test('behind the peer proxies, a partitioned etcd leader is replaced and the cluster heals', { skip: binary === null ? 'etcd is not installed (the first test fails)' : false }, async (t) => {
  const system = new EtcdSystem(binary!, { basePort: testBasePort(40), noFsync: false, proxied: true });
  t.teardown(() => system.destroy());
  await system.startAll();
  const before = await system.leader();
  const proxies = system.proxies!;
  t.ok(proxies.accepted > 0, `every peer connection goes through the proxies (${proxies.accepted} so far)`);
  t.equal(proxies.unidentified, 0, 'and the proxies know who dialled each one');

  proxies.isolate(before.id);
  const others = system.ids.filter((id) => id !== before.id);
  const after = await waitFor(
    'a new leader among the two members left',
    async () => {
      const statuses = await Promise.all(others.map((id) => system.cluster.status(id, 1_000)));
      const leaders = new Set(statuses.map((s) => s.leader));
      const leader = statuses[0].leader;
      return leaders.size === 1 && leader !== 0 && leader !== before.id ? statuses[0] : undefined;
    },
    30_000,
  );
  t.ok(after.term > before.term, `member ${after.leader} leads in term ${after.term} (was ${before.id} in ${before.term})`);

  proxies.heal();
  const healed = await system.leader(30_000);
  t.not(healed.id, 0, `after healing, all three agree: member ${healed.id} leads`);
});
