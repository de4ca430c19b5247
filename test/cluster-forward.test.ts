// Writes sent to a follower, on three real masters: the follower runs the handler and forwards
// only the command, many to a request (store/write-forwarder.ts). Each write gets its own answer
// and error; retries stay exactly-once; the leader's endpoint takes only authenticated bodies.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { request } from 'undici';
import { ProcessCluster, http } from '../lab/cluster/process-cluster.ts';
import { packr } from '../store/mvcc/codec.ts';
import { forwardMac, forwardMacHeader, forwardPath } from '../store/write-forwarder.ts';
import { logsOnFailure } from './support/cluster-logs.ts';

const cluster = new ProcessCluster();
t.teardown(() => cluster.destroy());
logsOnFailure(t, cluster);

t.before(async () => {
  await cluster.startAll();
});

async function metric(id: number, name: string): Promise<number> {
  const text = (await http('GET', `${cluster.url(id)}/metrics`)).body.toString();
  const match = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

async function post(url: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> {
  const res = await request(url, { method: 'POST', body, headers });
  return { status: res.statusCode, body: Buffer.from(await res.body.arrayBuffer()) };
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

async function roles(): Promise<{ leader: number; follower: number }> {
  const leader = await cluster.leader();
  return { leader, follower: [1, 2, 3].find((id) => id !== leader)! };
}

t.test('concurrent writes through a follower share forwarded requests, and each gets its own answer', async (t) => {
  const { follower } = await roles();
  const sumBefore = await metric(follower, 'keel_forward_commands_per_request_sum');
  const countBefore = await metric(follower, 'keel_forward_commands_per_request_count');
  const writes = 64;
  const answers = await Promise.all(
    Array.from({ length: writes }, async (_, i) => {
      if (i % 2 === 0) {
        const res = await http('PUT', `${cluster.url(follower)}/v1/kv/fw-${i}`, `value-${i}`);
        return { status: res.status, revision: Number(res.headers['x-keel-revision']) };
      }
      const res = await post(`${cluster.url(follower)}/v3/kv/put`, JSON.stringify({ key: b64(`fw-${i}`), value: b64(`value-${i}`) }));
      const reply = JSON.parse(res.body.toString()) as { header: { revision: string; member_id: string } };
      t.equal(reply.header.member_id, String(follower), 'the header names the member that answered, as etcd does');
      return { status: res.status, revision: Number(reply.header.revision) };
    }),
  );
  t.ok(answers.every((a) => a.status === 200), 'every write succeeded');
  t.equal(new Set(answers.map((a) => a.revision)).size, writes, 'each at a revision of its own');
  for (const i of [0, 1, 31, 62, 63]) {
    const res = await http('GET', `${cluster.url(follower)}/v1/kv/fw-${i}`);
    t.equal(res.body.toString(), `value-${i}`, `fw-${i} reads back`);
  }
  const sum = (await metric(follower, 'keel_forward_commands_per_request_sum')) - sumBefore;
  const count = (await metric(follower, 'keel_forward_commands_per_request_count')) - countBefore;
  t.equal(sum, writes, 'every write went through the forwarder');
  t.ok(count < writes, `some writes shared a request (${writes} writes in ${count} requests)`);
});

t.test('a write the leader refuses fails alone, as it would on the leader', async (t) => {
  const { leader, follower } = await roles();
  const direct = await http('PUT', `${cluster.url(leader)}/v1/kv/leased?lease=123456789`, 'v');
  const [refused, fine] = await Promise.all([
    http('PUT', `${cluster.url(follower)}/v1/kv/leased?lease=123456789`, 'v'),
    http('PUT', `${cluster.url(follower)}/v1/kv/beside`, 'v'),
  ]);
  t.not(direct.status, 200);
  t.equal(refused.status, direct.status, 'the same status as from the leader');
  const codeOf = (res: { json: () => unknown }): unknown => (res.json() as { code?: unknown }).code;
  t.equal(codeOf(refused), codeOf(direct), 'and the same code');
  t.equal(codeOf(direct), 'KEEL_LEASE_NOT_FOUND');
  t.equal(fine.status, 200, 'the write beside it succeeds');
});

t.test('a retried write through a follower takes effect once and gets the first answer', async (t) => {
  const { follower } = await roles();
  const headers = { 'x-keel-client-id': 'forward-test-client', 'x-keel-seq': '1' };
  const first = await request(`${cluster.url(follower)}/v1/kv/once`, { method: 'PUT', body: 'a', headers });
  const firstRevision = first.headers['x-keel-revision'];
  await first.body.dump();
  const retry = await request(`${cluster.url(follower)}/v1/kv/once`, { method: 'PUT', body: 'b', headers });
  await retry.body.dump();
  t.equal(retry.statusCode, 200);
  t.equal(retry.headers['x-keel-revision'], firstRevision, 'the retry answers the first revision');
  t.equal((await http('GET', `${cluster.url(follower)}/v1/kv/once`)).body.toString(), 'a', 'the retry did not write');
});

t.test('the forwarding endpoint takes only bodies authenticated by the cluster secret, and only on the leader', async (t) => {
  const { leader, follower } = await roles();
  const secret = cluster.configs[0].secret;
  const body = packr.pack([packr.pack({ command: { op: 'put', request: { key: Buffer.from('smuggled'), value: Buffer.from('v'), lease: 0, prevKv: false } } })]);
  const before = (await cluster.status(leader)).lastIndex as number;
  const none = await post(`${cluster.url(leader)}${forwardPath}`, body);
  const wrong = await post(`${cluster.url(leader)}${forwardPath}`, body, { [forwardMacHeader]: forwardMac('not-the-secret', body) });
  for (const [name, res] of [['no mac', none], ['wrong mac', wrong]] as const) {
    t.equal(res.status, 401, name);
    t.equal(JSON.parse(res.body.toString()).code, 'KEEL_UNAUTHENTICATED', name);
  }
  t.equal((await cluster.status(leader)).lastIndex, before, 'nothing reached the log');
  t.equal((await http('GET', `${cluster.url(leader)}/v1/kv/smuggled`)).status, 404);

  const mac = forwardMac(secret, body);
  const toFollower = await post(`${cluster.url(follower)}${forwardPath}`, body, { [forwardMacHeader]: mac });
  t.equal(toFollower.status, 503);
  t.equal(JSON.parse(toFollower.body.toString()).code, 'KEEL_NOT_LEADER', 'a follower does not take forwarded commands');
  const bad = packr.pack(['not a command']);
  const malformed = await post(`${cluster.url(leader)}${forwardPath}`, bad, { [forwardMacHeader]: forwardMac(secret, bad) });
  t.equal(malformed.status, 400, 'an authenticated body that holds no commands is refused');

  const accepted = await post(`${cluster.url(leader)}${forwardPath}`, body, { [forwardMacHeader]: mac });
  t.equal(accepted.status, 200);
  const items = packr.unpack(accepted.body) as Array<{ r?: { revision: number } }>;
  t.equal(items.length, 1);
  t.ok((items[0].r?.revision ?? 0) > 0, 'an authenticated command is proposed and answered');
});

t.test('a follower that answered a forwarded write serves its own reads and new watches only once it has applied it', async (t) => {
  const { follower } = await roles();
  t.equal((await http('PUT', `${cluster.url(follower)}/v1/kv/seen`, 'old')).status, 200);
  // The follower's own log writes take 500 ms: the leader and the other follower commit without
  // it, and it answers the forwarded write long before it applies it.
  writeFileSync(cluster.syncDelayFile(follower), '500');
  t.teardown(() => writeFileSync(cluster.syncDelayFile(follower), '0'));
  await new Promise((resolve) => setTimeout(resolve, 300)); // the master polls the file every 100 ms
  // A new watch right after the answer, with nothing read in between.
  const put = await http('PUT', `${cluster.url(follower)}/v1/kv/seen`, 'new');
  t.equal(put.status, 200);
  const revision = Number(put.headers['x-keel-revision']);
  const watch = await request(`${cluster.url(follower)}/v1/watch?key=seen`);
  const firstLine = new Promise<string>((resolve) => {
    let text = '';
    watch.body.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0]);
    });
  });
  t.equal((await http('PUT', `${cluster.url((await roles()).leader)}/v1/kv/seen`, 'after')).status, 200);
  const first = JSON.parse(await firstLine) as { revision: number; events: Array<{ kv: { value: string } }> };
  watch.body.destroy();
  t.ok(first.revision > revision, `a new watch does not replay the answered write as news (first event at ${first.revision}, the write at ${revision})`);
  t.equal(first.events[0].kv.value, 'after');
  // A serializable read right after the answer.
  t.equal((await http('PUT', `${cluster.url(follower)}/v1/kv/seen`, 'newer')).status, 200);
  const read = await http('GET', `${cluster.url(follower)}/v1/kv/seen?consistency=serializable`);
  t.equal(read.body.toString(), 'newer', 'a serializable read on the follower sees the write it answered');
});
