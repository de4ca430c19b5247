// Leases on real masters: only the leader expires them, through the log; a new leader gives
// live leases an extra election timeout instead of expiring them at once; keepalives reach the
// leader through any master.
import t from 'tap';
import { ProcessCluster, http, testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';
import { logsOnFailure } from './support/cluster-logs.ts';

const cluster = new ProcessCluster({ basePort: testBasePort(0) });
t.teardown(() => cluster.destroy());
logsOnFailure(t, cluster);
t.before(() => cluster.startAll());

const json = async (method: string, url: string, body: unknown): Promise<Record<string, unknown>> => {
  const res = await http(method, url, JSON.stringify(body));
  if (res.status !== 200) throw new Error(`${method} ${url}: ${res.status} ${res.body.toString()}`);
  return res.json() as Record<string, unknown>;
};
const exists = async (id: number, key: string): Promise<boolean> =>
  (await http('GET', `${cluster.url(id)}/v1/kv/${key}?consistency=serializable`)).status === 200;

t.test('keepalives through a follower keep a lease alive; without them it expires', async (t) => {
  const leader = await cluster.leader();
  const follower = [1, 2, 3].find((id) => id !== leader)!;
  const { id } = await json('POST', `${cluster.url(follower)}/v1/lease/grant`, { ttl: 2 });
  t.equal((await http('PUT', `${cluster.url(follower)}/v1/kv/kept?lease=${id}`, 'v')).status, 200);
  const until = Date.now() + 4000;
  while (Date.now() < until) {
    const kept = await json('POST', `${cluster.url(follower)}/v1/lease/keepalive`, { id });
    t.equal(kept.ttl, 2);
    await new Promise((r) => setTimeout(r, 500));
  }
  t.ok(await exists(leader, 'kept'), 'alive after twice its TTL, thanks to keepalives');
  await waitFor('the lease to expire', async () => ((await exists(follower, 'kept')) ? undefined : true), 15_000);
  const ttl = await http('POST', `${cluster.url(leader)}/v1/lease/ttl`, JSON.stringify({ id }));
  t.equal(ttl.status, 404, 'the expired lease is gone');
  for (const m of [1, 2, 3]) t.notOk(await exists(m, 'kept'), `member ${m} deleted the key with the lease`);
});

t.test('a leader crash: the new leader extends live leases, then expires them', async (t) => {
  const leader = await cluster.leader();
  const survivor = [1, 2, 3].find((id) => id !== leader)!;
  const { id } = await json('POST', `${cluster.url(leader)}/v1/lease/grant`, { ttl: 3 });
  t.equal((await http('PUT', `${cluster.url(leader)}/v1/kv/leased?lease=${id}`, 'v')).status, 200);
  const grantedAt = Date.now();
  await new Promise((r) => setTimeout(r, 2000));
  await cluster.kill(leader, 'SIGKILL');
  const next = await cluster.leader();
  const electedAt = Date.now();
  t.comment(`new leader ${next} ${electedAt - grantedAt} ms after the grant (TTL 3000 ms)`);
  t.ok(await exists(survivor, 'leased'), 'not expired at once by the new leader');
  const remaining = await json('POST', `${cluster.url(next)}/v1/lease/ttl`, { id });
  t.ok((remaining.ttl as number) >= 3, `the new leader counts a full TTL plus an election timeout (${remaining.ttl} s left)`);
  await waitFor('the lease to expire under the new leader', async () => ((await exists(survivor, 'leased')) ? undefined : true), 20_000);
  t.ok(Date.now() - electedAt >= 2500, `expired ${Date.now() - electedAt} ms after the election, not before its TTL`);
  cluster.start(leader);
  await waitFor('the restarted master to apply the expiry', async () => ((await exists(leader, 'leased')) ? undefined : true));
});
