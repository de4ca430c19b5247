// The benchmark's peer proxies in front of keel's masters (bench/compare/peer-proxy.ts): each
// master dials its peers at the addresses in its members list, which point at the proxies, so
// isolating the leader really cuts it off; a new leader takes over and the cluster heals.
// (The same for etcd is in test/bench-etcd.test.ts.)
import t from 'tap';
import { KeelSystem } from '../bench/compare/systems.ts';
import { testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';

t.test('behind the peer proxies, a partitioned keel leader is replaced and the cluster heals', async (t) => {
  const system = new KeelSystem({ basePort: testBasePort(0), noFsync: false, proxied: true });
  t.teardown(() => system.destroy());
  await system.startAll();
  const before = await system.leader();
  const proxies = system.proxies!;
  t.ok(proxies.accepted > 0, `every peer connection goes through the proxies (${proxies.accepted} so far)`);
  t.equal(proxies.unidentified, 0, 'and the proxies know who dialled each one');

  proxies.isolate(before.id);
  const others = system.ids.filter((id) => id !== before.id);
  const after = await waitFor(
    'a new leader among the two masters left',
    async () => {
      const statuses = await Promise.all(others.map((id) => system.cluster.status(id)));
      const leader = statuses[0].leader as number;
      return statuses.every((s) => s.leader === leader) && leader !== 0 && leader !== before.id ? statuses[0] : undefined;
    },
    30_000,
  );
  t.ok((after.term as number) > before.term, `master ${after.leader} leads in term ${after.term} (was ${before.id} in ${before.term})`);

  proxies.heal();
  const healed = await system.leader(30_000);
  t.ok(others.includes(healed.id), `after healing, all three agree: master ${healed.id} leads`);
});

t.test('keel\'s NO FSYNC mode reaches the masters\' configs', async (t) => {
  const system = new KeelSystem({ basePort: testBasePort(40), noFsync: true, proxied: false });
  t.teardown(() => system.destroy());
  for (const config of system.cluster.configs) {
    t.equal(config.unsafeNoFsync, true, `master ${config.id}`);
    t.equal(config.tickMs, 100);
    t.equal(config.electionTicks, 10);
  }
});
