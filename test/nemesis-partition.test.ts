// Three real masters whose peer links all run through the nemesis proxy: an isolated leader is
// replaced, a one-way cut stops one direction only, latency slows commits; heal, and every
// member serves again.
import t from 'tap';
import type { Test } from 'tap';
import { ProcessCluster, http, testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';

const cluster = new ProcessCluster({ basePort: testBasePort(0), proxy: { seed: 1 } });
const proxy = cluster.proxy!;
t.teardown(() => cluster.destroy());
t.before(() => cluster.startAll());

const ids = [1, 2, 3];
const others = (id: number): number[] => ids.filter((x) => x !== id);

async function status(id: number): Promise<{ role: string; term: number; leader: number; appliedIndex: number; transport: Record<string, { connected: boolean }> }> {
  return (await cluster.status(id)) as never;
}

async function put(id: number, key: string, value: string): Promise<number> {
  const res = await http('PUT', `${cluster.url(id)}/v1/kv/${key}`, value);
  if (res.status !== 200) throw new Error(`PUT ${key} through member ${id}: ${res.status} ${res.body}`);
  return Number(res.headers['x-keel-revision']);
}

/** After a heal: a write through every member, read back linearizably from every member. */
async function servesEverywhere(t: Test, tag: string): Promise<void> {
  await cluster.leader();
  for (const id of ids) {
    await waitFor(`a write through member ${id}`, async () => put(id, `${tag}-${id}`, `v${id}`));
    for (const reader of ids) {
      const res = await http('GET', `${cluster.url(reader)}/v1/kv/${tag}-${id}`);
      t.equal(res.body.toString(), `v${id}`, `member ${reader} reads the write through member ${id}`);
    }
  }
}

t.test("the cluster elects a leader through the proxy, which carries the leader's links both ways", async (t) => {
  const leader = await cluster.leader();
  await put(leader, 'through-proxy', 'yes');
  const stats = proxy.stats();
  t.same(Object.keys(stats).sort(), ['1->2', '1->3', '2->1', '2->3', '3->1', '3->2']);
  for (const id of others(leader)) {
    for (const link of [`${leader}->${id}`, `${id}->${leader}`]) t.ok(stats[link].bytesForward > 0, `link ${link} carried messages`);
  }
});

t.test('an isolated leader is replaced by the other two; heal, and writes work everywhere', async (t) => {
  const old = await cluster.leader();
  const { term } = await status(old);
  proxy.isolate(old);
  const cutAt = performance.now();
  const next = await waitFor(
    'the other two to elect a new leader',
    async () => {
      const [a, b] = await Promise.all(others(old).map(status));
      return a.leader === b.leader && a.leader !== old && a.leader !== 0 && a.term > term ? a.leader : undefined;
    },
    20_000,
  );
  t.comment(`member ${next} leads ${((performance.now() - cutAt) / 1000).toFixed(1)} s after member ${old} was isolated`);
  await put(next, 'during-isolation', 'majority');
  await waitFor('the isolated leader to step down', async () => ((await status(old)).role !== 'leader' ? true : undefined), 20_000);
  proxy.healAll();
  await servesEverywhere(t, 'after-isolation');
  const res = await http('GET', `${cluster.url(old)}/v1/kv/during-isolation`);
  t.equal(res.body.toString(), 'majority', 'the old leader caught up with what it missed');
});

t.test('a one-way cut leader -> follower: the follower hears nothing, the leader still hears it', async (t) => {
  const leader = await cluster.leader();
  const [follower, other] = others(leader);
  proxy.cut(leader, follower);
  await waitFor('the leader to lose its connection to the follower', async () => ((await status(leader)).transport[follower].connected ? undefined : true));
  const back = proxy.link(follower, leader).stats().bytesForward;
  const forth = proxy.link(leader, follower).stats().bytesForward;
  const revision = await put(leader, 'one-way', 'x');
  await waitFor('the other follower to apply the write', async () => {
    const res = await http('GET', `${cluster.url(other)}/v1/kv/one-way?consistency=serializable`);
    return res.status === 200 ? true : undefined;
  });
  await waitFor('the follower to send to the leader (pings at least)', async () => (proxy.link(follower, leader).stats().bytesForward > back ? true : undefined));
  t.ok((await status(follower)).transport[leader].connected, "the follower's connection to the leader stays up");
  t.equal(proxy.link(leader, follower).stats().bytesForward, forth, 'nothing of the leader reached the follower');
  const missed = await http('GET', `${cluster.url(follower)}/v1/kv/one-way?consistency=serializable`);
  t.equal(missed.status, 404, `the follower has not applied revision ${revision}`);
  proxy.heal(leader, follower);
  await waitFor('the follower to catch up', async () => {
    const res = await http('GET', `${cluster.url(follower)}/v1/kv/one-way?consistency=serializable`);
    return res.status === 200 ? true : undefined;
  });
  await servesEverywhere(t, 'after-one-way');
});

t.test('latency on every link slows every commit by at least a round trip', async (t) => {
  const leader = await cluster.leader();
  const latencyMs = 100;
  proxy.setLatency(latencyMs);
  t.teardown(() => proxy.healAll());
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await put(leader, `slow-${i}`, 'x');
    const elapsedMs = performance.now() - started;
    // The leader commits once a follower acknowledged: one message each way, each delayed.
    t.ok(elapsedMs >= 2 * latencyMs - 1, `write ${i} took ${elapsedMs.toFixed(0)} ms, at least ${2 * latencyMs}`);
  }
  proxy.healAll();
  await servesEverywhere(t, 'after-latency');
});
