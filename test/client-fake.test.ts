// The client against fake masters (node:http on port 0): leader discovery from the headers,
// failover on 503 and on dropped connections, the exactly-once identity repeated on retries,
// and watch resumption. The real cluster is in test/client.test.ts.
import t, { type Test } from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeelClient, KeelClientError } from '../store/client.ts';
import { dedupWindowDefault, SeqWindow } from '../store/client/seq-window.ts';
import { dedupWindowDefault as storeDedupWindow } from '../store/mvcc/dedup.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

interface FakeMember {
  url: string;
  seen: Seen[];
  handle: Handler;
  close(): Promise<void>;
}

async function fakeMember(id: number, handle: Handler = () => undefined): Promise<FakeMember> {
  const member: FakeMember = { url: '', seen: [], handle, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      member.seen.push(seen);
      res.setHeader('x-keel-member', String(id));
      member.handle(seen, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  member.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  member.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return member;
}

function send(res: ServerResponse, status: number, body: unknown, leaderUrl?: string): void {
  if (leaderUrl !== undefined) res.setHeader('x-keel-leader-url', leaderUrl);
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function cluster(t: Test, n: number): Promise<FakeMember[]> {
  const members = await Promise.all(Array.from({ length: n }, (_, i) => fakeMember(i + 1)));
  t.teardown(() => Promise.all(members.map((m) => m.close())));
  return members;
}

function client(t: Test, endpoints: string[], options: { retryMs?: number; timeoutMs?: number } = {}): KeelClient {
  const c = new KeelClient({ endpoints, timeoutMs: options.timeoutMs ?? 2_000, retryMs: options.retryMs ?? 5_000, clientId: 'test-client' });
  t.teardown(() => c.close());
  return c;
}

t.test('a follower names the leader; the next write goes to the leader directly', async (t) => {
  const [follower, leader] = await cluster(t, 2);
  follower.handle = (_req, res) => send(res, 503, { code: 'KEEL_NOT_LEADER', message: 'not the leader' }, leader.url);
  let revision = 10;
  leader.handle = (_req, res) => send(res, 200, { revision: ++revision }, leader.url);
  const c = client(t, [follower.url, leader.url]);
  t.same(await c.put('a', '1'), { revision: 11 });
  t.equal(c.leader, leader.url);
  t.same(await c.put('b', '2'), { revision: 12 });
  t.equal(follower.seen.length, 1, 'only the first write went to the follower');
  const [seq1, seq2] = leader.seen.map((s) => Number(s.headers['x-keel-seq']));
  t.equal(seq2, seq1 + 1, 'one seq per logical write');
  t.same(leader.seen.map((s) => s.url), ['/v1/kv/a', '/v1/kv/b']);
  t.equal(leader.seen[0].body, '1', 'the raw value is the body');
  t.equal(leader.seen[0].headers['x-keel-client-id'], 'test-client');
});

t.test('503 KEEL_NO_LEADER is retried until a leader answers', async (t) => {
  const [member] = await cluster(t, 1);
  let calls = 0;
  member.handle = (_req, res) => (++calls <= 2 ? send(res, 503, { code: 'KEEL_NO_LEADER', message: 'no leader' }) : send(res, 200, { revision: 5, deleted: 1 }, member.url));
  const c = client(t, [member.url]);
  t.same(await c.delete('k'), { revision: 5, deleted: 1 });
  t.equal(calls, 3);
  t.equal(new Set(member.seen.map((s) => s.headers['x-keel-seq'])).size, 1, 'every attempt carries the same seq');
});

t.test('a connection dropped mid-write is retried elsewhere with the same client id and seq', async (t) => {
  const [first, second] = await cluster(t, 2);
  // The first master reads the whole write, then dies without answering (as a SIGKILLed leader may).
  first.handle = (_req, res) => res.socket?.destroy();
  second.handle = (_req, res) => send(res, 200, { revision: 7 }, second.url);
  const c = client(t, [first.url, second.url]);
  t.same(await c.put('x', 'v'), { revision: 7 });
  t.equal(first.seen.length, 1);
  t.equal(second.seen.length, 1);
  t.equal(first.seen[0].headers['x-keel-seq'], second.seen[0].headers['x-keel-seq'], 'the retry repeats the seq');
  t.equal(first.seen[0].headers['x-keel-client-id'], second.seen[0].headers['x-keel-client-id']);
  await c.put('y', 'v');
  t.equal(second.seen[1].headers['x-keel-seq'], String(Number(second.seen[0].headers['x-keel-seq']) + 1), 'the next write has the next seq');
});

t.test('504 KEEL_TIMEOUT (may have happened) is retried with the same seq', async (t) => {
  const [member] = await cluster(t, 1);
  let calls = 0;
  member.handle = (_req, res) => (++calls === 1 ? send(res, 504, { code: 'KEEL_TIMEOUT', message: 'timed out' }, member.url) : send(res, 200, { revision: 3, succeeded: true, responses: [{ put: { revision: 3 } }] }, member.url));
  const c = client(t, [member.url]);
  const result = await c.txn({ compare: [{ key: 'k', target: 'version', result: 'equal', number: 0 }], success: [{ put: { key: 'k', value: 'v' } }] });
  t.same(result, { revision: 3, succeeded: true, responses: [{ put: { revision: 3 } }] });
  t.equal(member.seen[0].headers['x-keel-seq'], member.seen[1].headers['x-keel-seq']);
  t.same(JSON.parse(member.seen[0].body), { compare: [{ key: 'k', target: 'version', result: 'equal', number: 0 }], success: [{ put: { key: 'k', value: 'v' } }], failure: [] });
});

t.test('a write that never reaches a master fails with KEEL_UNAVAILABLE when the budget runs out', async (t) => {
  const [member] = await cluster(t, 1);
  const url = member.url;
  await member.close();
  const c = client(t, [url], { retryMs: 800 });
  const started = Date.now();
  const error = await c.put('a', '1').catch((e: unknown) => e);
  t.type(error, KeelClientError);
  t.equal((error as KeelClientError).code, 'KEEL_UNAVAILABLE');
  t.equal((error as KeelClientError).details.lastCode, 'ECONNREFUSED');
  t.equal((error as KeelClientError).details.maybeApplied, false, 'refused connections never carried the write');
  t.ok(Date.now() - started < 3_000, 'within the budget (and some slack)');
});

t.test('server errors carry their code; a missing key is null', async (t) => {
  const [member] = await cluster(t, 1);
  member.handle = (req, res) => {
    if (req.url.startsWith('/v1/kv/missing')) return send(res, 404, { code: 'KEEL_KEY_NOT_FOUND', message: 'no' });
    if (req.url.startsWith('/v1/kv/there')) {
      res.writeHead(200, { 'x-keel-revision': '9', 'x-keel-create-revision': '4', 'x-keel-mod-revision': '8', 'x-keel-version': '2', 'x-keel-lease': '0' });
      return res.end(Buffer.from([0xff, 0x00, 0x01]));
    }
    if (req.url.startsWith('/v1/kv?')) return send(res, 200, { revision: 9, count: 1, more: false, items: [{ key: 'a/b', value: 'v', createRevision: 4, modRevision: 8, version: 2, lease: 0 }] });
    send(res, 404, { code: 'KEEL_LEASE_NOT_FOUND', message: 'lease 5 does not exist' });
  };
  const c = client(t, [member.url]);
  t.equal(await c.get('missing'), null);
  const kv = await c.get('there', { serializable: true, revision: 8 });
  t.same({ ...kv, key: kv?.key.toString(), value: [...(kv?.value ?? [])] }, { key: 'there', value: [0xff, 0, 1], createRevision: 4, modRevision: 8, version: 2, lease: 0 }, 'binary values survive a get');
  t.match(member.seen[1].url, /consistency=serializable/);
  t.match(member.seen[1].url, /revision=8/);
  const range = await c.range({ prefix: 'a/', limit: 5, keysOnly: true });
  t.equal(range.kvs[0].key.toString(), 'a/b');
  t.match(member.seen[2].url, /^\/v1\/kv\?prefix=a%2F&limit=5&keysOnly=true$/);
  const error = await c.leaseKeepAlive(5).catch((e: unknown) => e);
  t.match(error, { code: 'KEEL_LEASE_NOT_FOUND', details: { status: 404 } });
  t.equal(member.seen[3].headers['x-keel-seq'], undefined, 'keepalive is not a log entry: no seq');
  t.equal(member.seen.length, 4, 'a 4xx is not retried');
});

t.test('a key that is not UTF-8 is refused before it is sent', async (t) => {
  const [member] = await cluster(t, 1);
  const c = client(t, [member.url]);
  await t.rejects(c.put(Uint8Array.of(0xff), 'v'), { code: 'KEEL_BAD_KEY' });
  t.equal(member.seen.length, 0);
});

t.test('a watch resumes after a dropped stream from the last complete revision, without duplicates', async (t) => {
  const [first, second] = await cluster(t, 2);
  const event = (rev: number): unknown => ({ type: 'put', kv: { key: 'w', value: `v${rev}`, createRevision: 2, modRevision: rev, version: rev - 1, lease: 0 } });
  first.handle = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'x-keel-leader-url': first.url });
    res.write(`${JSON.stringify({ revision: 3, events: [event(3)] })}\n`);
    res.write(`${JSON.stringify({ revision: 5, events: [event(4), event(5)] })}\n`);
    // A half-written line, then the master dies.
    res.write('{"revision":6,"ev');
    setTimeout(() => res.socket?.destroy(), 50);
  };
  second.handle = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'x-keel-leader-url': second.url });
    // A sloppy server repeats revision 5: the client must not deliver it twice.
    res.write(`${JSON.stringify({ revision: 6, events: [event(5), event(6)] })}\n`);
    res.write(`${JSON.stringify({ revision: 9, progress: true })}\n`);
  };
  const c = client(t, [first.url, second.url]);
  const revisions: number[] = [];
  const progress: number[] = [];
  const watch = c.watch({ key: 'w', startRevision: 3, progressNotify: true, onProgress: (r) => progress.push(r) }, (events) => {
    for (const e of events) revisions.push(e.kv.modRevision);
  });
  const deadline = Date.now() + 10_000;
  while (progress.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  watch.close();
  await watch.done;
  t.same(revisions, [3, 4, 5, 6], 'every revision once, in order');
  t.same(progress, [9]);
  t.equal(watch.nextRevision, 10);
  t.match(first.seen[0].url, /startRevision=3/);
  t.match(second.seen[0].url, /startRevision=6/, 'resumed after the last complete revision');
  t.match(second.seen[0].url, /progressNotify=true/);
});

