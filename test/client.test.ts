// The client against three real masters: the API round trip, then what the client promises
// when the leader dies under it: every acknowledged write applied exactly once, and a watch
// that loses nothing and repeats nothing.
import t, { type Test } from 'tap';
import { KeelClient, type KeyValue, type WatchEvent } from '../store/client.ts';
import { ProcessCluster, testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';
import { logsOnFailure } from './support/cluster-logs.ts';

const cluster = new ProcessCluster({ basePort: testBasePort(60) });
t.teardown(() => cluster.destroy());
await cluster.startAll();
const endpoints = cluster.configs.map((c) => cluster.url(c.id));

logsOnFailure(t, cluster);

function newClient(t: Test, list = endpoints): KeelClient {
  const client = new KeelClient({ endpoints: list, timeoutMs: 5_000, retryMs: 30_000 });
  t.teardown(() => client.close());
  return client;
}

const text = (kv: KeyValue | null | undefined): string | undefined => kv?.value.toString();

/** SIGKILLs the leader; returns its id. */
async function killLeader(): Promise<number> {
  const leader = await cluster.leader();
  await cluster.kill(leader, 'SIGKILL');
  return leader;
}

async function restart(id: number): Promise<void> {
  cluster.start(id);
  await cluster.leader(60_000);
}

t.test('put, get, range, delete', async (t) => {
  const client = newClient(t, [endpoints[0]]);
  const put = await client.put('kv/a', '1');
  t.ok(put.revision > 0);
  await client.put('kv/b', Buffer.from('2'));
  const again = await client.put('kv/a', 'one', { prevKv: true });
  t.equal(text(again.prevKv), '1');
  const a = await client.get('kv/a');
  t.same({ value: text(a), version: a?.version, modRevision: a?.modRevision }, { value: 'one', version: 2, modRevision: again.revision });
  t.equal(a?.createRevision, put.revision);
  t.equal(text(await client.get('kv/a', { revision: put.revision })), '1', 'a read at a past revision');
  t.equal(text(await client.get('kv/b', { serializable: true })), '2');
  t.equal(await client.get('kv/none'), null);
  t.not(client.leader, null, 'the leader was learned from the answers');
  const range = await client.range({ prefix: 'kv/' });
  t.same(range.kvs.map((kv) => `${kv.key}=${kv.value}`), ['kv/a=one', 'kv/b=2']);
  t.same({ count: range.count, more: range.more }, { count: 2, more: false });
  const limited = await client.range({ prefix: 'kv/', limit: 1, keysOnly: true });
  t.same({ keys: limited.kvs.map((kv) => String(kv.key)), more: limited.more, count: limited.count }, { keys: ['kv/a'], more: true, count: 2 });
  t.equal((await client.range({ prefix: 'kv/', countOnly: true })).count, 2);
  const deleted = await client.delete('kv/', { prefix: true, prevKv: true });
  t.equal(deleted.deleted, 2);
  t.same(deleted.prevKvs?.map((kv) => String(kv.key)), ['kv/a', 'kv/b']);
  t.equal((await client.range({ prefix: 'kv/' })).count, 0);
  const binary = Uint8Array.of(0, 0xff, 0x80);
  await client.put('kv/bin', binary);
  t.same([...((await client.get('kv/bin'))?.value ?? [])], [...binary], 'binary values round-trip');
});

t.test('txn: compare-and-swap both ways', async (t) => {
  const client = newClient(t);
  const create = { compare: [{ key: 'txn/k', target: 'version' as const, result: 'equal' as const, number: 0 }], success: [{ put: { key: 'txn/k', value: 'v1' } }], failure: [{ range: { key: 'txn/k' } }] };
  const first = await client.txn(create);
  t.equal(first.succeeded, true);
  t.ok('put' in first.responses[0]);
  const second = await client.txn(create);
  t.equal(second.succeeded, false);
  const range = second.responses[0];
  t.ok('range' in range && text(range.range.kvs[0]) === 'v1', 'the failure branch read the key');
  const swap = await client.txn({
    compare: [{ key: 'txn/k', target: 'value', result: 'equal', value: 'v1' }],
    success: [{ put: { key: 'txn/k', value: 'v2' } }, { delete: { key: 'txn/other' } }],
  });
  t.equal(swap.succeeded, true);
  t.same(swap.responses.map((r) => Object.keys(r)[0]), ['put', 'delete']);
  t.equal(text(await client.get('txn/k')), 'v2');
  await t.rejects(client.txn({ compare: [{ key: 'txn/k', target: 'bogus' as 'value', result: 'equal', value: 'x' }] }), { code: 'KEEL_BAD_REQUEST', details: { status: 400 } });
});

t.test('leases: grant, attach, keepalive, ttl, revoke', async (t) => {
  const client = newClient(t);
  const lease = await client.leaseGrant(30);
  t.ok(lease.id > 0);
  t.equal(lease.ttl, 30);
  await client.put('lease/k', 'v', { lease: lease.id });
  t.equal((await client.get('lease/k'))?.lease, lease.id);
  const kept = await client.leaseKeepAlive(lease.id);
  t.same(kept, { id: lease.id, ttl: 30 });
  const ttl = await client.leaseTimeToLive(lease.id, { keys: true });
  t.equal(ttl.grantedTtl, 30);
  t.ok(ttl.ttl > 0 && ttl.ttl <= 30);
  t.same(ttl.keys?.map(String), ['lease/k']);
  await client.leaseRevoke(lease.id);
  t.equal(await client.get('lease/k'), null, 'revoking deletes the attached keys');
  await t.rejects(client.leaseKeepAlive(lease.id), { code: 'KEEL_LEASE_NOT_FOUND' });
  await t.rejects(client.put('lease/x', 'v', { lease: lease.id }), { code: 'KEEL_LEASE_NOT_FOUND' });
});

t.test('watch: a prefix from a revision, with prevKv; compacted history is a KEEL_COMPACTED error', async (t) => {
  const client = newClient(t);
  const start = (await client.put('w/a', '1')).revision;
  await client.put('w/a', '2');
  await client.delete('w/a');
  await client.put('other', 'x');
  const events: WatchEvent[] = [];
  const watch = client.watch({ key: 'w/', prefix: true, startRevision: start, prevKv: true }, (batch) => void events.push(...batch));
  await waitFor('three events', async () => (events.length >= 3 ? true : undefined));
  await client.put('w/b', '3');
  await waitFor('the live event', async () => (events.length >= 4 ? true : undefined));
  watch.close();
  await watch.done;
  t.same(
    events.map((e) => `${e.type} ${e.kv.key} ${e.kv.value}`),
    ['put w/a 1', 'put w/a 2', 'delete w/a ', 'put w/b 3'],
  );
  t.equal(text(events[1].prevKv), '1');
  const compactAt = (await client.put('w/c', '4')).revision;
  await client.compact(compactAt);
  const late = client.watch({ key: 'w/', prefix: true, startRevision: start }, () => undefined);
  await t.rejects(late.done, { code: 'KEEL_COMPACTED', details: { compactRevision: compactAt } });
  await t.rejects(client.get('w/b', { revision: start }), { code: 'KEEL_COMPACTED' });
});

t.test('exactly once across a leader kill: every acknowledged put applied once', async (t) => {
  const client = newClient(t);
  await client.put('eo/warmup', 'x');
  const writers = 8;
  const perWriter = 60;
  const acked = new Set<string>();
  let killed = 0;
  const failures: string[] = [];
  const write = async (w: number): Promise<void> => {
    for (let i = 0; i < perWriter; i++) {
      const key = `eo/${w}/${String(i).padStart(3, '0')}`;
      try {
        await client.put(key, `${w}:${i}`);
        acked.add(key);
      } catch (error) {
        failures.push(`${key}: ${(error as Error).message}`);
      }
      if (w === 0 && i === 15) killed = await killLeader();
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => write(w)));
  t.same(failures, [], 'no write failed (the budget covers an election)');
  t.equal(acked.size, writers * perWriter);
  t.ok(killed > 0, `killed master ${killed}`);
  const { kvs } = await client.range({ prefix: 'eo/', limit: 10_000 });
  const byKey = new Map(kvs.map((kv) => [String(kv.key), kv]));
  const wrong = [...acked].filter((key) => byKey.get(key)?.version !== 1);
  t.same(wrong.map((key) => `${key} version ${byKey.get(key)?.version}`), [], 'every acknowledged put applied exactly once (version 1)');
  t.ok(client.stats.retries > 0, `the kill made the client retry (${client.stats.retries} retries)`);
  await restart(killed);
});

t.test('exactly once for a counter of txns across a leader kill', async (t) => {
  const client = newClient(t);
  await client.put('counter', '0');
  let acked = 0;
  const bump = async (): Promise<void> => {
    // Each bump: read, then compare-and-swap on the mod revision, until it wins.
    for (;;) {
      const kv = (await client.get('counter'))!;
      const next = String(Number(kv.value.toString()) + 1);
      const r = await client.txn({ compare: [{ key: 'counter', target: 'mod', result: 'equal', number: kv.modRevision }], success: [{ put: { key: 'counter', value: next } }] });
      if (r.succeeded) return;
    }
  };
  const run = async (w: number): Promise<void> => {
    for (let i = 0; i < 25; i++) {
      await bump();
      acked++;
      if (w === 0 && i === 8) await restart(await killLeader());
    }
  };
  await Promise.all([0, 1, 2, 3].map(run));
  t.equal(text(await client.get('counter')), String(acked), 'the counter equals the acknowledged bumps: none lost, none doubled');
});

t.test('a watch resumes across a leader kill: nothing lost, nothing twice', async (t) => {
  const client = newClient(t);
  const start = (await client.put('wr/start', 's')).revision;
  const seen: WatchEvent[] = [];
  const watch = client.watch({ key: 'wr/', prefix: true, startRevision: start + 1 }, (batch) => void seen.push(...batch));
  let killed = 0;
  let written = 0;
  for (let i = 0; i < 120; i++) {
    await client.put(`wr/${String(i).padStart(3, '0')}`, String(i));
    written++;
    if (i === 40) killed = await killLeader();
  }
  await waitFor('every write seen by the watch', async () => (seen.length >= written ? true : undefined), 60_000);
  // Writes after the last one must still arrive, and only those.
  await client.put('wr/last', 'l');
  await waitFor('the last write', async () => (seen.length >= written + 1 ? true : undefined), 30_000);
  watch.close();
  await watch.done;
  const revisions = seen.map((e) => e.kv.modRevision);
  t.same(revisions, [...revisions].sort((a, b) => a - b), 'in revision order');
  t.equal(new Set(revisions).size, revisions.length, 'no revision twice');
  const { kvs } = await client.range({ prefix: 'wr/' });
  const expected = kvs.filter((kv) => String(kv.key) !== 'wr/start').map((kv) => String(kv.key));
  t.same(seen.map((e) => String(e.kv.key)).sort(), expected.sort(), 'every write once');
  t.equal(seen.length, written + 1);
  await restart(killed);
});
