// Process faults on three real masters: a paused leader (SIGSTOP) is replaced and, continued
// (SIGCONT), steps down and catches up; a slow disk, set at runtime, slows the leader's writes.
import t from 'tap';
import { ProcessCluster, http, testBasePort, waitFor } from '../lab/cluster/process-cluster.ts';

const cluster = new ProcessCluster({ basePort: testBasePort(20) });
t.teardown(() => cluster.destroy());
t.before(() => cluster.startAll());

const others = (id: number): number[] => [1, 2, 3].filter((x) => x !== id);

async function put(id: number, key: string, value: string): Promise<void> {
  const res = await http('PUT', `${cluster.url(id)}/v1/kv/${key}`, value);
  if (res.status !== 200) throw new Error(`PUT ${key} through member ${id}: ${res.status} ${res.body}`);
}

async function localValue(id: number, key: string): Promise<string | undefined> {
  const res = await http('GET', `${cluster.url(id)}/v1/kv/${key}?consistency=serializable`);
  return res.status === 200 ? res.body.toString() : undefined;
}

t.test('a paused leader is replaced; continued, it steps down and catches up', async (t) => {
  const old = await cluster.leader();
  const { term } = await cluster.status(old);
  cluster.pause(old);
  t.ok(cluster.paused(old) && cluster.running(old), 'paused, not gone');
  const next = await cluster.leader(20_000);
  t.not(next, old, `member ${next} leads while member ${old} is paused`);
  t.ok(((await cluster.status(next)).term as number) > (term as number), 'in a later term');
  await put(next, 'while-paused', 'x');
  await t.rejects(http('GET', `${cluster.url(old)}/healthz`, undefined, 500), 'the paused master answers nothing');

  cluster.resume(old);
  t.notOk(cluster.paused(old));
  await waitFor('the old leader to follow the new one', async () => {
    const status = await cluster.status(old);
    return status.role === 'follower' && status.leader === next ? true : undefined;
  });
  t.equal(await waitFor('the old leader to catch up', () => localValue(old, 'while-paused')), 'x');
  await put(old, 'after-resume', 'y');
  for (const id of others(old)) t.equal(await waitFor(`member ${id} to apply`, () => localValue(id, 'after-resume')), 'y');
});

t.test("a slow disk set at runtime delays the leader's every write", async (t) => {
  const leader = await cluster.leader();
  const delayMs = 300;
  cluster.setSyncDelay(leader, delayMs);
  t.teardown(() => cluster.setSyncDelay(leader, 0));
  await waitFor('the master to read its new delay', async () => (cluster.log(leader).includes(`sync writes delayed by ${delayMs} ms`) ? true : undefined));
  for (let i = 0; i < 2; i++) {
    const started = performance.now();
    await put(leader, `slow-disk-${i}`, 'x');
    const elapsedMs = performance.now() - started;
    // The leader answers after applying, and it applies nothing before its own sync write.
    t.ok(elapsedMs >= delayMs - 1, `write ${i} took ${elapsedMs.toFixed(0)} ms, at least the ${delayMs} ms delay`);
  }
  cluster.setSyncDelay(leader, 0);
  await waitFor('the delay to be lifted', async () => (cluster.log(leader).includes('sync writes delayed by 0 ms') ? true : undefined));
});