t.test('a watch from a compacted revision ends with KEEL_COMPACTED and the compact revision', async (t) => {
  const [member] = await cluster(t, 1);
  member.handle = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.end(`${JSON.stringify({ code: 'KEEL_COMPACTED', message: 'revision 2 is compacted', compactRevision: 7 })}\n`);
  };
  const c = client(t, [member.url]);
  const errors: KeelClientError[] = [];
  const watch = c.watch({ key: 'w', prefix: true, startRevision: 2, onError: (e) => errors.push(e) }, () => undefined);
  await t.rejects(watch.done, { code: 'KEEL_COMPACTED', details: { compactRevision: 7 } });
  t.equal(errors.length, 1);
  t.equal(member.seen.length, 1, 'not retried');
  t.match(member.seen[0].url, /prefix=true/);
});

t.test('a watch without a start revision resumes after the revision the first stream started at', async (t) => {
  const [member] = await cluster(t, 1);
  let streams = 0;
  member.handle = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'x-keel-revision': '41' });
    res.flushHeaders();
    if (++streams === 1) return void setTimeout(() => res.socket?.destroy(), 20);
    res.write(`${JSON.stringify({ revision: 42, events: [{ type: 'delete', kv: { key: 'w', value: '', createRevision: 0, modRevision: 42, version: 0, lease: 0 } }] })}\n`);
  };
  const c = client(t, [member.url]);
  const seen: string[] = [];
  const watch = c.watch({ key: 'w' }, (events) => {
    for (const e of events) seen.push(`${e.type} ${e.kv.key} ${e.kv.modRevision}`);
  });
  const deadline = Date.now() + 10_000;
  while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  watch.close();
  await watch.done;
  t.same(seen, ['delete w 42']);
  t.notMatch(member.seen[0].url, /startRevision/, 'the first stream starts from now');
  t.match(member.seen[1].url, /startRevision=42/, 'the second resumes after what the first started at');
});

t.test('a write never runs a dedup window ahead of the oldest unanswered one', async (t) => {
  t.equal(dedupWindowDefault, storeDedupWindow, 'the client assumes the store\'s window');
  const seqs = new SeqWindow(4, 100);
  const first = await seqs.acquire();
  const more = [await seqs.acquire(), await seqs.acquire(), await seqs.acquire()];
  t.same([first, ...more], [100, 101, 102, 103]);
  let fifth = 0;
  const waiting = seqs.acquire().then((seq) => (fifth = seq));
  await new Promise((r) => setTimeout(r, 20));
  t.equal(fifth, 0, 'seq 104 waits while 100 is unanswered');
  seqs.release(102);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(fifth, 0, 'answering a newer one does not help');
  seqs.release(first);
  await waiting;
  t.equal(fifth, 104);
  t.ok(new SeqWindow(64).pending === 0 && (await new SeqWindow(64).acquire()) > Date.now() * 99, 'seqs start from the clock, above a previous run\'s');
});

t.test('concurrent writes held up by a failover stay inside the window', async (t) => {
  const [member] = await cluster(t, 1);
  let inFlight = 0;
  let most = 0;
  member.handle = (_req, res) => {
    inFlight++;
    most = Math.max(most, inFlight);
    setTimeout(() => {
      inFlight--;
      send(res, 200, { revision: 1 }, member.url);
    }, 5);
  };
  const c = new KeelClient({ endpoints: [member.url], dedupWindow: 3 });
  t.teardown(() => c.close());
  await Promise.all(Array.from({ length: 12 }, (_, i) => c.put(`k${i}`, 'v')));
  t.ok(most <= 3, `at most 3 writes in flight (saw ${most})`);
  const seqs = member.seen.map((s) => Number(s.headers['x-keel-seq']));
  t.equal(new Set(seqs).size, 12);
});
